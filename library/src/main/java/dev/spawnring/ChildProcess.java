package dev.spawnring;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A {@link Child} as a {@link java.lang.Process}, so code written for {@code Process} runs unchanged. */
final class ChildProcess extends Process {
    private final Child child;

    ChildProcess(Child child) {
        this.child = child;
    }

    @Override
    public OutputStream getOutputStream() {
        return child.stdin();
    }

    @Override
    public InputStream getInputStream() {
        return child.stdout();
    }

    @Override
    public InputStream getErrorStream() {
        return child.stderr();
    }

    @Override
    public int waitFor() throws InterruptedException {
        return child.waitFor().exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            child.waitFor(java.time.Duration.ofNanos(unit.toNanos(timeout)));
            return true;
        } catch (TimeoutException e) {
            return false;
        }
    }

    @Override
    public int exitValue() {
        ExitStatus status = child.statusNow();
        if (status == null) {
            throw new IllegalThreadStateException("process " + child.pid() + " has not exited");
        }
        return status.exitValue();
    }

    @Override
    public void destroy() {
        child.destroy();
    }

    @Override
    public Process destroyForcibly() {
        child.destroyForcibly();
        return this;
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
        return child.exitFuture().thenApply(s -> this);
    }

    @Override
    public ProcessHandle toHandle() {
        return child.toHandle();
    }

    @Override
    public ProcessHandle.Info info() {
        return child.toHandle().info();
    }

    @Override
    public String toString() {
        return "Process[pid=" + child.pid() + ", exitValue="
                + (child.isAlive() ? "\"not exited\"" : child.statusNow().exitValue()) + "]";
    }
}
