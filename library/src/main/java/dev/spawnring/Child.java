package dev.spawnring;

import dev.spawnring.internal.process.ChildState;
import dev.spawnring.internal.process.JdkProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
    /** {@link #asProcess()}, made on first use. */
    private volatile Process process;

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

    /**
     * Returns the child's pid. Once the child has been reaped the number may name another
     * process: signal the child through {@link #signal}, not through its pid.
     *
     * @return the pid
     */
    public long pid() {
        return state.pid();
    }

    /**
     * Returns the command this child was started from.
     *
     * @return the command, as given to {@link Spawner#spawn}
     */
    public Command command() {
        return command;
    }

    /**
     * Returns a future of the child's exit status, completed once the child has been reaped,
     * however it ended. It completes on a pool thread (the common pool), just after
     * {@link #waitFor} returns, so what depends on it never runs on the Spawner's loop thread.
     * Each call returns a new future: cancelling or completing it does not touch the child.
     *
     * @return a future of how the child ended, failed when it could not be waited for
     */
    public CompletableFuture<ExitStatus> onExit() {
        return state.onExit().copy();
    }

    /**
     * Waits for the child to end (to be reaped).
     *
     * <p>On a platform thread, for a child nothing has to be done to between its exit and its
     * reap (no timeout, no {@code killProcessGroupOnExit}, no cgroup), the calling thread waits
     * for the exit on the child's pidfd and reaps it itself, as a C program's {@code waitpid}
     * would: the kernel wakes it, not the Spawner's loop thread. A virtual thread parks until
     * the loop has reaped the child. Either way the wait ends at once on an interrupt.
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
     * @throws UncheckedIOException when it could not be waited for (its loop failed)
     */
    public ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        return state.waitFor(timeout);
    }

    /**
     * Returns whether the child has not been reaped yet. A child that has exited and that its
     * loop does not watch yet is reaped by this call, so it does not look alive for longer than
     * one the loop watches, which the loop reaps at its exit. One that waits for its process
     * group to be killed ({@link Command#timeout timeout}, {@link Command#killProcessGroupOnExit()})
     * is still alive here until its loop has done so.
     *
     * @return true until the child is reaped
     */
    public boolean isAlive() {
        return state.isAlive();
    }

    /**
     * Returns the child's stdin, to write to when it is a {@link Stdio#pipe() pipe}; closing
     * it gives the child end-of-file.
     *
     * @return the pipe's write end, or a stream that refuses writes when stdin is not a pipe
     */
    public OutputStream stdin() {
        return state.stdin();
    }

    /**
     * Returns the child's stdout, to read from when it is a {@link Stdio#pipe() pipe}. A read of
     * the empty pipe waits as {@link #waitFor} does: a platform thread polls the pipe itself, a
     * virtual thread parks until the Spawner's loop has read it; an interrupt or a
     * {@code close()} ends it at once.
     *
     * @return the pipe's read end, or an empty stream when stdout is not a pipe
     */
    public InputStream stdout() {
        return state.stdout();
    }

    /**
     * Returns the child's stderr, to read from when it is a {@link Stdio#pipe() pipe}.
     *
     * @return the pipe's read end, or an empty stream when stderr is not a pipe (or was
     *         {@link Command#redirectErrorStream() redirected} to stdout)
     */
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

    /**
     * Kills the child's whole process tree with SIGKILL and says how. With a cgroup of its own
     * ({@link Command#inNewCgroup()}) that is every process in it, whatever it did to its
     * session or group (a daemon that double-forked included): {@code cgroup.kill}, or where
     * the kernel lacks it (before 5.14) freeze, kill each member, thaw. This works after the
     * child itself has been reaped too, as long as anything is left in its cgroup. Without a
     * cgroup it falls back to the process group the child leads (sent only while the child is
     * unreaped, so no group that reused the number is hit), and without one to the child.
     *
     * <pre>{@code
     * Child c = spawner.spawn(Command.of("sh", "-c", "setsid sleep 1000 &").inNewCgroup());
     * c.waitFor();
     * TreeKill how = c.killTree();   // CGROUP_KILL: the setsid'd sleeper is gone too
     * }</pre>
     *
     * @return what was used: {@link TreeKill#CGROUP_KILL}, {@link TreeKill#CGROUP_FREEZE},
     *         {@link TreeKill#PROCESS_GROUP}, {@link TreeKill#CHILD}, or {@link TreeKill#NONE}
     *         when the child was reaped and nothing of it can be reached
     */
    public TreeKill killTree() {
        return state.killTree();
    }

    /**
     * Returns the directory of the child's cgroup, while it exists: from the spawn of a child
     * started {@link Command#inNewCgroup() in a new cgroup} until the cgroup is removed (once
     * the child and everything in it are gone).
     *
     * @return e.g. {@code /sys/fs/cgroup/user.slice/.../spawnring-4242-1}; empty when the child
     *         has no cgroup, or no longer
     */
    public Optional<Path> cgroup() {
        return state.cgroup();
    }

    /**
     * Says why a child that asked for a cgroup of its own ({@link Command#inNewCgroup()}) has
     * none, and so why its tree calls fall back to its process group.
     *
     * @return e.g. {@code "no cgroup: configured parent /nope: no such directory"}; empty when
     *         the child has its cgroup, or asked for none
     */
    public String cgroupFallback() {
        return state.cgroupFallback();
    }

    /**
     * Asks the child to end: sends it {@link Signal#SIGTERM}, as {@link #signal} does. Does
     * nothing once the child has been reaped.
     *
     * @throws UncheckedIOException when the kernel refuses ({@code EPERM})
     */
    public void destroy() {
        signal(Signal.SIGTERM);
    }

    /**
     * Ends the child: sends it {@link Signal#SIGKILL}, as {@link #signal} does. Does nothing
     * once the child has been reaped.
     *
     * @throws UncheckedIOException when the kernel refuses ({@code EPERM})
     */
    public void destroyForcibly() {
        signal(Signal.SIGKILL);
    }

    /**
     * Returns this child as a {@link java.lang.Process} that behaves as the JDK's own, for code
     * written against it: its waits and signals are this child's; its streams are this child's
     * pipes as the JDK gives them (stdin buffered, written on {@code flush}; {@code available()}
     * asks the pipe; a stream that is not a pipe is the JDK's null stream); {@code destroy()}
     * closes them; {@code toHandle()} is the JDK's handle of the pid while the child has one, equal
     * to {@code ProcessHandle.of(pid())}. Use either the Process's streams or {@link #stdin()},
     * {@link #stdout()} and {@link #stderr()}, not both.
     *
     * @return the {@code Process} view of this child, the same one on every call
     */
    public Process asProcess() {
        Process p = process;
        if (p == null) {
            synchronized (this) {
                p = process;
                if (p == null) {
                    process = p = JdkProcess.of(state);
                }
            }
        }
        return p;
    }

    /**
     * Returns a {@link ProcessHandle} for the child: liveness, exit and termination are this
     * child's; {@code info()}, {@code children()} and {@code descendants()} come from the
     * JDK's handle of the pid while the child is alive, and are empty after.
     *
     * @return a new handle of this child
     */
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
