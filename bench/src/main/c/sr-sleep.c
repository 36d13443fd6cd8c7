/*
 * sr-sleep: sleeps 2 s, then exits 0. The child of the "many live children"
 * benchmark: no libc, so 10,000 of them cost the kernel's minimum.
 */
#include "tiny.h"

__attribute__((force_align_arg_pointer)) void _start(void)
{
	long ts[2] = { 2, 0 };
	long r;
	do
		r = tiny_syscall3(35 /* nanosleep */, (long)ts, (long)ts, 0);
	while (r == -4 /* EINTR: the rest is in ts */);
	tiny_exit(r == 0 ? 0 : 1);
}
