package dev.spawnring.agent;

import java.lang.ProcessBuilder.Redirect;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;

/**
 * What the agent reads and does inside {@code java.lang}, once {@code java.lang} is open to it:
 * the environment block the JDK would pass ({@code ProcessEnvironment.toEnvironmentBlock}, raw
 * bytes and all), a builder's environment field (null when never touched) and redirect array, the
 * pipe redirect {@code startPipeline} leaves in its builders, and the JDK's JFR event for a start.
 */
final class JdkInternals {
    private final MethodHandle toEnvironmentBlock;
    private final MethodHandle environmentField;
    private final MethodHandle redirects;
    private final MethodHandle newRedirectPipe;
    private final ProcessStartEvent event;

    JdkInternals(MethodHandles.Lookup javaLang) throws ReflectiveOperationException {
        Class<?> processEnvironment = Class.forName("java.lang.ProcessEnvironment");
        MethodHandles.Lookup pe = MethodHandles.privateLookupIn(processEnvironment, MethodHandles.lookup());
        toEnvironmentBlock = pe.findStatic(processEnvironment, "toEnvironmentBlock",
                MethodType.methodType(byte[].class, Map.class, int[].class));
        environmentField = javaLang.findGetter(ProcessBuilder.class, "environment", Map.class);
        redirects = javaLang.findVirtual(ProcessBuilder.class, "redirects", MethodType.methodType(Redirect[].class));
        Class<?> redirectPipe = Class.forName("java.lang.ProcessBuilder$RedirectPipeImpl");
        newRedirectPipe = MethodHandles.privateLookupIn(redirectPipe, MethodHandles.lookup())
                .findConstructor(redirectPipe, MethodType.methodType(void.class)).asType(MethodType.methodType(Redirect.class));
        event = ProcessStartEvent.find();
    }

    /**
     * The entries of the environment block the JDK passes for {@code env} (a builder's
     * environment), or null for none (the child inherits this process's).
     */
    byte[][] envp(Map<String, String> env) {
        if (env == null) {
            return null;
        }
        int[] envc = new int[1];
        byte[] block;
        try {
            block = (byte[]) toEnvironmentBlock.invokeExact(env, envc);
        } catch (Throwable t) {
            throw new IllegalStateException("ProcessEnvironment.toEnvironmentBlock", t);
        }
        byte[][] out = new byte[envc[0]][];
        int from = 0;
        for (int i = 0; i < out.length; i++) {
            int end = from;
            while (block[end] != 0) {
                end++;
            }
            out[i] = java.util.Arrays.copyOfRange(block, from, end);
            from = end + 1;
        }
        return out;
    }

    /** The builder's environment field: null when {@code environment()} was never called. */
    @SuppressWarnings("unchecked")
    Map<String, String> environment(ProcessBuilder builder) {
        try {
            return (Map<String, String>) environmentField.invokeExact(builder);
        } catch (Throwable t) {
            throw new IllegalStateException("ProcessBuilder.environment", t);
        }
    }

    /** The builder's own redirect array (made as the JDK makes it on first use). */
    Redirect[] redirects(ProcessBuilder builder) {
        try {
            return (Redirect[]) redirects.invokeExact(builder);
        } catch (Throwable t) {
            throw new IllegalStateException("ProcessBuilder.redirects", t);
        }
    }

    /** A new {@code ProcessBuilder.RedirectPipeImpl}, what {@code startPipeline} puts between stages. */
    Redirect newRedirectPipe() {
        try {
            return (Redirect) newRedirectPipe.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("ProcessBuilder.RedirectPipeImpl", t);
        }
    }

    /** Commits the JDK's {@code jdk.ProcessStart} JFR event, as {@code ProcessBuilder.start} does. */
    void processStarted(Process p, String dir, String[] cmdarray) {
        if (event != null) {
            event.commit(p.pid(), dir, cmdarray);
        }
    }

    /** {@code jdk.internal.event.ProcessStartEvent}, if this JDK has it. */
    private record ProcessStartEvent(MethodHandle create, MethodHandle isEnabled, MethodHandle commit,
            MethodHandle pid, MethodHandle directory, MethodHandle command) {
        static ProcessStartEvent find() {
            try {
                Class<?> c = Class.forName("jdk.internal.event.ProcessStartEvent");
                MethodHandles.Lookup l = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
                MethodType object = MethodType.methodType(Object.class);
                return new ProcessStartEvent(
                        l.findConstructor(c, MethodType.methodType(void.class)).asType(object),
                        l.findVirtual(c, "isEnabled", MethodType.methodType(boolean.class))
                                .asType(MethodType.methodType(boolean.class, Object.class)),
                        l.findVirtual(c, "commit", MethodType.methodType(void.class))
                                .asType(MethodType.methodType(void.class, Object.class)),
                        l.findSetter(c, "pid", long.class).asType(MethodType.methodType(void.class, Object.class, long.class)),
                        l.findSetter(c, "directory", String.class)
                                .asType(MethodType.methodType(void.class, Object.class, String.class)),
                        l.findSetter(c, "command", String.class)
                                .asType(MethodType.methodType(void.class, Object.class, String.class)));
            } catch (ReflectiveOperationException | RuntimeException e) {
                Log.once("jfr", "spawnring-agent: no jdk.ProcessStart JFR event for the pipelines it starts: " + e);
                return null;
            }
        }

        void commit(long processId, String dir, String[] cmdarray) {
            try {
                Object e = create.invokeExact();
                if ((boolean) isEnabled.invokeExact(e)) {
                    directory.invokeExact(e, dir);
                    command.invokeExact(e, String.join(" ", cmdarray));
                    pid.invokeExact(e, processId);
                    commit.invokeExact(e);
                }
            } catch (Throwable t) {
                Log.once("jfr-commit", "spawnring-agent: the jdk.ProcessStart JFR event failed: " + t);
            }
        }
    }
}
