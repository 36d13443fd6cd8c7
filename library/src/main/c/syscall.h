/*
 * syscall.h: raw x86_64 system calls by inline assembly, shared by the child-side
 * interpreter (spawnring.c, where no libc may run) and sr_call (call.c).
 */
#ifndef SPAWNRING_SYSCALL_H
#define SPAWNRING_SYSCALL_H

/* A raw system call: result or -errno, errno untouched. */
static inline __attribute__((always_inline)) long
sr_sys6(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sr_sys0(n) sr_sys6((n), 0, 0, 0, 0, 0, 0)
#define sr_sys1(n, a) sr_sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define sr_sys2(n, a, b) sr_sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sr_sys3(n, a, b, c) sr_sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sr_sys4(n, a, b, c, d) sr_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sr_sys5(n, a, b, c, d, e) sr_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#endif
