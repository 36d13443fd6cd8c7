package dev.spawnring.testing;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spawnring.uring.Cqe;
import dev.spawnring.uring.Ring;
import dev.spawnring.testkit.Procs;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/** Shared steps of the spawn-contract tests: reaping children, reading pipes, counting zombies. */
public final class Children {
    private Children() {
    }

    /** How a child ended: {@code CLD_EXITED} with its code, or {@code CLD_KILLED}/{@code CLD_DUMPED} with its signal. */
    public record Exit(int code, int status) {
        public static Exit exited(int status) {
            return new Exit(Linux.CLD_EXITED, status);
        }

        public static Exit killed(int signal) {
            return new Exit(Linux.CLD_KILLED, signal);
        }
    }

    /**
     * Reaps the child behind {@code pidfd} with the ring's WAITID (with {@code waitid(2)} where
     * io_uring has none, before Linux 6.7), closes the pidfd, says how it ended.
     */
    public static Exit reap(Ring ring, int pidfd) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Linux.SIGINFO_SIZE);
            if (!Rings.hasWaitid(ring)) {
                int r;
                do {
                    r = Sys.waitid(P_PIDFD, pidfd, info, WEXITED);
                } while (r == -Errno.EINTR);
                Errno.check("waitid", r);
                return new Exit(info.get(ValueLayout.JAVA_INT, Linux.SI_CODE), info.get(ValueLayout.JAVA_INT, Linux.SI_STATUS));
            }
            ring.getSqe().prepWaitid(P_PIDFD, pidfd, info, WEXITED, 0).userData(-77);
            ring.submit();
            Cqe cqe = ring.waitCqe();
            ring.cqeSeen(cqe);
            assertEquals(-77, cqe.userData());
            Errno.check("waitid", cqe.res());
            return new Exit(info.get(ValueLayout.JAVA_INT, Linux.SI_CODE), info.get(ValueLayout.JAVA_INT, Linux.SI_STATUS));
        } finally {
            Sys.close(pidfd);
        }
    }

    /** Reads {@code fd} to its end and closes it. */
    public static byte[] drain(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(65536);
            while (true) {
                long n = Sys.read(fd, buf, buf.byteSize());
                if (n == -Errno.EINTR) {
                    continue;
                }
                if (n <= 0) {
                    break;
                }
                out.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
            }
        } finally {
            Sys.close(fd);
        }
        return out.toByteArray();
    }

    /** @return the pids of this JVM's children that are zombies */
    public static List<Long> zombieChildren() throws IOException {
        return dev.spawnring.testkit.Procs.zombieChildren();
    }

    /** The CQE results of {@code n} completions, checking they come in user_data order 0..n-1. */
    public static int[] results(Ring ring, int n) throws IOException {
        int[] res = new int[n];
        for (int i = 0; i < n; i++) {
            res[i] = Rings.reap(ring, i);
        }
        return res;
    }
}
