package dev.spawnring.agent;

import java.lang.instrument.Instrumentation;

/**
 * The spawnring agent: {@code java --enable-native-access=ALL-UNNAMED -javaagent:spawnring-agent.jar -jar app.jar}
 * routes every {@code ProcessBuilder.start}, {@code ProcessBuilder.startPipeline} and
 * {@code Runtime.exec} of an unchanged application through spawnring.
 *
 * <p><b>How it hooks the JDK.</b> {@code java.base} cannot see a class of the agent, so the agent
 * opens {@code java.lang} to itself ({@link Instrumentation#redefineModule}), defines a small
 * bridge class in {@code java.lang} (made with {@code java.lang.classfile}, defined through a
 * private lookup in {@code java.lang}), and retransforms {@code java.lang.ProcessBuilder}: in
 * {@code start(Redirect[])} the call to {@code ProcessImpl.start} becomes a call to the bridge,
 * which hands it to spawnring or, when spawnring declines, to {@code ProcessImpl.start} as before;
 * {@code startPipeline} begins by asking the bridge. Everything else of {@code ProcessBuilder} is
 * the JDK's own: its checks, its messages, its logging and its JFR event.
 *
 * <p><b>Hand-backs.</b> Whatever the agent cannot do exactly as the JDK would goes to the JDK's own
 * launcher: the pipes {@code startPipeline} makes between stages when the JDK runs a pipeline
 * itself, a pipeline that fails before any stage is started, and everything when native access
 * is not enabled for the agent or spawnring cannot start. {@code -Dspawnring.agent.verbose=true}
 * says so once per reason, on stderr; {@code -Dspawnring.agent=off} leaves the JDK untouched.
 */
public final class Agent {
    /** {@code -Dspawnring.agent=off}: the agent does nothing. */
    public static final String PROPERTY = "spawnring.agent";
    /** {@code -Dspawnring.agent.verbose=true}: says once, on stderr, each reason to hand a start back to the JDK. */
    public static final String VERBOSE_PROPERTY = "spawnring.agent.verbose";

    private Agent() {
    }

    /**
     * Entry point for {@code -javaagent}.
     *
     * @param args the agent's options (none)
     * @param inst the JVM's instrumentation
     */
    public static void premain(String args, Instrumentation inst) {
        install(inst);
    }

    /**
     * Entry point when loaded into a running JVM, or as an executable jar's
     * {@code Launcher-Agent-Class}.
     *
     * @param args the agent's options (none)
     * @param inst the JVM's instrumentation
     */
    public static void agentmain(String args, Instrumentation inst) {
        install(inst);
    }

    private static synchronized void install(Instrumentation inst) {
        if ("off".equalsIgnoreCase(System.getProperty(PROPERTY, "on").trim())) {
            Log.once("off", "spawnring-agent: off (-D" + PROPERTY + "=off): every process is started by the JDK");
            return;
        }
        if (!Agent.class.getModule().isNativeAccessEnabled()) {
            Log.once("native", "spawnring-agent: native access is not enabled for the agent, so every process is"
                    + " started by the JDK; run java with --enable-native-access=ALL-UNNAMED");
            return;
        }
        try {
            Hooks.install(inst);
        } catch (Throwable t) {
            Log.once("install", "spawnring-agent: could not hook java.lang.ProcessBuilder, so every process is started"
                    + " by the JDK: " + t);
        }
    }
}
