package dev.spawnring;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * A {@link ProcessHandle} for a {@link Child}: liveness and exit come from the ring,
 * termination goes through the pidfd; the rest ({@code info}, {@code children}, ...)
 * from the JDK's handle of the same pid while it lives.
 */
final class ChildHandle implements ProcessHandle {
    private final Child child;

    ChildHandle(Child child) {
        this.child = child;
    }

    private Optional<ProcessHandle> jdk() {
        return child.isAlive() ? ProcessHandle.of(child.pid()) : Optional.empty();
    }

    @Override
    public long pid() {
        return child.pid();
    }

    @Override
    public Optional<ProcessHandle> parent() {
        return Optional.of(ProcessHandle.current());
    }

    @Override
    public Stream<ProcessHandle> children() {
        return jdk().map(ProcessHandle::children).orElseGet(Stream::empty);
    }

    @Override
    public Stream<ProcessHandle> descendants() {
        return jdk().map(ProcessHandle::descendants).orElseGet(Stream::empty);
    }

    @Override
    public Info info() {
        return jdk().map(ProcessHandle::info).orElseGet(EmptyInfo::new);
    }

    @Override
    public CompletableFuture<ProcessHandle> onExit() {
        return child.exitFuture().thenApply(s -> this);
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean destroy() {
        boolean alive = child.isAlive();
        child.destroy();
        return alive;
    }

    @Override
    public boolean destroyForcibly() {
        boolean alive = child.isAlive();
        child.destroyForcibly();
        return alive;
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
    public boolean equals(Object o) {
        return o instanceof ChildHandle h && h.child == child;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(child.pid());
    }

    @Override
    public String toString() {
        return String.valueOf(child.pid());
    }

    /** What is known of a process that is gone: nothing. */
    private static final class EmptyInfo implements Info {
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
        public Optional<java.time.Instant> startInstant() {
            return Optional.empty();
        }

        @Override
        public Optional<java.time.Duration> totalCpuDuration() {
            return Optional.empty();
        }

        @Override
        public Optional<String> user() {
            return Optional.empty();
        }
    }
}
