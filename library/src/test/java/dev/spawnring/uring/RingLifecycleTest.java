package dev.spawnring.uring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Rings;
import dev.spawnring.testing.Isolation;
import dev.spawnring.testkit.Procs;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Opening, filling, overflowing, probing and closing a ring; misuse gets a clear error. */
@Tag(Isolation.TAG)
@Tag(KernelSuiteMain.TAG)
class RingLifecycleTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void getSqeReturnsNullWhenTheSubmissionQueueIsFull(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend, 4)) {
            assertEquals(4, ring.sqEntries());
            for (int i = 0; i < 4; i++) {
                assertNotNull(ring.getSqe().prepNop());
            }
            assertNull(ring.getSqe());
            assertEquals(4, ring.submit());
            assertNotNull(ring.getSqe(), "submitting frees the queue");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void moreCompletionsThanCqEntriesLoseNothing(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend, 8)) {
            int total = ring.cqEntries() * 3;
            int submitted = 0;
            while (submitted < total) {
                Sqe sqe = ring.getSqe();
                if (sqe == null) {
                    ring.submit();
                    continue;
                }
                sqe.prepNop().userData(submitted++);
            }
            ring.submit();
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < total; i++) {
                Cqe cqe = ring.waitCqe();
                assertEquals(0, cqe.res());
                assertTrue(seen.add(cqe.userData()), "duplicate " + cqe);
                ring.cqeSeen(cqe);
            }
            assertEquals(total, seen.size());
            assertEquals(0, ring.inFlight());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aClosedRingRefusesEveryCall(Backend backend) throws IOException {
        Ring ring = Rings.open(backend);
        ring.close();
        ring.close(); // closing twice is fine
        IllegalStateException e = assertThrows(IllegalStateException.class, ring::getSqe);
        assertEquals("ring is closed", e.getMessage());
        assertThrows(IllegalStateException.class, ring::submit);
        assertThrows(IllegalStateException.class, ring::peekCqe);
        assertThrows(IllegalStateException.class, ring::waitCqe);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void preppingWithBadArgumentsNamesTheOpAndTheValue(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            Sqe sqe = ring.getSqe();
            var bad = assertThrows(IllegalArgumentException.class,
                    () -> sqe.prepRead(-3, MemorySegment.NULL, 0, 0));
            assertEquals("READ: bad file descriptor -3", bad.getMessage());
            var nul = assertThrows(NullPointerException.class, () -> sqe.prepWrite(1, null, 1, 0));
            assertEquals("WRITE: buffer is null", nul.getMessage());
            var small = assertThrows(IllegalArgumentException.class,
                    () -> sqe.prepRead(0, java.lang.foreign.Arena.ofAuto().allocate(8), 16, 0));
            assertEquals("READ: 16 bytes do not fit a buffer of 8 bytes", small.getMessage());
            var path = assertThrows(IllegalArgumentException.class,
                    () -> sqe.prepOpenat(IoUring.AT_FDCWD, "a\0b", 0, 0));
            assertTrue(path.getMessage().startsWith("OPENAT path contains a NUL character at index 1"),
                    path.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void cqeSeenRefusesACompletionThatIsNotAtTheHead(Backend backend) throws IOException {
        try (Ring ring = Rings.open(backend)) {
            ring.getSqe().prepNop().userData(1);
            ring.getSqe().prepNop().userData(2);
            ring.submit();
            Cqe first = ring.waitCqe();
            ring.cqeSeen(first);
            ring.waitCqe();
            assertThrows(IllegalArgumentException.class, () -> ring.cqeSeen(first));
        }
    }

    @Test
    void entriesOutsideTheKernelsRangeAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Ring.open(0, Backend.FALLBACK));
        assertEquals("ring entries must be 1..32768, got 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ring.open(65536, Backend.FALLBACK));
    }

    @Test
    void entriesAreRoundedUpToAPowerOfTwo() throws IOException {
        try (Ring ring = Ring.open(5, Backend.FALLBACK)) {
            assertEquals(8, ring.sqEntries());
        }
    }

    @Test
    void theSystemPropertyForcesTheBackend() throws IOException {
        String old = System.getProperty(Backend.PROPERTY);
        try {
            System.setProperty(Backend.PROPERTY, "fallback");
            try (Ring ring = Ring.open(4)) {
                assertEquals(Backend.FALLBACK, ring.backend());
            }
            System.setProperty(Backend.PROPERTY, "bogus");
            var e = assertThrows(IllegalArgumentException.class, () -> Ring.open(4));
            assertEquals("-Dspawnring.backend=bogus: expected io_uring or fallback", e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(Backend.PROPERTY);
            } else {
                System.setProperty(Backend.PROPERTY, old);
            }
        }
    }

    @Test
    void theKernelProbeListsTheOpsSpawnringUses() throws IOException {
        try (Ring ring = Rings.open(Backend.IO_URING)) {
            Probe probe = ring.probe();
            // What the process API needs on every kernel it supports (5.11+); WAITID (6.7+) where the probe has it.
            assertTrue(probe.lastOp() >= IoUring.IORING_OP_CLOSE, "last op " + probe.lastOp());
            for (int op : new int[] {IoUring.IORING_OP_NOP, IoUring.IORING_OP_READ, IoUring.IORING_OP_WRITE,
                    IoUring.IORING_OP_OPENAT, IoUring.IORING_OP_CLOSE, IoUring.IORING_OP_POLL_ADD,
                    IoUring.IORING_OP_TIMEOUT, IoUring.IORING_OP_ASYNC_CANCEL}) {
                assertTrue(probe.supports(op), IoUring.opName(op));
            }
            assertEquals(probe.lastOp() >= IoUring.IORING_OP_WAITID, probe.supports(IoUring.IORING_OP_WAITID),
                    "WAITID is supported exactly where the kernel knows its opcode");
            assertFalse(probe.supports(IoUring.IORING_OP_CLONE), "private opcodes are never the kernel's");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void closingTheRingGivesBackItsFileDescriptors(Backend backend) throws Exception {
        // What this test opened, not a count: earlier tests' streams and children may still be
        // closing theirs (the cleaner, a loop's late reap) and would move a count meanwhile.
        Map<Integer, String> before = Procs.openFds();
        for (int i = 0; i < 50; i++) {
            try (Ring ring = Rings.open(backend)) {
                ring.getSqe().prepNop();
                ring.submit();
            }
        }
        assertEquals(Map.of(), Procs.fdsOpenedSince(before, Duration.ofSeconds(10)), "fds left open");
    }
}
