/*
 * sr-true: exits 0 at once. The smallest child the tests and benchmarks start:
 * no libc, no loader, one system call.
 */
#include "tiny.h"

void _start(void)
{
	tiny_exit(0);
}
