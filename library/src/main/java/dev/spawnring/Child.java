package dev.spawnring;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
 */
public final class Child {
    private final EventLoop loop;
    private final long pid;
    private final Command command;
    /**
     * Completed on the loop thread the moment the child is reaped, before {@link #exit}: only
     * waited on ({@link #waitFor}) and polled, so a waiter is woken by the loop thread directly
     * rather than through a pool thread. Its one dependent is {@link #exit}'s hand-off.
     */
    private final CompletableFuture<ExitStatus> reapedStatus = new CompletableFuture<>();
    /**
     * The same outcome, completed off the loop thread (the common pool; always async, the
     * failure too), so callers' dependents never run on the loop.
     */
    private final CompletableFuture<ExitStatus> exit = reapedStatus.handleAsync((status, failure) -> {
        if (failure != null) {
            throw new CompletionException(failure);
        }
        return status;
    });
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Output.Collector outCollector;
    private final Output.Collector errCollector;
    /**
     * Guarded by this: closed (-1) once the child is reaped, or, when a timeout's SIGKILL for
     * its process group is still due, once that is sent. Signals go through it, so they never
     * reach a recycled pid (or a process group that reused the number).
     */
    private int pidfd;
    /** Guarded by this: the child has been reaped; {@link #signal} does nothing from then on. */
    private boolean reaped;
    /** Loop thread only: the pending timeout's user_data and the signal it will send (0: none). */
    private long timeoutUserData;
    private int timerSignal;

    Child(EventLoop loop, long pid, int pidfd, int stdinFd, int stdoutFd, int stderrFd, Command command,
            boolean capture) {
        this.loop = loop;
        this.pid = pid;
        this.pidfd = pidfd;
        this.command = command;
        if (capture) {
            if (stdinFd >= 0) {
                Sys.close(stdinFd);
            }
            this.stdin = Output.NULL_OUTPUT;
            this.outCollector = stdoutFd >= 0 ? new Output.Collector(loop, stdoutFd) : null;
            this.errCollector = stderrFd >= 0 ? new Output.Collector(loop, stderrFd) : null;
            this.stdout = InputStream.nullInputStream();
            this.stderr = InputStream.nullInputStream();
        } else {
            this.stdin = stdinFd >= 0 ? new PipeOutput(loop, "stdin of " + pid, stdinFd) : Output.NULL_OUTPUT;
            this.stdout = stdoutFd >= 0 ? new PipeInput(loop, "stdout of " + pid, stdoutFd) : InputStream.nullInputStream();
            this.stderr = stderrFd >= 0 ? new PipeInput(loop, "stderr of " + pid, stderrFd) : InputStream.nullInputStream();
            this.outCollector = null;
            this.errCollector = null;
        }
    }

    /** Loop thread: the child has been cloned; wait for its exit (and arm its timeout). */
    void started() {
        loop.retain();
        loop.childStarted();
        MemorySegment siginfo = NativeMemory.calloc(Linux.SIGINFO_SIZE);
        loop.sqe().prepWaitid(P_PIDFD, pidfd, siginfo, WEXITED, 0).userData(loop.register(cqe -> {
            ExitStatus status = cqe.res() == 0 ? ExitStatus.fromSiginfo(siginfo) : null;
            NativeMemory.free(siginfo);
            loop.childReaped();
            reaped();
            releaseIdleStreams();
            if (status == null) {
                reapedStatus.completeExceptionally(
                        new IOException("waitid for pid " + pid + ": " + Errno.describe(-cqe.res())));
            } else {
                reapedStatus.complete(status);
            }
        }));
        Duration timeout = command.timeoutSpec();
        if (timeout != null) {
            armTimeout(timeout, Linux.SIGTERM);
        }
    }

    /**
     * Loop thread: after {@code after}, SIGTERM to the child's whole process group (unless the
     * child has ended by then), then SIGKILL after the grace period, even if the leader has
     * exited by then (its group may live on). The loop stays up until the KILL is sent.
     */
    private void armTimeout(Duration after, int signal) {
        timerSignal = signal;
        if (signal == Linux.SIGKILL) {
            loop.retain();
        }
        timeoutUserData = loop.register(cqe -> {
            timerSignal = 0;
            if (signal == Linux.SIGKILL) {
                if (cqe.res() == -Errno.ETIME) {
                    sendToGroup(Linux.SIGKILL);
                }
                synchronized (this) {
                    if (reaped) {
                        closePidfd();
                    }
                }
                loop.release();
                return;
            }
            synchronized (this) {
                if (cqe.res() != -Errno.ETIME || reaped) {
                    return; // removed, or the child exited before its timeout
                }
            }
            sendToGroup(Linux.SIGTERM);
            armTimeout(command.timeoutGraceSpec(), Linux.SIGKILL);
        });
        loop.sqe().prepTimeout(after, 0, 0).userData(timeoutUserData);
    }

    /**
     * Signals the process group the child leads, through its pidfd (Linux 6.9's
     * {@code PIDFD_SIGNAL_PROCESS_GROUP}): the pidfd names the group the child made, so once
     * that group is gone and its number reused, the new group is not hit. Before 6.9,
     * {@code kill(-pid)}, and only while the child is unreaped (its pid, so the group's
     * number, cannot be reused yet).
     */
    private synchronized void sendToGroup(int signal) {
        if (pidfd < 0) {
            return;
        }
        int r = Sys.pidfdSendSignal(pidfd, signal, Linux.PIDFD_SIGNAL_PROCESS_GROUP);
        if (r == -Errno.EINVAL && !reaped) {
            Sys.kill(-pid, signal);
        }
    }

    /** Caller holds the lock. */
    private void closePidfd() {
        if (pidfd >= 0) {
            Sys.close(pidfd);
            pidfd = -1;
        }
    }

    /** Loop thread: pipes nobody is using give their fds back now that the child has exited. */
    private void releaseIdleStreams() {
        if (stdin instanceof PipeOutput in) {
            in.childExited();
        }
        if (stdout instanceof PipeInput out) {
            out.childExited();
        }
        if (stderr instanceof PipeInput err) {
            err.childExited();
        }
    }

    /**
     * Loop thread: the child is reaped; a TERM not yet sent is called off, and the pidfd goes
     * (unless a SIGKILL for its process group is still due: it goes once that is sent).
     */
    private void reaped() {
        synchronized (this) {
            reaped = true;
            if (timerSignal != Linux.SIGKILL) {
                closePidfd();
            }
        }
        if (timerSignal == Linux.SIGTERM) {
            loop.sqe().prepTimeoutRemove(timeoutUserData, 0).userData(loop.register(c -> { }));
        }
        loop.release();
    }

    /** @return which of its Spawner's event loops cloned this child and supervises it, from 0 */
    int loopIndex() {
        return loop.index();
    }

    /** @return the child's pid */
    public long pid() {
        return pid;
    }

    /** @return the command it runs */
    public Command command() {
        return command;
    }

    /**
     * @return a future completed with the exit status however the child ends (never by a timeout
     *         of ours); it completes on a pool thread (the common pool), so what depends on it never
     *         runs on the spawner's loop thread, just after {@link #waitFor} returns
     */
    public CompletableFuture<ExitStatus> onExit() {
        return exit.copy();
    }

    /** Waits for the child to end. */
    public ExitStatus waitFor() throws InterruptedException {
        try {
            return reapedStatus.get();
        } catch (ExecutionException e) {
            throw new UncheckedIOException((IOException) e.getCause());
        }
    }

    /**
     * Waits at most {@code timeout} for the child to end.
     *
     * @throws TimeoutException when it is still running
     */
    public ExitStatus waitFor(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return reapedStatus.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new UncheckedIOException((IOException) e.getCause());
        }
    }

    /** @return whether the child has not been reaped yet */
    public boolean isAlive() {
        return !reapedStatus.isDone();
    }

    /** @return the child's stdin when piped, else a stream that refuses writes */
    public OutputStream stdin() {
        return stdin;
    }

    /** @return the child's stdout when piped, else an empty stream */
    public InputStream stdout() {
        return stdout;
    }

    /** @return the child's stderr when piped, else an empty stream */
    public InputStream stderr() {
        return stderr;
    }

    /**
     * Sends {@code signal} to the child through its pidfd. Does nothing once the child has
     * been reaped (the pid may already name another process).
     *
     * @throws IllegalArgumentException when {@code signal} is not a signal number
     * @throws UncheckedIOException when the kernel refuses ({@code EPERM})
     */
    public void signal(int signal) {
        Command.checkSignal("signal", signal);
        synchronized (this) {
            if (reaped || pidfd < 0) {
                return;
            }
            int r = Sys.pidfdSendSignal(pidfd, signal, 0);
            if (r < 0 && r != -Errno.ESRCH) {
                throw new UncheckedIOException(new dev.spawnring.internal.sys.SysException(
                        "pidfd_send_signal " + pid + " " + signal, -r));
            }
        }
    }

    /**
     * Sends {@code signal} to the whole process group the child leads, grandchildren included,
     * through its pidfd ({@code PIDFD_SIGNAL_PROCESS_GROUP}, Linux 6.9+; before that
     * {@code kill(-pid)} while the child is unreaped). Does nothing once the child has been reaped.
     *
     * @throws IllegalStateException when the child leads no group of its own (it was started
     *                               without {@link Command#newProcessGroup()},
     *                               {@link Command#newSession()} or a timeout): its group is
     *                               this JVM's, and would be hit too
     * @throws IllegalArgumentException when {@code signal} is not a signal number
     */
    public void signalGroup(int signal) {
        Command.checkSignal("signalGroup", signal);
        Integer group = command.processGroupSpec();
        if (!command.startsNewSession() && (group == null || group != 0)) {
            throw new IllegalStateException("signalGroup: child " + pid + " leads no process group of its own"
                    + " (start it with newProcessGroup(), newSession() or a timeout)");
        }
        sendToGroup(signal);
    }

    /** Asks the child to end: SIGTERM. */
    public void destroy() {
        signal(Linux.SIGTERM);
    }

    /** Ends the child: SIGKILL. */
    public void destroyForcibly() {
        signal(Linux.SIGKILL);
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
        return reapedStatus.isDone() ? reapedStatus.join() : null;
    }

    /** The exit future itself, for {@link Spawner#run} and the adapters. */
    CompletableFuture<ExitStatus> exitFuture() {
        return exit;
    }

    Output.Collector stdoutCollector() {
        return outCollector;
    }

    Output.Collector stderrCollector() {
        return errCollector;
    }

    @Override
    public String toString() {
        String state = isAlive() ? "running"
                : reapedStatus.isCompletedExceptionally() ? "waitid failed" : statusNow().toString();
        return "Child[pid=" + pid + ", " + command + ", " + state + "]";
    }
}
