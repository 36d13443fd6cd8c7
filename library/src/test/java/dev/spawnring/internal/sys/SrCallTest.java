package dev.spawnring.internal.sys;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/**
 * sr_call, the one downcall: a system call comes back as the kernel gives it (the result or
 * -errno, no errno involved), sr_call's own functions do what spawnring.h says, a negative
 * number is never taken for a system call, and Sys's calls that pass memory refuse heap
 * memory (which the kernel cannot be given an address of) except the critical read.
 */
class SrCallTest {
    @Test
    void aSystemCallReturnsItsResultOrMinusErrno() {
        assertEquals(ProcessHandle.current().pid(), SrCall.call(Sys.SYS_getpid, 0, 0, 0, 0, 0, 0));
        assertEquals(-Errno.EBADF, SrCall.call(Sys.SYS_close, -1, 0, 0, 0, 0, 0));
        assertEquals(-Errno.EBADF, Sys.close(-1));
        assertEquals(-Errno.ENOSYS, SrCall.call(-1000, 0, 0, 0, 0, 0, 0), "an unknown function of sr_call");
        assertEquals(-Errno.ENOSYS, Sys.syscall(SrCall.FREE, 0), "Sys.syscall never reaches sr_call's functions");
    }

    @Test
    void srCallsOwnFunctionsDoWhatSpawnringHSays() {
        assertEquals(NativeLibrary.STEP_SIZE, SrCall.call(SrCall.STEP_SIZE, 0, 0, 0, 0, 0, 0));
        assertEquals("spawnring-native 1", NativeLibrary.version());
        long p = SrCall.call(SrCall.CALLOC, 64, 0, 0, 0, 0, 0);
        assertNotEquals(0, p);
        MemorySegment block = MemorySegment.ofAddress(p).reinterpret(64);
        for (int i = 0; i < 64; i++) {
            assertEquals(0, block.get(ValueLayout.JAVA_BYTE, i), "calloc zeroes");
        }
        assertEquals(0, SrCall.call(SrCall.FREE, p, 0, 0, 0, 0, 0));
        long a = Sys.clockGettime(Linux.CLOCK_MONOTONIC);
        long b = Sys.clockGettime(Linux.CLOCK_MONOTONIC);
        assertTrue(a > 0 && b >= a, a + " then " + b);
        assertEquals(-Errno.EINVAL, SrCall.call(SrCall.CLOCK_GETTIME, 12345, 0, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Sys.clockGettime(12345));
    }

    @Test
    void memoryIsPassedByAddressAndHeapMemoryIsRefusedButByTheCriticalRead() throws Exception {
        int[] fds = new int[2];
        assertEquals(0, Sys.pipe2(fds, Linux.O_CLOEXEC));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment hello = arena.allocateFrom("hello");
            assertEquals(5, Sys.write(fds[1], hello, 5));
            assertThrows(IllegalArgumentException.class,
                    () -> Sys.write(fds[1], MemorySegment.ofArray(new byte[5]), 5));
            assertEquals(5, Sys.bytesAvailable(fds[0]));
            byte[] b = new byte[8];
            assertEquals(5, Sys.readNow(fds[0], b, 2, 5));
            assertEquals("hello", new String(b, 2, 5, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(2, Sys.write(fds[1], hello, 2));
            MemorySegment into = arena.allocate(8);
            assertEquals(2, Sys.read(fds[0], into, 8));
            assertEquals("he", into.getString(0));
        } finally {
            Sys.close(fds[0]);
            Sys.close(fds[1]);
        }
    }
}
