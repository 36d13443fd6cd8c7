/*
 * sr-stamp: as its first act writes clock_gettime(CLOCK_MONOTONIC) to fd 4
 * as 16 bytes (tv_sec, tv_nsec, each a native-endian int64), then exits 0 (1 if
 * the write failed). Benchmarks time "spawn until the child's first instruction"
 * with it, as the io_uring spawn proposal's benchmark did. No libc: the stamp is
 * the program's first system call. Where fd 4 is not open (ProcessBuilder and
 * NuProcess cannot give a child fd 4) the stamp goes to fd 1 instead.
 */
#include "tiny.h"

void _start(void)
{
	long ts[2];
	/* CLOCK_MONOTONIC: the clock of Java's System.nanoTime(), which the bench reads. */
	tiny_syscall3(228 /* clock_gettime */, 1 /* CLOCK_MONOTONIC */, (long)ts, 0);
	long n = tiny_syscall3(1 /* write */, 4, (long)ts, sizeof ts);
	if (n == -9 /* EBADF */)
		n = tiny_syscall3(1 /* write */, 1, (long)ts, sizeof ts);
	tiny_exit(n == (long)sizeof ts ? 0 : 1);
}
