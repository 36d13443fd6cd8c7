package dev.spawnring.cli.run;

import dev.spawnring.Signal;

/**
 * Ctrl-C for {@code spawnring run}, with what pure Java 25 offers.
 *
 * <p>Java has no public API to catch a signal: the JVM's own handler turns SIGINT, SIGTERM and
 * SIGHUP into a JVM shutdown, which runs the shutdown hooks while every other thread (the
 * dispatchers, the Spawner's loops, the completion handlers) keeps running until the hooks
 * return. So the first Ctrl-C is handled in a shutdown hook: it sends the same signal to every
 * running job's process group (jobs live in groups of their own, so the terminal's SIGINT
 * does not reach them by itself), starts no new job, waits for the running ones to end,
 * prints their output, completes the joblog, and returns; the JVM then exits with 128 + the
 * signal (130 for SIGINT).
 *
 * <p>A second Ctrl-C during that wait cannot reach a handler either: the JVM starts one more
 * thread named {@code "SIGINT handler"} for it, which blocks in {@code Shutdown.exit} for
 * good. The hook notices that thread (it polls the live threads every 50 ms) and sends SIGKILL
 * to every job's group. That name is an implementation detail of the JDK (stable since JDK 9,
 * {@code jdk.internal.misc.Signal.dispatch}); if it changed, the second Ctrl-C would only be
 * ignored and the first would still end the run once the jobs end.
 *
 * <p>Limits: a JVM started with SIGINT ignored (a background job of a non-interactive shell)
 * ignores Ctrl-C, as the shell meant; SIGKILL to the runner cannot be handled at all, and then
 * only the jobs' leaders die (their parent-death signal), not what they started.
 */
final class Interrupts {
    private static final long POLL_MILLIS = 50;

    private Interrupts() {
    }

    /** Registers the hook for one run; {@link #remove} it when the run is over. */
    static Thread install(Runner runner, Printer printer) {
        Thread hook = new Thread(() -> onShutdown(runner, printer), "spawnring-run-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    /** Unregisters the hook; does nothing once the JVM is shutting down (the hook is running). */
    static void remove(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook runs, or has run: it finishes the run itself.
        }
    }

    private static void onShutdown(Runner runner, Printer printer) {
        if (runner.isFinished()) {
            return;
        }
        int signal = signalBeingHandled();
        int baseline = signalThreads();
        int sent = runner.interrupt(signal);
        String name = Signal.name(signal);
        printer.message("spawnring run: " + name + ": sent " + name + " to " + sent
                + " running job" + (sent == 1 ? "" : "s") + ", starting no more; Ctrl-C again to kill them\n");
        boolean killed = false;
        try {
            while (!runner.awaitIdle(POLL_MILLIS)) {
                if (!killed && signalThreads() > baseline) {
                    killed = true;
                    printer.message("spawnring run: killing every job (SIGKILL to their process groups)\n");
                    runner.killAll();
                }
            }
        } catch (InterruptedException e) {
            runner.killAll();
        }
        runner.finish();
    }

    /** The signal that began this shutdown, from the JVM's handler thread; SIGTERM when none did. */
    private static int signalBeingHandled() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            switch (t.getName()) {
                case "SIGINT handler":
                    return Signal.SIGINT;
                case "SIGHUP handler":
                    return Signal.SIGHUP;
                case "SIGTERM handler":
                    return Signal.SIGTERM;
                default:
                    break;
            }
        }
        return Signal.SIGTERM;
    }

    /** @return how many JVM signal-handler threads for INT, TERM or HUP are alive */
    private static int signalThreads() {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (t.isAlive() && (name.equals("SIGINT handler") || name.equals("SIGTERM handler")
                    || name.equals("SIGHUP handler"))) {
                n++;
            }
        }
        return n;
    }
}
