/*
 * call.c: sr_call, the one function the Java side links (see spawnring.h).
 *
 * A system call is made here rather than through glibc's syscall(3) so that the
 * result comes back as the kernel gives it, >= 0 or -errno: the Java side needs no
 * errno capture, and every call has the same shape. The system call comes first:
 * it is the hot path (io_uring_enter, read, write).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "spawnring.h"
#include "syscall.h"

/* Apart, so that the hot path of sr_call has no stack protector's canary to check. */
static __attribute__((noinline)) long sr_clock_ns(long clock)
{
	struct timespec ts;

	if (clock_gettime((clockid_t)clock, &ts) != 0)
		return -errno;
	return (long)ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/*
 * environ's entries into buf, each with its NUL, as far as len allows: the bytes the whole
 * environment takes (more than len: call again with a bigger buf). The Java side reads the
 * environment so rather than through a lookup of environ and a walk of its pointers, which
 * costs a cold JVM some 20 ms of method handles.
 */
static __attribute__((noinline)) long sr_environ(char *buf, long len)
{
	extern char **environ;
	long n = 0;

	for (char **e = environ; e != NULL && *e != NULL; e++) {
		for (const char *c = *e;; c++) {
			if (n < len)
				buf[n] = *c;
			n++;
			if (*c == '\0')
				break;
		}
	}
	return n;
}

long sr_call(long fn, long a1, long a2, long a3, long a4, long a5, long a6)
{
	if (fn >= 0)
		return sr_sys6(fn, a1, a2, a3, a4, a5, a6);
	switch (fn) {
	case SR_CALL_SPAWN:
		return sr_spawn_cgroup((struct sr_step *)(uintptr_t)a1, (int)a2, (int32_t *)(uintptr_t)a3, (uint32_t)a4,
				       (int)a5);
	case SR_CALL_CALLOC:
		return (long)(uintptr_t)calloc(1, (size_t)a1);
	case SR_CALL_FREE:
		free((void *)(uintptr_t)a1);
		return 0;
	case SR_CALL_CLOCK_GETTIME:
		return sr_clock_ns(a1);
	case SR_CALL_STEP_SIZE:
		return sr_abi_step_size();
	case SR_CALL_VERSION:
		return (long)(uintptr_t)sr_version();
	case SR_CALL_ENVIRON:
		return sr_environ((char *)(uintptr_t)a1, a2);
	default:
		return -ENOSYS;
	}
}
