package dev.spawnring.agent;

import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Installs the agent: opens {@code java.lang} (and {@code jdk.internal.event}, for the JDK's JFR
 * event) to the agent, defines the {@link Bridge} in {@code java.lang}, sets its hooks, and
 * retransforms {@code java.lang.ProcessBuilder} to call it.
 */
final class Hooks {
    private static final String PROCESS_BUILDER = "java/lang/ProcessBuilder";

    private Hooks() {
    }

    static void install(Instrumentation inst) throws Exception {
        Module javaBase = Object.class.getModule();
        Module agent = Hooks.class.getModule();
        inst.redefineModule(javaBase, Set.of(), Map.of(),
                Map.of("java.lang", Set.of(agent), "jdk.internal.event", Set.of(agent)), Set.of(), Map.of());
        MethodHandles.Lookup javaLang = MethodHandles.privateLookupIn(ProcessBuilder.class, MethodHandles.lookup());
        Class<?> bridge = defineBridge(javaLang);
        JdkInternals internals = new JdkInternals(javaLang);
        Hook hook = new Hook(internals);

        PbTransformer t = new PbTransformer();
        inst.addTransformer(t, true);
        try {
            inst.retransformClasses(ProcessBuilder.class);
        } finally {
            inst.removeTransformer(t);
        }
        if (t.failure != null) {
            throw new IllegalStateException("rewriting java.lang.ProcessBuilder failed", t.failure);
        }
        if (t.starts != 1 || t.pipelines != 1) {
            throw new IllegalStateException("this JDK's ProcessBuilder is not the one the agent knows (" + t.starts
                    + " call(s) of ProcessImpl.start in start(Redirect[]), " + t.pipelines + " startPipeline)");
        }
        MethodHandles.Lookup bridgeLookup = MethodHandles.privateLookupIn(bridge, MethodHandles.lookup());
        VarHandle start = bridgeLookup.findStaticVarHandle(bridge, "start", Function.class);
        VarHandle pipeline = bridgeLookup.findStaticVarHandle(bridge, "pipeline", Function.class);
        Function<Object[], Object> startHook = hook::start;
        Function<Object, Object> pipelineHook = hook::pipeline;
        start.setVolatile(startHook);
        pipeline.setVolatile(pipelineHook);
    }

    /** Defines the bridge in {@code java.lang}, or finds the one a previous install defined. */
    private static Class<?> defineBridge(MethodHandles.Lookup javaLang) throws IllegalAccessException {
        try {
            return Class.forName(Bridge.NAME, false, null);
        } catch (ClassNotFoundException notYet) {
            return javaLang.defineClass(Bridge.bytes());
        }
    }

    /**
     * Rewrites {@code ProcessBuilder}: in {@code start(Redirect[])} the call of
     * {@code ProcessImpl.start} goes to the bridge; {@code startPipeline} first asks the bridge.
     */
    private static final class PbTransformer implements ClassFileTransformer {
        volatile Throwable failure;
        volatile int starts;
        volatile int pipelines;

        @Override
        public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                ProtectionDomain domain, byte[] classfile) {
            if (loader != null || !PROCESS_BUILDER.equals(className)) {
                return null;
            }
            try {
                return rewrite(classfile);
            } catch (Throwable e) { // the JVM would swallow it
                failure = e;
                return null;
            }
        }

        private byte[] rewrite(byte[] classfile) {
            ClassFile cf = ClassFile.of();
            ClassModel model = cf.parse(classfile);
            CodeTransform start = this::redirectStart;
            CodeTransform pipeline = new PipelinePrologue(this);
            ClassTransform t = (cb, ce) -> {
                if (ce instanceof MethodModel m && isStart(m)) {
                    cb.transformMethod(m, MethodTransform.transformingCode(start));
                } else if (ce instanceof MethodModel m && isStartPipeline(m)) {
                    cb.transformMethod(m, MethodTransform.transformingCode(pipeline));
                } else {
                    cb.with(ce);
                }
            };
            return cf.transformClass(model, t);
        }

        private void redirectStart(CodeBuilder code, CodeElement e) {
            if (e instanceof InvokeInstruction i && i.opcode() == Opcode.INVOKESTATIC
                    && i.owner().asInternalName().equals("java/lang/ProcessImpl") && i.name().equalsString("start")
                    && i.typeSymbol().equals(Bridge.START)) {
                code.invokestatic(Bridge.BRIDGE, "start", Bridge.START);
                starts++;
            } else {
                code.with(e);
            }
        }
    }

    private static boolean isStart(MethodModel m) {
        return m.methodName().equalsString("start")
                && m.methodType().equalsString("([Ljava/lang/ProcessBuilder$Redirect;)Ljava/lang/Process;");
    }

    private static boolean isStartPipeline(MethodModel m) {
        return m.methodName().equalsString("startPipeline")
                && m.methodType().equalsString("(Ljava/util/List;)Ljava/util/List;");
    }

    /** {@code if ((r = SpawnringAgentBridge.pipeline(builders)) != null) return r;} before the JDK's code. */
    private static final class PipelinePrologue implements CodeTransform {
        private final PbTransformer counter;

        PipelinePrologue(PbTransformer counter) {
            this.counter = counter;
        }

        @Override
        public void atStart(CodeBuilder code) {
            Label jdk = code.newLabel();
            code.aload(0).invokestatic(Bridge.BRIDGE, "pipeline", Bridge.PIPELINE)
                    .dup().ifnull(jdk).areturn()
                    .labelBinding(jdk).pop();
            counter.pipelines++;
        }

        @Override
        public void accept(CodeBuilder code, CodeElement e) {
            code.with(e);
        }
    }
}
