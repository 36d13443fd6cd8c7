package dev.spawnring.agent;

import static java.lang.classfile.ClassFile.ACC_FINAL;
import static java.lang.classfile.ClassFile.ACC_STATIC;
import static java.lang.classfile.ClassFile.ACC_SYNTHETIC;
import static java.lang.classfile.ClassFile.ACC_VOLATILE;
import static java.lang.constant.ConstantDescs.CD_Boolean;
import static java.lang.constant.ConstantDescs.CD_List;
import static java.lang.constant.ConstantDescs.CD_Map;
import static java.lang.constant.ConstantDescs.CD_Object;
import static java.lang.constant.ConstantDescs.CD_String;
import static java.lang.constant.ConstantDescs.CD_boolean;

import java.lang.classfile.ClassFile;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.MethodTypeDesc;

/**
 * The class the agent defines in {@code java.lang}, where {@code ProcessBuilder} can call it,
 * made with {@code java.lang.classfile}. As Java source it would read:
 *
 * <pre>{@code
 * package java.lang;
 *
 * final class SpawnringAgentBridge {
 *     static volatile Function<Object[], Object> start;     // set by the agent
 *     static volatile Function<Object, Object> pipeline;    // set by the agent
 *
 *     // ProcessBuilder.start(Redirect[]) calls this where it called ProcessImpl.start
 *     static Process start(String[] cmdarray, Map<String, String> environment, String dir,
 *             Redirect[] redirects, boolean redirectErrorStream) throws IOException {
 *         Function<Object[], Object> f = start;
 *         if (f != null) {
 *             Object p = f.apply(new Object[] {cmdarray, environment, dir, redirects, redirectErrorStream});
 *             if (p != null) {
 *                 return (Process) p;
 *             }
 *         }
 *         return ProcessImpl.start(cmdarray, environment, dir, redirects, redirectErrorStream);
 *     }
 *
 *     // ProcessBuilder.startPipeline(builders) begins with: if ((r = pipeline(builders)) != null) return r;
 *     static List<Process> pipeline(List<ProcessBuilder> builders) {
 *         Function<Object, Object> f = pipeline;
 *         return f == null ? null : (List<Process>) f.apply(builders);
 *     }
 * }
 * }</pre>
 *
 * A hook returns null to leave the start to the JDK, and throws what {@code ProcessImpl.start}
 * (or {@code startPipeline}) would throw.
 */
final class Bridge {
    static final String NAME = "java.lang.SpawnringAgentBridge";
    static final ClassDesc BRIDGE = ClassDesc.of(NAME);
    static final ClassDesc FUNCTION = ClassDesc.of("java.util.function.Function");
    static final ClassDesc PROCESS = ClassDesc.of("java.lang.Process");
    static final ClassDesc PROCESS_IMPL = ClassDesc.of("java.lang.ProcessImpl");
    static final ClassDesc REDIRECT = ClassDesc.of("java.lang.ProcessBuilder$Redirect");
    /** {@code ProcessImpl.start}'s descriptor, and the bridge's {@code start}. */
    static final MethodTypeDesc START = MethodTypeDesc.of(PROCESS, CD_String.arrayType(), CD_Map, CD_String,
            REDIRECT.arrayType(), CD_boolean);
    static final MethodTypeDesc PIPELINE = MethodTypeDesc.of(CD_List, CD_List);
    private static final MethodTypeDesc APPLY = MethodTypeDesc.of(CD_Object, CD_Object);

    private Bridge() {
    }

    static byte[] bytes() {
        return ClassFile.of().build(BRIDGE, cb -> {
            cb.withFlags(ACC_FINAL | ACC_SYNTHETIC);
            cb.withField("start", FUNCTION, ACC_STATIC | ACC_VOLATILE);
            cb.withField("pipeline", FUNCTION, ACC_STATIC | ACC_VOLATILE);
            cb.withMethodBody("start", START, ACC_STATIC, code -> {
                // locals: 0 cmdarray, 1 environment, 2 dir, 3 redirects, 4 redirectErrorStream, 5 f, 6 p
                Label jdk = code.newLabel();
                code.getstatic(BRIDGE, "start", FUNCTION).astore(5)
                        .aload(5).ifnull(jdk)
                        .aload(5)
                        .iconst_5().anewarray(CD_Object);
                for (int i = 0; i < 4; i++) {
                    code.dup().loadConstant(i).aload(i).aastore();
                }
                code.dup().iconst_4().iload(4)
                        .invokestatic(CD_Boolean, "valueOf", MethodTypeDesc.of(CD_Boolean, CD_boolean)).aastore()
                        .invokeinterface(FUNCTION, "apply", APPLY).astore(6)
                        .aload(6).ifnull(jdk)
                        .aload(6).checkcast(PROCESS).areturn()
                        .labelBinding(jdk)
                        .aload(0).aload(1).aload(2).aload(3).iload(4)
                        .invokestatic(PROCESS_IMPL, "start", START)
                        .areturn();
            });
            cb.withMethodBody("pipeline", PIPELINE, ACC_STATIC, code -> {
                Label none = code.newLabel();
                code.getstatic(BRIDGE, "pipeline", FUNCTION).astore(1)
                        .aload(1).ifnull(none)
                        .aload(1).aload(0).invokeinterface(FUNCTION, "apply", APPLY).checkcast(CD_List).areturn()
                        .labelBinding(none)
                        .aconst_null().areturn();
            });
        });
    }
}
