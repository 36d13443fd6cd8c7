package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.Children;
import dev.spawnring.testing.Children.Exit;
import dev.spawnring.testing.Rings;
import dev.spawnring.uring.RecordingBackend.Seen;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The spawn contract as a layer over the ring's backend: chains that hold spawn opcodes
 * never reach the backend (no NOP that injects a result, so kernels without
 * {@code IORING_NOP_INJECT_RESULT} spawn as well), their completions come from the
 * layer, and the other chains of the submission reach the backend as they were. Both
 * backends, each also playing a kernel without the flag.
 */
class SpawnLayerTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aCloneChainNeverReachesTheBackendAndPostsEveryStep(Backend backend) throws IOException {
        for (boolean nopInject : new boolean[] {true, false}) {
            RecordingBackend b = RecordingBackend.open(backend, nopInject);
            try (Ring ring = Ring.over(b); Arena arena = Arena.ofConfined()) {
                MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
                ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(0);
                ring.getSqe().prepNopInject(5).flags(IOSQE_IO_LINK).userData(1);
                ring.getSqe().prepExec(Rings.nativeBin("sr-true").toString(), new String[] {"sr-true"}, null)
                        .userData(2);
                assertEquals(3, ring.submit());
                int inFlight = ring.inFlight();
                int[] res = Children.results(ring, 3);
                List<Seen> seen = List.copyOf(b.seen); // before the reap's own WAITID
                // The child is reaped before anything is checked: a failed check leaves no zombie behind.
                Exit exit = res[0] > 0 ? Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0)) : null;
                assertEquals(List.of(), seen, "the backend is given nothing of a CLONE chain");
                assertEquals(3, inFlight);
                assertTrue(res[0] > 0, "CLONE posts the pid, got " + res[0]);
                assertEquals(5, res[1]);
                assertEquals(0, res[2]);
                assertEquals(0, ring.inFlight());
                assertEquals(Exit.exited(0), exit);
                assertTrue(b.seen.stream().noneMatch(SpawnLayerTest::injects), "no NOP-inject: " + b.seen);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theOtherChainsOfTheSubmissionReachTheBackendAsTheyWere(Backend backend) throws IOException {
        Rings.assumeNopInject(backend);
        RecordingBackend b = RecordingBackend.open(backend, true);
        try (Ring ring = Ring.over(b); Arena arena = Arena.ofConfined()) {
            MemorySegment pidfd = arena.allocate(ValueLayout.JAVA_INT);
            ring.getSqe().prepNopInject(11).userData(1);
            ring.getSqe().prepClone(pidfd).flags(IOSQE_IO_LINK).userData(2);
            ring.getSqe().prepExec(Rings.nativeBin("sr-true").toString(), new String[] {"sr-true"}, null).userData(3);
            ring.getSqe().prepNopInject(44).flags(IOSQE_IO_LINK).userData(4);
            ring.getSqe().prepNopInject(55).userData(5);
            assertEquals(5, ring.submit());
            List<String> got = reap(ring, 5);
            List<Seen> seen = List.copyOf(b.seen); // before the reap's own WAITID
            // The child is reaped before anything is checked: a failed check leaves no zombie behind.
            Exit exit = Children.reap(ring, pidfd.get(ValueLayout.JAVA_INT, 0));
            assertEquals(List.of(new Seen(IORING_OP_NOP, 0, IORING_NOP_INJECT_RESULT, 11, 1),
                    new Seen(IORING_OP_NOP, IOSQE_IO_LINK, IORING_NOP_INJECT_RESULT, 44, 4),
                    new Seen(IORING_OP_NOP, 0, IORING_NOP_INJECT_RESULT, 55, 5)), seen);
            // The layer's completions are served ahead of the backend's.
            assertEquals(List.of("2", "3:0", "1:11", "4:44", "5:55"), got);
            assertEquals(Exit.exited(0), exit);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void spawnOpsOutsideACloneChainFailWithoutReachingTheBackend(Backend backend) throws IOException {
        RecordingBackend b = RecordingBackend.open(backend, true);
        try (Ring ring = Ring.over(b)) {
            ring.getSqe().prepNop().flags(IOSQE_IO_LINK).userData(0);
            ring.getSqe().prepDup2(2, 1).flags(IOSQE_IO_HARDLINK).userData(1);
            ring.getSqe().prepNopInject(3).flags(IOSQE_IO_LINK).userData(2);
            ring.getSqe().prepSetsid().flags(IOSQE_IO_LINK).userData(3);
            ring.getSqe().prepNop().userData(4);
            ring.submit();
            assertArrayEquals(new int[] {0, -Errno.EINVAL, 3, -Errno.EINVAL, -Errno.ECANCELED},
                    Children.results(ring, 5));
            assertEquals(List.of(), b.seen);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void aReadLinkedBeforeAnExecOutsideACloneRunsOnTheBackendBesideANopInjectingTheError(Backend backend)
            throws IOException {
        Rings.assumeNopInject(backend);
        int[] p = Rings.pipe();
        RecordingBackend b = RecordingBackend.open(backend, true);
        try (Ring ring = Ring.over(b); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8);
            Sys.write(p[1], arena.allocateFrom("hello"), 5);
            prepReadThenExec(ring, p[0], buf);
            ring.submit();
            assertArrayEquals(new int[] {5, -Errno.EINVAL, -Errno.ECANCELED}, Children.results(ring, 3));
            assertEquals(List.of(IORING_OP_READ, IORING_OP_NOP, IORING_OP_NOP),
                    b.seen.stream().map(Seen::opcode).toList());
            assertEquals(new Seen(IORING_OP_NOP, IOSQE_IO_LINK, IORING_NOP_INJECT_RESULT, -Errno.EINVAL, 1),
                    b.seen.get(1), "the one chain rewritten for the backend: the EXEC, as a NOP that injects EINVAL");
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void whereTheKernelIgnoresNopInjectThatChainFailsAsAPrepFailureAndNothingRuns(Backend backend)
            throws IOException {
        int[] p = Rings.pipe();
        RecordingBackend b = RecordingBackend.open(backend, false);
        try (Ring ring = Ring.over(b); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(8);
            Sys.write(p[1], arena.allocateFrom("hello"), 5);
            prepReadThenExec(ring, p[0], buf);
            ring.submit();
            assertArrayEquals(new int[] {-Errno.ECANCELED, -Errno.EINVAL, -Errno.ECANCELED}, Children.results(ring, 3));
            assertEquals(List.of(), b.seen);
            assertEquals(5, Sys.bytesAvailable(p[0]), "the READ did not run");
        } finally {
            Rings.closeAll(p);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void sqpollIsRefusedWithTheReason(Backend backend) {
        var e = assertThrows(IllegalArgumentException.class, () -> Ring.open(8, backend, IORING_SETUP_SQPOLL));
        assertTrue(e.getMessage().startsWith("IORING_SETUP_SQPOLL is not supported"), e.getMessage());
    }

    @Test
    void theKernelProbeForNopInjectAgreesWithWhatANopInjects() throws IOException {
        RecordingBackend b = RecordingBackend.open(Backend.IO_URING, true);
        try (Ring ring = Ring.over(b)) {
            ring.getSqe().prepNopInject(77).userData(1);
            ring.submit();
            assertEquals(Rings.reap(ring, 1) == 77, b.nopInjectSupported());
        }
    }

    private static void prepReadThenExec(Ring ring, int fd, MemorySegment buf) {
        ring.getSqe().prepRead(fd, buf, 5, -1).flags(IOSQE_IO_LINK).userData(0);
        ring.getSqe().prepExec("/bin/true", new String[] {"true"}, null).flags(IOSQE_IO_LINK).userData(1);
        ring.getSqe().prepNop().userData(2);
    }

    private static boolean injects(Seen s) {
        return s.opcode() == IORING_OP_NOP && (s.opFlags() & IORING_NOP_INJECT_RESULT) != 0;
    }

    /** user_data:res, the CLONE's (a pid) as its user_data alone. */
    private static List<String> reap(Ring ring, int n) throws IOException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Cqe c = ring.waitCqe();
            ring.cqeSeen(c);
            out.add(c.userData() == 2 && c.res() > 0 ? "2" : c.userData() + ":" + c.res());
        }
        return out;
    }
}
