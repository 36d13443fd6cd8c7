package dev.spawnring.internal.process;

import dev.spawnring.ExitStatus;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.SysException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * A spawnring child as a {@link java.lang.Process} that behaves as the JDK's own
 * ({@code ProcessImpl} on Linux) does, for {@code ProcessBuilder} code that runs unchanged:
 *
 * <ul>
 *   <li>Streams: stdin is buffered (8 KiB, written on {@code flush}/{@code close}) and stdout and
 *       stderr are {@link BufferedInputStream}s (mark/reset), over spawnring's ring pipes. A
 *       stream that is not a pipe is the JDK's null stream: reads give end of file, writes fail
 *       {@code "Stream closed"}; stderr sent to stdout is, as with JDK 25, a pipe stream already at
 *       its end. {@code available()} asks the pipe ({@code FIONREAD}); a closed
 *       stream fails {@code "Stream closed"}. Once the child has exited, what its pipes still held
 *       is kept and served, and stdin fails {@code "Stream closed"} (the JDK's messages, one of
 *       which is spelled {@code "Stream Closed"}).</li>
 *   <li>{@link #destroy()} and {@link #destroyForcibly()} signal the child through its pidfd if it
 *       has not been reaped, then close the three streams.</li>
 *   <li>{@link #toHandle()} is the JDK's own {@code ProcessHandle} of the pid, taken before the
 *       child could be reaped, so it equals {@code ProcessHandle.of(pid)} and the handles of
 *       {@code ProcessHandle.current().children()}; this {@code Process}'s own waits, exit and
 *       signals go through spawnring.</li>
 *   <li>{@link #waitFor}, {@link #exitValue} ({@code 128 + signal} for a killed child),
 *       {@link #onExit} (a new future each call, completed with this process off the loop
 *       thread), {@link #close()} as JDK 26 defines it.</li>
 * </ul>
 *
 * No thread is added per process or per stream.
 */
public final class JdkProcess extends Process implements Closeable {
    private static final int BUFFER = 8192;

    private final ChildState child;
    private final ProcessHandle handle;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private boolean closed;

    /**
     * @param child     the child
     * @param jdkHandle the JDK's handle of its pid, or null when none could be had (it was reaped
     *                  already): a handle over the child itself stands in
     */
    public JdkProcess(ChildState child, ProcessHandle jdkHandle) {
        this.child = child;
        this.handle = jdkHandle != null ? jdkHandle : new OwnHandle(child);
        this.stdin = child.stdin() instanceof PipeOutput p ? new Stdin(new PipeOut(p)) : NullOutput.INSTANCE;
        this.stdout = child.stdout() instanceof PipeInput p ? new PipeIn(p) : NullInput.INSTANCE;
        this.stderr = child.stderr() instanceof PipeInput p ? new PipeIn(p)
                : mergedIntoStdout(child.spec()) ? new PipeIn(InputStream.nullInputStream()) : NullInput.INSTANCE;
    }

    /**
     * A view of {@code child}: the JDK's handle of its pid if it still has one (see
     * {@link #toHandle()}).
     *
     * @param child the child
     * @return a new process
     */
    public static JdkProcess of(ChildState child) {
        return new JdkProcess(child, child.isAlive() ? ProcessHandle.of(child.pid()).orElse(null) : null);
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        try {
            return child.waitFor().exitValue();
        } catch (UncheckedIOException waitFailed) {
            return -1; // as ProcessImpl when the exit status could not be had
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout); // NullPointerException first, as ProcessImpl
        if (!child.isAlive()) {
            return true;
        }
        if (nanos <= 0) {
            return false;
        }
        try {
            child.waitFor(Duration.ofNanos(nanos));
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (UncheckedIOException waitFailed) {
            return true;
        }
    }

    @Override
    public int exitValue() {
        if (child.isAlive()) {
            throw new IllegalThreadStateException("process hasn't exited");
        }
        return exitCode();
    }

    private int exitCode() {
        try {
            ExitStatus status = child.statusNow();
            return status == null ? -1 : status.exitValue();
        } catch (RuntimeException waitFailed) {
            return -1;
        }
    }

    @Override
    public void destroy() {
        destroy(Linux.SIGTERM);
    }

    @Override
    public Process destroyForcibly() {
        destroy(Linux.SIGKILL);
        return this;
    }

    private void destroy(int signal) {
        try {
            child.signal(signal); // nothing once reaped: the pid may be another process's by then
        } catch (UncheckedIOException refused) {
            // ProcessImpl ignores a kill that fails too
        }
        closeQuietly(stdin);
        closeQuietly(stdout);
        closeQuietly(stderr);
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // as ProcessImpl.destroy
        }
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        return child.isAlive();
    }

    @Override
    public long pid() {
        return child.pid();
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return child.onExit().handle((status, failure) -> (Process) this);
    }

    @Override
    public ProcessHandle toHandle() {
        return handle;
    }

    /**
     * Closes the streams and waits for the process to end, as {@code Process.close()} does from
     * JDK 26 on: idempotent; a writer made by {@link #outputWriter()} is closed (so flushed) rather
     * than the stream under it; if interrupted while waiting the process is destroyed forcibly and
     * waited for, and the interrupt is kept; the first {@code IOException} of the closes is thrown
     * after the wait, the others suppressed in it.
     *
     * @throws IOException when closing a stream failed
     */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            IOException failure = closeAndKeep(outputWriterIfAny(), null);
            failure = closeAndKeep(stdout, failure);
            failure = closeAndKeep(stderr, failure);
            boolean interrupted = false;
            while (true) {
                try {
                    waitFor();
                    break;
                } catch (InterruptedException e) {
                    if (!interrupted) {
                        destroyForcibly();
                    }
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** The writer {@link #outputWriter()} made, if one was, else the stream (Process keeps its writer private). */
    private Closeable outputWriterIfAny() {
        Charset nativeCharset = nativeCharset();
        try {
            return outputWriter(nativeCharset);
        } catch (IllegalStateException madeWithAnotherCharset) {
            // "BufferedWriter was created with charset: <name>"
            String m = String.valueOf(madeWithAnotherCharset.getMessage());
            try {
                BufferedWriter w = outputWriter(Charset.forName(m.substring(m.lastIndexOf(' ') + 1)));
                return w;
            } catch (RuntimeException e) {
                return stdin;
            }
        }
    }

    private static Charset nativeCharset() {
        try {
            return Charset.forName(System.getProperty("native.encoding"));
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    private static IOException closeAndKeep(Closeable c, IOException first) {
        try {
            c.close();
            return first;
        } catch (Throwable t) {
            if (first == null) {
                return t instanceof IOException io ? io : new IOException(t);
            }
            first.addSuppressed(t);
            return first;
        }
    }

    @Override
    public String toString() {
        return "Process[pid=" + pid() + ", exitValue=" + (isAlive() ? "\"not exited\"" : exitCode()) + "]";
    }

    /**
     * Whether stderr goes to stdout while it was left a pipe: JDK 25's launcher still makes a pipe
     * for it, which the child never writes, so {@code getErrorStream()} is a pipe stream at its end
     * (closeable, then {@code "Stream closed"}) rather than the null stream.
     */
    private static boolean mergedIntoStdout(ProcessSpec spec) {
        return spec.redirectErrorStream() && spec.stderr() instanceof dev.spawnring.Stdio.Pipe;
    }

    // ---- streams

    /** stdout or stderr: buffered as the JDK's {@code ProcessPipeInputStream}, over the pipe. */
    private static final class PipeIn extends BufferedInputStream {
        PipeIn(InputStream pipe) {
            super(pipe, BUFFER);
        }
    }

    /**
     * stdin: buffered as the JDK's, over the pipe. From the exit on, writes that reach the pipe
     * fail {@code "Stream closed"}, as the JDK's once its reaper swapped in a null stream.
     */
    private static final class Stdin extends BufferedOutputStream {
        Stdin(PipeOut out) {
            super(out, BUFFER);
        }
    }

    /**
     * The pipe under stdin, in the role of the JDK's {@code FileOutputStream}: its errors are the
     * JDK's ({@code "Broken pipe"}; {@code "Stream Closed"} once closed; {@code "Stream closed"}
     * once the child exited).
     */
    private static final class PipeOut extends OutputStream {
        private final PipeOutput pipe;
        private volatile boolean closed;

        PipeOut(PipeOutput pipe) {
            this.pipe = pipe;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (pipe.closedAtExit()) { // as ProcessImpl's reaper makes it: from the exit on
                throw new IOException("Stream closed");
            }
            if (closed) {
                throw new IOException("Stream Closed");
            }
            try {
                pipe.write(b, off, len);
            } catch (SysException e) {
                throw new IOException(Errno.message(e.errno()));
            } catch (IOException e) {
                if (pipe.closedAtExit()) {
                    throw new IOException("Stream closed");
                }
                if (closed) {
                    throw new IOException("Stream Closed");
                }
                throw e;
            }
        }

        @Override
        public void close() {
            closed = true;
            pipe.close();
        }
    }

    /** The JDK's null input stream: end of file, nothing available, closing changes nothing. */
    private static final class NullInput extends InputStream {
        static final NullInput INSTANCE = new NullInput();

        @Override
        public int read() {
            return -1;
        }

        @Override
        public int available() {
            return 0;
        }
    }

    /** The JDK's null output stream: every write fails {@code "Stream closed"}. */
    private static final class NullOutput extends OutputStream {
        static final NullOutput INSTANCE = new NullOutput();

        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed");
        }
    }

    /**
     * A handle over the child itself, for the rare view made after the child was reaped (the JDK
     * has no handle for the pid then): liveness and exit are the child's.
     */
    private static final class OwnHandle implements ProcessHandle {
        private final ChildState child;

        OwnHandle(ChildState child) {
            this.child = child;
        }

        @Override
        public long pid() {
            return child.pid();
        }

        @Override
        public Optional<ProcessHandle> parent() {
            return Optional.empty();
        }

        @Override
        public Stream<ProcessHandle> children() {
            return Stream.empty();
        }

        @Override
        public Stream<ProcessHandle> descendants() {
            return Stream.empty();
        }

        @Override
        public Info info() {
            return EmptyInfo.INSTANCE;
        }

        @Override
        public CompletableFuture<ProcessHandle> onExit() {
            return child.onExit().handle((s, f) -> (ProcessHandle) this);
        }

        @Override
        public boolean supportsNormalTermination() {
            return true;
        }

        @Override
        public boolean destroy() {
            return false;
        }

        @Override
        public boolean destroyForcibly() {
            return false;
        }

        @Override
        public boolean isAlive() {
            return child.isAlive();
        }

        @Override
        public int compareTo(ProcessHandle other) {
            return Long.compare(pid(), other.pid());
        }

        @Override
        public String toString() {
            return String.valueOf(pid());
        }
    }

    /** What is known of a process that is gone: nothing. */
    private static final class EmptyInfo implements ProcessHandle.Info {
        static final EmptyInfo INSTANCE = new EmptyInfo();

        @Override
        public Optional<String> command() {
            return Optional.empty();
        }

        @Override
        public Optional<String> commandLine() {
            return Optional.empty();
        }

        @Override
        public Optional<String[]> arguments() {
            return Optional.empty();
        }

        @Override
        public Optional<Instant> startInstant() {
            return Optional.empty();
        }

        @Override
        public Optional<Duration> totalCpuDuration() {
            return Optional.empty();
        }

        @Override
        public Optional<String> user() {
            return Optional.empty();
        }
    }
}
