package dev.spawnring;

import dev.spawnring.internal.process.ChildState;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A running (or finished) child process started by a {@link Spawner}.
 *
 * <p>Its exit is an io_uring WAITID on its pidfd, so no thread waits for it; signals go
 * through {@code pidfd_send_signal}, so a recycled pid is never hit. Its piped streams
 * read and write through the ring.
 *
 * <pre>{@code
 * Child child = spawner.spawn(Command.of("grep", "x").stdout(Stdio.inherit()));
 * try (var in = child.stdin()) {
 *     in.write("a\nx\n".getBytes());
 * }
 * ExitStatus status = child.waitFor();   // exit 0
 * }</pre>
 *
 * <p>The child is reaped when it has exited and what its command asked for its process group
 * is done ({@link Command#killProcessGroupOnExit()}; see {@link Command#timeout timeout} for
 * its grace period); from then on {@link #waitFor()} returns, {@link #isAlive()} is false and
 * no signal is sent, to the child or to its group: its pid may name another process by then.
 */
public final class Child {
    private final ChildState state;
    private final Command command;
    private final MemfdOutput stdoutMemfd;
    private final MemfdOutput stderrMemfd;

    Child(ChildState state, Command command) {
        this.state = state;
        this.command = command;
        this.stdoutMemfd = state.stdoutMemfd() != null ? new MemfdOutput(state.stdoutMemfd()) : null;
        this.stderrMemfd = state.stderrMemfd() != null ? new MemfdOutput(state.stderrMemfd()) : null;
    }

    /** @return which of its Spawner's event loops cloned this child and supervises it, from 0 */
    int loopIndex() {
        return state.loopIndex();
    }

    /** @return the child's pid */
    public long pid() {
        return state.pid();
    }

    /** @return the command it runs */
    public Command command() {
        return command;
    }

    /**
     * @return a future completed with the exit status however the child ends; it completes on a
     *         pool thread (the common pool), so what depends on it never runs on the spawner's
     *         loop thread, just after {@link #waitFor} returns
     */
    public CompletableFuture<ExitStatus> onExit() {
        return state.onExit().copy();
    }

    /**
     * Waits for the child to end (to be reaped).
     *
     * @return how it ended
     * @throws InterruptedException when interrupted while waiting
     * @throws UncheckedIOException when it could not be waited for (its loop failed)
     */
    public ExitStatus waitFor() throws InterruptedException {
        return state.waitFor();
    }

    /**
     * Waits at most {@code timeout} for the child to end.
     *
     * @param timeout how long to wait
     * @return how it ended
     * @throws InterruptedException when interrupted while waiting
     * @throws TimeoutException when it is still running
     */
    public ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        return state.waitFor(timeout);
    }

    /** @return whether the child has not been reaped yet */
    public boolean isAlive() {
        return state.isAlive();
    }

    /** @return the child's stdin when piped, else a stream that refuses writes */
    public OutputStream stdin() {
        return state.stdin();
    }

    /** @return the child's stdout when piped, else an empty stream */
    public InputStream stdout() {
        return state.stdout();
    }

    /** @return the child's stderr when piped, else an empty stream */
    public InputStream stderr() {
        return state.stderr();
    }

    /**
     * What the child wrote to stdout, when it went to {@link Stdio#memfd()}: read it once the
     * child is done, as often as wanted, then {@link MemfdOutput#close() close} it (or let it
     * be collected).
     *
     * @return the memfd the child's stdout went to
     * @throws IllegalStateException when stdout was not {@link Stdio#memfd()}
     */
    public MemfdOutput stdoutMemfd() {
        if (stdoutMemfd == null) {
            throw new IllegalStateException("stdoutMemfd: the stdout of " + pid() + " is not Stdio.memfd()");
        }
        return stdoutMemfd;
    }

    /**
     * What the child wrote to stderr, when it went to {@link Stdio#memfd()} (as
     * {@link #stdoutMemfd()}).
     *
     * @return the memfd the child's stderr went to
     * @throws IllegalStateException when stderr was not {@link Stdio#memfd()} (with
     *                               {@link Command#redirectErrorStream()} it went to stdout's)
     */
    public MemfdOutput stderrMemfd() {
        if (stderrMemfd == null) {
            throw new IllegalStateException("stderrMemfd: the stderr of " + pid() + " is not Stdio.memfd()");
        }
        return stderrMemfd;
    }

    /**
     * Sends {@code signal} to the child through its pidfd. Does nothing once the child has
     * been reaped (the pid may already name another process).
     *
     * @param signal a signal number ({@link Signal})
     * @throws IllegalArgumentException when {@code signal} is not a signal number
     * @throws UncheckedIOException when the kernel refuses ({@code EPERM})
     */
    public void signal(int signal) {
        Command.checkSignal("signal", signal);
        state.signal(signal);
    }

    /**
     * Sends {@code signal} to the whole process group the child leads, grandchildren included:
     * through its pidfd ({@code PIDFD_SIGNAL_PROCESS_GROUP}, Linux 6.9+), else
     * {@code kill(-pid)}. Does nothing once the child has been reaped; until then its pid, and
     * so its group's number, cannot be reused, so the signal reaches that group and no other.
     *
     * @param signal a signal number ({@link Signal})
     * @throws IllegalStateException when the child leads no group of its own (it was started
     *                               without {@link Command#newProcessGroup()},
     *                               {@link Command#newSession()},
     *                               {@link Command#killProcessGroupOnExit()} or a timeout): its
     *                               group is this JVM's, and would be hit too
     * @throws IllegalArgumentException when {@code signal} is not a signal number
     */
    public void signalGroup(int signal) {
        Command.checkSignal("signalGroup", signal);
        state.signalGroup(signal);
    }

    /** Asks the child to end: SIGTERM. */
    public void destroy() {
        signal(Signal.SIGTERM);
    }

    /** Ends the child: SIGKILL. */
    public void destroyForcibly() {
        signal(Signal.SIGKILL);
    }

    /** @return this child as a {@link java.lang.Process}, for code written against it */
    public Process asProcess() {
        return new ChildProcess(this);
    }

    /** @return a {@link ProcessHandle} for the child */
    public ProcessHandle toHandle() {
        return new ChildHandle(this);
    }

    /**
     * @return the exit status once reaped, else {@code null}
     * @throws java.util.concurrent.CompletionException when waitid failed
     */
    ExitStatus statusNow() {
        return state.statusNow();
    }

    /** The exit future itself, for the adapters. */
    CompletableFuture<ExitStatus> exitFuture() {
        return state.onExit();
    }

    @Override
    public String toString() {
        String how = isAlive() ? "running" : state.waitFailed() ? "waitid failed" : statusNow().toString();
        return "Child[pid=" + pid() + ", " + command + ", " + how + "]";
    }
}
