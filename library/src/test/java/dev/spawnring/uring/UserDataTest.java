package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.testing.Rings;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * An SQE's user_data reaches the backend as the caller wrote it and comes back in its
 * completion, whatever its value and however many requests share it; cancels and
 * removals name their target by it. Both backends.
 */
class UserDataTest {
    private static final long[] ODD_VALUES = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9abc_def0L};

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theBackendIsGivenTheCallersUserDataUnchanged(Backend backend) throws IOException {
        RecordingBackend b = RecordingBackend.open(backend, true);
        try (Ring ring = Ring.over(b)) {
            for (long ud : ODD_VALUES) {
                ring.getSqe().prepNop().userData(ud);
            }
            ring.submit();
            List<Long> given = b.seen.stream().map(RecordingBackend.Seen::userData).toList();
            assertEquals(List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9abc_def0L), given);
            for (long ud : ODD_VALUES) {
                assertEquals(0, Rings.reap(ring, ud));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void twoRequestsWithTheSameUserDataEachCompleteWithIt(Backend backend) throws IOException {
        Rings.assumeNopInject(backend);
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepNopInject(1).userData(7);
            ring.getSqe().prepNopInject(2).userData(7);
            ring.submit();
            assertEquals(2, ring.inFlight());
            assertEquals(1, Rings.reap(ring, 7));
            assertEquals(2, Rings.reap(ring, 7));
            assertEquals(0, ring.inFlight());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCancelByUserDataTakesDownOneRequestSubmittedWithItAtATime(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32);
            ring.getSqe().prepRead(p[0], buf, 16, -1).userData(9);
            ring.getSqe().prepRead(p[0], buf.asSlice(16), 16, -1).userData(9);
            ring.submit();
            assertNull(Rings.peekSoon(ring, 20), "both reads wait");
            ring.getSqe().prepCancel(9, 0).userData(10);
            ring.submit();
            assertEquals(List.of("10:0", "9:" + -Errno.ECANCELED), reap(ring, 2));
            assertEquals(1, ring.inFlight(), "the other read still waits");
            ring.getSqe().prepCancel(9, 0).userData(11);
            ring.submit();
            assertEquals(List.of("11:0", "9:" + -Errno.ECANCELED), reap(ring, 2));
            ring.getSqe().prepCancel(9, 0).userData(12);
            ring.submit();
            assertEquals(List.of("12:" + -Errno.ENOENT), reap(ring, 1));
            assertEquals(0, ring.inFlight());
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void removalsFindTheirTargetByAnyUserDataValue(Backend backend) throws IOException {
        int[] p = Rings.pipe();
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepTimeout(Duration.ofSeconds(30), 0, 0).userData(Long.MIN_VALUE);
            ring.getSqe().prepPollAdd(p[0], Linux.POLLIN).userData(-1);
            ring.submit();
            assertNull(Rings.peekSoon(ring, 20), "both wait");
            ring.getSqe().prepTimeoutRemove(Long.MIN_VALUE, 0).userData(1);
            ring.getSqe().prepPollRemove(-1).userData(2);
            ring.submit();
            List<String> got = reap(ring, 4);
            got.sort(null);
            assertEquals(List.of("-1:" + -Errno.ECANCELED, "-9223372036854775808:" + -Errno.ECANCELED, "1:0", "2:0"),
                    got);
        } finally {
            Rings.closeAll(p);
        }
    }

    private static List<String> reap(Ring ring, int n) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Cqe c = ring.waitCqe();
            ring.cqeSeen(c);
            out.add(c.userData() + ":" + c.res());
        }
        return out;
    }
}
