package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.uring.Cqe;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CompletableFuture;

/** Output plumbing that needs no reader: the refusing stdin, and the capture {@code Spawner.run} uses. */
final class Output {
    private Output() {
    }

    /** The stdin of a child whose stdin is not a pipe. */
    static final OutputStream NULL_OUTPUT = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed: the child's stdin is not a pipe");
        }
    };

    /**
     * Reads a pipe to its end on the loop thread, keeping at most {@code limit} bytes (and
     * reading on past it, so the child never blocks on a full pipe).
     */
    static final class Collector {
        private final EventLoop loop;
        private final int fd;
        private final int limit;
        private final MemorySegment buf = NativeMemory.calloc(PipeInput.CAPACITY);
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> done = new CompletableFuture<>();
        private boolean truncated;

        Collector(EventLoop loop, int fd, int limit) {
            this.loop = loop;
            this.fd = fd;
            this.limit = limit;
            loop.retain();
            submit();
        }

        private void submit() {
            loop.sqe().prepRead(fd, buf, PipeInput.CAPACITY, -1).userData(loop.register(this::onRead));
        }

        private void onRead(Cqe cqe) {
            int res = cqe.res();
            if (res > 0) {
                int keep = (int) Math.min(res, Math.max(0, limit - bytes.size()));
                bytes.write(buf.asSlice(0, keep).toArray(ValueLayout.JAVA_BYTE), 0, keep);
                truncated |= keep < res;
                submit();
                return;
            }
            if (res == -Errno.EINTR || res == -Errno.EAGAIN) {
                submit();
                return;
            }
            Sys.close(fd);
            NativeMemory.free(buf);
            loop.release();
            if (res == 0) {
                done.complete(bytes.toByteArray());
            } else {
                done.completeExceptionally(loop.error("read captured output", res));
            }
        }

        CompletableFuture<byte[]> done() {
            return done;
        }

        /** Only meaningful once {@link #done()} completed. */
        boolean truncated() {
            return truncated;
        }
    }
}
