package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Rings;
import dev.spawnring.internal.sys.Errno;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Link chains: IOSQE_IO_LINK, IOSQE_IO_HARDLINK and the submission boundary, on both backends. */
@Tag(KernelSuiteMain.TAG)
class RingLinkTest {
    /** An fd nothing has open: a CLOSE of it fails with EBADF when issued, on every kernel (a NOP that injects an error needs IORING_NOP_INJECT_RESULT, which 6.1 lacks). */
    private static final int NOT_AN_FD = 999_999;

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aFailingHeadCancelsTheRestOfTheChain(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepClose(NOT_AN_FD).userData(1).flags(IOSQE_IO_LINK);
            ring.getSqe().prepNop().userData(2).flags(IOSQE_IO_LINK);
            ring.getSqe().prepNop().userData(3);
            ring.submit();
            assertEquals(List.of(-Errno.EBADF, -Errno.ECANCELED, -Errno.ECANCELED),
                    List.copyOf(Rings.reapAll(ring, 3).values()));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aHardlinkedFailureLetsTheChainGoOn(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepClose(NOT_AN_FD).userData(1).flags(IOSQE_IO_HARDLINK);
            ring.getSqe().prepNop().userData(2).flags(IOSQE_IO_LINK);
            ring.getSqe().prepNop().userData(3);
            ring.submit();
            Map<Long, Integer> r = Rings.reapAll(ring, 3);
            assertEquals(List.of(1L, 2L, 3L), List.copyOf(r.keySet()));
            assertEquals(List.of(-Errno.EBADF, 0, 0), List.copyOf(r.values()));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aChainEndsAtTheSubmissionBoundary(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            // The last request of a submission carries LINK: nothing of the next submission joins it.
            ring.getSqe().prepClose(NOT_AN_FD).userData(1).flags(IOSQE_IO_LINK);
            ring.submit();
            ring.getSqe().prepNop().userData(2);
            ring.submit();
            Map<Long, Integer> r = Rings.reapAll(ring, 2);
            assertEquals(-Errno.EBADF, r.get(1L));
            assertEquals(0, r.get(2L));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aPrepFailureInsideAChainFailsItWholeEvenWithHardlinks(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepNop().userData(1).flags(IOSQE_IO_HARDLINK);
            ring.getSqe().prepNop().nopFlags(1 << 31).userData(2).flags(IOSQE_IO_HARDLINK);
            ring.getSqe().prepNop().userData(3);
            ring.submit();
            Map<Long, Integer> r = Rings.reapAll(ring, 3);
            assertEquals(-Errno.ECANCELED, r.get(1L));
            assertEquals(-Errno.EINVAL, r.get(2L));
            assertEquals(-Errno.ECANCELED, r.get(3L));
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void independentChainsInOneSubmissionDoNotAffectEachOther(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepClose(NOT_AN_FD).userData(1).flags(IOSQE_IO_LINK);
            ring.getSqe().prepNop().userData(2);
            ring.getSqe().prepNop().userData(3).flags(IOSQE_IO_LINK);
            ring.getSqe().prepNop().userData(4);
            ring.submit();
            Map<Long, Integer> r = Rings.reapAll(ring, 4);
            assertEquals(Map.of(1L, -Errno.EBADF, 2L, -Errno.ECANCELED, 3L, 0, 4L, 0), r);
        }
    }
}
