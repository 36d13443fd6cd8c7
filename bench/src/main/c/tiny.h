/*
 * tiny.h: raw x86_64 system calls for the benchmark's tiny programs, which are
 * built without libc (-nostdlib -static) so that their first instruction is
 * their own: no loader, no libc start-up between exec and the code timed.
 */
#ifndef SPAWNRING_TINY_H
#define SPAWNRING_TINY_H

static inline long tiny_syscall3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static inline __attribute__((noreturn)) void tiny_exit(int code)
{
	for (;;)
		tiny_syscall3(231 /* exit_group */, code, 0, 0);
}

#endif
