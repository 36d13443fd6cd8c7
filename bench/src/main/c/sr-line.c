/*
 * sr-line: writes one line ("spawnring\n") to stdout and exits 0 (1 if the write
 * failed). The child of the "capture one line" benchmark; no libc.
 */
#include "tiny.h"

void _start(void)
{
	static const char line[] = "spawnring\n";
	long n = tiny_syscall3(1 /* write */, 1, (long)line, sizeof line - 1);
	tiny_exit(n == (long)sizeof line - 1 ? 0 : 1);
}
