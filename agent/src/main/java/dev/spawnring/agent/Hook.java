package dev.spawnring.agent;

import dev.spawnring.Spawner;
import dev.spawnring.internal.process.JdkLauncher;
import dev.spawnring.internal.process.LoopGroup;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.util.List;
import java.util.Map;

/**
 * What the bridge calls: starts through spawnring what can be started exactly as the JDK would
 * start it, and returns null for the rest, which the JDK then starts itself.
 *
 * <p>The spawnring side (a {@link LoopGroup}: {@link Spawner#DEFAULT_LOOPS} event loops on
 * io_uring, or on the emulated ring where io_uring is refused; {@code -Dspawnring.backend}
 * chooses) is made on the first start, never before: a JVM that starts no process gets no thread
 * from the agent.
 */
final class Hook {
    private final JdkInternals jdk;
    private final JdkLauncher.BuilderAccess access;
    private volatile JdkLauncher launcher;
    private volatile boolean broken;

    Hook(JdkInternals jdk) {
        this.jdk = jdk;
        this.access = new JdkLauncher.BuilderAccess() {
            @Override
            public byte[][] envp(ProcessBuilder builder) {
                return jdk.envp(jdk.environment(builder));
            }

            @Override
            public void started(Process process, String dir, String[] cmdarray) {
                // What ProcessBuilder.start does once a process runs: the JFR event, then the log record.
                jdk.processStarted(process, dir, cmdarray);
                JdkLauncher.logStart(process, dir, cmdarray);
            }

            @Override
            public void pipelineStarted(List<ProcessBuilder> builders) {
                // What startPipeline leaves in the builders: each stage's input the previous stage's
                // output redirect, each output but the last a new pipe redirect.
                Redirect previous = null;
                for (int i = 0; i < builders.size(); i++) {
                    Redirect[] r = jdk.redirects(builders.get(i));
                    if (i > 0) {
                        r[0] = previous;
                    }
                    if (i < builders.size() - 1) {
                        r[1] = jdk.newRedirectPipe();
                    }
                    previous = r[1];
                }
            }
        };
    }

    /** The bridge's {@code start}: {@code ProcessImpl.start}'s arguments in, a Process or null out. */
    @SuppressWarnings("unchecked")
    Object start(Object[] a) {
        String[] cmdarray = (String[]) a[0];
        Map<String, String> environment = (Map<String, String>) a[1];
        String dir = (String) a[2];
        Redirect[] redirects = (Redirect[]) a[3];
        boolean redirectErrorStream = (Boolean) a[4];
        if (!JdkLauncher.supports(redirects)) {
            Log.once("pipe", "spawnring-agent: a pipeline the JDK starts itself has its stages started by the JDK");
            return null;
        }
        JdkLauncher l = launcher();
        if (l == null) {
            return null;
        }
        try {
            return l.processImplStart(cmdarray, jdk.envp(environment), dir, redirects, redirectErrorStream);
        } catch (IOException e) {
            throw Hook.<RuntimeException>sneaky(e); // what ProcessImpl.start would throw, for ProcessBuilder to wrap
        } catch (RuntimeException e) {
            // Nothing was started: the JDK does it, and fails as it fails.
            Log.once("error:" + e.getClass().getName(), "spawnring-agent: a start the agent could not make went to the JDK: " + e);
            return null;
        }
    }

    /** The bridge's {@code pipeline}: the builders in, the processes or null out. */
    @SuppressWarnings("unchecked")
    Object pipeline(Object builders) {
        JdkLauncher l = launcher();
        if (l == null) {
            return null;
        }
        JdkLauncher.Pipeline p;
        try {
            p = l.preparePipeline((List<ProcessBuilder>) builders, access);
        } catch (IOException | RuntimeException e) {
            // The JDK would start the stages before the failing one, then kill them and throw: let it.
            Log.once("pipeline-early", "spawnring-agent: a pipeline that cannot start went to the JDK, which starts"
                    + " and kills the stages before the one that fails: " + e);
            return null;
        }
        try (p) {
            return p.start();
        } catch (IOException e) {
            throw Hook.<RuntimeException>sneaky(e);
        }
    }

    private JdkLauncher launcher() {
        JdkLauncher l = launcher;
        if (l != null || broken) {
            return l;
        }
        synchronized (this) {
            if (launcher == null && !broken) {
                try {
                    int loops = loops();
                    LoopGroup group = new LoopGroup(null, loops);
                    launcher = new JdkLauncher(group);
                    Log.once("on", "spawnring-agent: ProcessBuilder.start, startPipeline and Runtime.exec go through"
                            + " spawnring (" + group.backend() + " ring, up to " + loops + " event loops)");
                } catch (IOException | RuntimeException | LinkageError e) {
                    broken = true;
                    Log.once("spawner", "spawnring-agent: spawnring could not start, so every process is started by"
                            + " the JDK: " + e);
                }
            }
            return launcher;
        }
    }

    /** {@code -Dspawnring.agent.loops}, else {@link Spawner#DEFAULT_LOOPS}. */
    private static int loops() {
        int n = Integer.getInteger("spawnring.agent.loops", Spawner.DEFAULT_LOOPS);
        return Math.max(1, Math.min(n, Spawner.MAX_LOOPS));
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
