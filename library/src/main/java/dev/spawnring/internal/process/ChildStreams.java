package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Sys;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;

/**
 * The parent's side of a child's stdin, stdout and stderr: pipe streams through the ring, or
 * (for {@code Spawner.run}) collectors reading the pipes to their end, or memfds.
 */
final class ChildStreams {
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final Output.Collector outCollector;
    private final Output.Collector errCollector;
    private final Memfd outMemfd;
    private final Memfd errMemfd;

    /**
     * Takes ownership of the parent's ends.
     *
     * @param fds          the parent's pipe ends for stdin, stdout, stderr (-1: not a pipe)
     * @param memfds       the memfds of stdout and stderr (-1: not a memfd)
     * @param captureLimit when {@code >= 0}, stdout and stderr pipes are read to their end on the
     *                     loop keeping this many bytes each, and stdin is closed at once
     */
    ChildStreams(EventLoop loop, long pid, int[] fds, int[] memfds, int captureLimit) {
        if (captureLimit >= 0) {
            if (fds[0] >= 0) {
                Sys.close(fds[0]);
            }
            this.stdin = Output.NULL_OUTPUT;
            this.outCollector = fds[1] >= 0 ? new Output.Collector(loop, fds[1], captureLimit) : null;
            this.errCollector = fds[2] >= 0 ? new Output.Collector(loop, fds[2], captureLimit) : null;
            this.stdout = InputStream.nullInputStream();
            this.stderr = InputStream.nullInputStream();
        } else {
            this.stdin = fds[0] >= 0 ? new PipeOutput(loop, "stdin of " + pid, fds[0]) : Output.NULL_OUTPUT;
            this.stdout = fds[1] >= 0 ? new PipeInput(loop, "stdout of " + pid, fds[1]) : InputStream.nullInputStream();
            this.stderr = fds[2] >= 0 ? new PipeInput(loop, "stderr of " + pid, fds[2]) : InputStream.nullInputStream();
            this.outCollector = null;
            this.errCollector = null;
        }
        this.outMemfd = memfds[1] >= 0 ? Memfd.of("stdout of " + pid, memfds[1]) : null;
        this.errMemfd = memfds[2] >= 0 ? Memfd.of("stderr of " + pid, memfds[2]) : null;
    }

    /** A child with no stream of ours (one that failed to exec). */
    static ChildStreams none(EventLoop loop, long pid) {
        return new ChildStreams(loop, pid, new int[] {-1, -1, -1}, new int[] {-1, -1, -1}, -1);
    }

    OutputStream stdin() {
        return stdin;
    }

    InputStream stdout() {
        return stdout;
    }

    InputStream stderr() {
        return stderr;
    }

    Memfd stdoutMemfd() {
        return outMemfd;
    }

    Memfd stderrMemfd() {
        return errMemfd;
    }

    /** @return what a capture of stdout kept (empty when stdout is not captured) */
    CompletableFuture<byte[]> capturedStdout() {
        return outCollector != null ? outCollector.done() : CompletableFuture.completedFuture(new byte[0]);
    }

    /** @return what a capture of stderr kept (empty when stderr is not captured) */
    CompletableFuture<byte[]> capturedStderr() {
        return errCollector != null ? errCollector.done() : CompletableFuture.completedFuture(new byte[0]);
    }

    /** Only meaningful once both captures completed. */
    boolean captureTruncated() {
        return (outCollector != null && outCollector.truncated()) || (errCollector != null && errCollector.truncated());
    }

    /** Loop thread: pipes nobody is using give their fds back now that the child has exited. */
    void childExited() {
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
}
