/*
 * spawnring.c: the child-side interpreter, the only C in spawnring.
 *
 * sr_spawn() clones a child with clone3(CLONE_VM | CLONE_VFORK | CLONE_PIDFD |
 * CLONE_CLEAR_SIGHAND): the child shares the caller's memory (the JVM's) and the
 * calling thread stays suspended until the child has exec'd or died. The child
 * runs the steps (the requests linked after a CLONE, see spawnring.h) in order,
 * writes each step's result into the step, and either execs or kills itself.
 * With SR_SPAWN_CLONE_FILES it also starts on the caller's fd table (CLONE_FILES)
 * and its first step, a close_range with CLOSE_RANGE_UNSHARE, gives it its own.
 *
 * Constraints on the code that runs in the child (sr_child and what it inlines),
 * as in Go's forkAndExecInChild1:
 *   - No libc call of any kind: system calls are made by inline asm (sr_sys6), so
 *     errno, TLS, the PLT and the dynamic linker are never touched. No malloc, no
 *     locks, no stdio.
 *   - The memory written is the child's own stack (part of the caller's frame)
 *     and the `res` of each step. Nothing else of the JVM's memory is changed.
 *   - No stack protector (its canary lives in TLS), no loop the compiler could
 *     turn into a memset/memcpy call.
 *   - Every signal stays blocked while the steps run (the caller's thread blocks
 *     them all across the clone); each EXEC sets the "exec mask" just before
 *     execveat and blocks everything again if it fails. Handlers are SIG_DFL:
 *     CLONE_CLEAR_SIGHAND resets them in the kernel, and on the clone() fallback
 *     the child resets them itself before any step.
 *   - One straight-line function: a commented block per op, each leaving its
 *     result in `r`; one check after the switch posts it and decides whether the
 *     chain goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <asm/unistd.h>

#include "spawnring.h"
#include "syscall.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef CLONE_FILES
#define CLONE_FILES 0x00000400
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* The child's stack, carved out of sr_spawn's frame (as musl's posix_spawn does). */
#define SR_CHILD_STACK (32 * 1024)

/* sigsetsize for rt_sigaction/rt_sigprocmask: 64 signals. */
#define SR_SIGSET_SIZE 8

/* struct clone_args up to its cgroup field (CLONE_ARGS_SIZE_VER2 = 88). The first 64 bytes
 * are the first published version (CLONE_ARGS_SIZE_VER0), which is what is passed unless
 * the child goes into a cgroup: a kernel that knows clone3 knows VER0. */
struct sr_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;      /* VER1 */
	uint64_t set_tid_size;
	uint64_t cgroup;       /* VER2 */
};

#define SR_CLONE_ARGS_SIZE_VER0 64
#define SR_CLONE_ARGS_SIZE_VER2 88
_Static_assert(sizeof(struct sr_clone_args) == SR_CLONE_ARGS_SIZE_VER2, "struct clone_args VER2 is 88 bytes");

/* The kernel's struct sigaction for rt_sigaction on x86_64 (not glibc's). */
struct sr_ksigaction {
	unsigned long handler; /* 0 = SIG_DFL, 1 = SIG_IGN */
	unsigned long flags;
	unsigned long restorer;
	uint64_t mask;
};

/* What the parent hands the child: read-only for the child. */
struct sr_ctx {
	struct sr_step *steps;
	int nsteps;
	int reset_handlers;  /* clone() fallback: the child resets handled signals itself */
	int shared_files;    /* CLONE_FILES: steps[0] unshares the fd table */
	uint64_t exec_mask;  /* the calling thread's mask before sr_spawn blocked everything */
};

/* clone3.S */
long sr_clone3(struct sr_clone_args *args, size_t size, int (*fn)(void *), void *arg);


/* Whether a step unshares the fd table: the first step a CLONE_FILES child may run. */
static inline __attribute__((always_inline)) int
sr_unshares(const struct sr_step *s)
{
	return s->op == SR_OP_CLOSE_RANGE && ((uint32_t)s->a[2] & SR_CLOSE_RANGE_UNSHARE);
}

/* Whether a $PATH search goes on to the next directory after an exec failed with r:
 * the errors of execvp(3) and of the JDK's launcher (childproc.c, JDK_execvpe). */
static inline __attribute__((always_inline)) int
sr_search_skips(long r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -EACCES || r == -ELOOP || r == -ESTALE
	       || r == -ENODEV || r == -ETIMEDOUT;
}

/* Whether s starts with the NUL-terminated p (no libc in the child). */
static inline __attribute__((always_inline)) int
sr_starts(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

/*
 * The signals whose disposition is not SIG_DFL in the calling process, bit n-1 for signal
 * n: SigIgn | SigCgt of /proc/self/status, which the kernel renders from the child's own
 * copy of the dispositions. One open, read and close instead of a rt_sigaction per signal
 * (62 system calls, the costliest part of a chain where system calls are dear, as in a
 * virtual machine). Returns 0, or -1 when /proc cannot tell (not mounted, no fd left).
 */
static inline __attribute__((always_inline)) int
sr_sigs_not_default(uint64_t *out)
{
	char buf[4096];
	long fd = sr_sys4(__NR_openat, AT_FDCWD, "/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
	long n = 0, r = 0;
	uint64_t mask = 0;
	int found = 0, i, k;

	if (fd < 0)
		return -1;
	while (n < (long)sizeof(buf) && (r = sr_sys3(__NR_read, fd, buf + n, sizeof(buf) - n)) > 0)
		n += r;
	sr_sys1(__NR_close, fd);
	if (r < 0)
		return -1;
	/* "SigIgn:\t" or "SigCgt:\t" at a line's start, then 16 hex digits */
	for (i = 0; i + 24 <= n; i++) {
		if ((i > 0 && buf[i - 1] != '\n') || !(sr_starts(buf + i, "SigIgn:\t") || sr_starts(buf + i, "SigCgt:\t")))
			continue;
		for (k = 8; k < 24; k++) {
			char c = buf[i + k];
			uint64_t d = c >= '0' && c <= '9' ? (uint64_t)(c - '0')
				   : c >= 'a' && c <= 'f' ? (uint64_t)(c - 'a' + 10) : 16;
			if (d == 16)
				return -1;
			mask |= d << (4 * (23 - k));
		}
		found++;
	}
	if (found != 2)
		return -1;
	*out = mask;
	return 0;
}

/*
 * Runs in the child. Never returns: the child either becomes the exec'd program
 * or dies by SIGKILL.
 */
static __attribute__((noinline, no_stack_protector)) int
sr_child(void *arg)
{
	const struct sr_ctx *ctx = arg;
	struct sr_step *const steps = ctx->steps;
	const int n = ctx->nsteps;
	uint64_t exec_mask = ctx->exec_mask;
	const uint64_t all = ~(uint64_t)0;
	struct sr_ksigaction dfl = { 0, 0, 0, 0 };
	struct sr_ksigaction old;
	long r, pid;
	int i = 0, sig;

	/* Signal handlers (clone() fallback only): every handled signal back to
	 * SIG_DFL before any step, as CLONE_CLEAR_SIGHAND would have done. Ignored
	 * signals stay ignored, as across execve. */
	if (ctx->reset_handlers) {
		for (sig = 1; sig <= 64; sig++) {
			if (sig == SIGKILL || sig == SIGSTOP)
				continue;
			if (sr_sys4(__NR_rt_sigaction, sig, 0, &old, SR_SIGSET_SIZE) == 0 && old.handler > 1)
				sr_sys4(__NR_rt_sigaction, sig, &dfl, 0, SR_SIGSET_SIZE);
		}
	}

	/* Shared fd table (CLONE_FILES): the first step must unshare it, and no fd is
	 * touched before. sr_spawn_ex checked the step; check again, since the steps
	 * live in memory the caller could change. If it fails, die before any other
	 * step, HARDLINK or not: every later step would act on the caller's fds. */
	if (ctx->shared_files) {
		const int64_t *const a = steps[0].a;
		r = -EINVAL;
		if (sr_unshares(&steps[0]))
			r = sr_sys3(__NR_close_range, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
		steps[0].res = (int32_t)r;
		if (r < 0)
			goto die;
		i = 1;
	}

	for (; i < n; i++) {
		struct sr_step *const s = &steps[i];
		const int64_t *const a = s->a;

		/* Shell fallback (SR_F_IF_ENOEXEC): only after an ENOEXEC; otherwise it
		 * stands for the step before it, whose result it posts again. */
		if ((s->flags & SR_F_IF_ENOEXEC) && (i == 0 || steps[i - 1].res != -ENOEXEC)) {
			r = i == 0 ? -EINVAL : steps[i - 1].res;
			goto post;
		}

		switch (s->op) {
		case SR_OP_NOP:
			/* Nop: posts the injected result */
			r = (int32_t)a[0];
			break;

		case SR_OP_OPENAT:
			/* Open: res = the new fd */
			r = sr_sys4(__NR_openat, a[0], a[1], a[2], a[3]);
			break;

		case SR_OP_CLOSE:
			/* Close */
			r = sr_sys1(__NR_close, a[0]);
			break;

		case SR_OP_READ:
			/* Read: at the current position when offset is -1, else pread */
			if (a[3] == -1)
				r = sr_sys3(__NR_read, a[0], a[1], a[2]);
			else
				r = sr_sys4(__NR_pread64, a[0], a[1], a[2], a[3]);
			break;

		case SR_OP_WRITE:
			/* Write: at the current position when offset is -1, else pwrite */
			if (a[3] == -1)
				r = sr_sys3(__NR_write, a[0], a[1], a[2]);
			else
				r = sr_sys4(__NR_pwrite64, a[0], a[1], a[2], a[3]);
			break;

		case SR_OP_DUP2:
			/* Dup2: dup3(oldfd, newfd, flags). On the same fd, set close-on-exec
			 * as flags say (cleared for 0), as posix_spawn's adddup2 does. */
			if (a[0] != a[1]) {
				r = sr_sys3(__NR_dup3, a[0], a[1], a[2]);
			} else if ((a[2] & ~(int64_t)O_CLOEXEC) != 0) {
				r = -EINVAL;
			} else {
				r = sr_sys3(__NR_fcntl, a[0], F_SETFD, (a[2] & O_CLOEXEC) ? FD_CLOEXEC : 0);
				if (r == 0)
					r = a[1];
			}
			break;

		case SR_OP_CLOSE_RANGE:
			/* Close range: first, last and flags are unsigned int */
			r = sr_sys3(__NR_close_range, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
			break;

		case SR_OP_CHDIR:
			/* Chdir */
			r = sr_sys1(__NR_chdir, a[0]);
			break;

		case SR_OP_FCHDIR:
			/* Fchdir */
			r = sr_sys1(__NR_fchdir, a[0]);
			break;

		case SR_OP_SETSID:
			/* Session ID: res = the new session id */
			r = sr_sys0(__NR_setsid);
			break;

		case SR_OP_SETPGID:
			/* Process group: setpgid(0, pgid) */
			r = sr_sys2(__NR_setpgid, 0, a[0]);
			break;

		case SR_OP_UMASK:
			/* Umask: res = the old mask */
			r = sr_sys1(__NR_umask, a[0]);
			break;

		case SR_OP_SETRLIMIT: {
			/* Resource limit: prlimit64(0, resource, {soft, hard}, NULL) */
			const uint64_t lim[2] = { (uint64_t)a[1], (uint64_t)a[2] };
			r = sr_sys4(__NR_prlimit64, 0, a[0], lim, 0);
			break;
		}

		case SR_OP_SIGDEFAULT: {
			/* Signal dispositions: every signal but SIGKILL/SIGSTOP to SIG_DFL,
			 * ignored ones included; res = 0 or the first error. Those already
			 * at SIG_DFL are left alone when /proc says which they are. */
			uint64_t set = ~(uint64_t)0;
			sr_sigs_not_default(&set);
			r = 0;
			for (sig = 1; sig <= 64; sig++) {
				long e;
				if (sig == SIGKILL || sig == SIGSTOP || !(set & ((uint64_t)1 << (sig - 1))))
					continue;
				e = sr_sys4(__NR_rt_sigaction, sig, &dfl, 0, SR_SIGSET_SIZE);
				if (e < 0 && r == 0)
					r = e;
			}
			break;
		}

		case SR_OP_SIGMASK:
			/* Signal mask of the exec'd program (the steps keep running with
			 * every signal blocked) */
			r = 0;
			if (a[0] == SIG_BLOCK)
				exec_mask |= (uint64_t)a[1];
			else if (a[0] == SIG_UNBLOCK)
				exec_mask &= ~(uint64_t)a[1];
			else if (a[0] == SIG_SETMASK)
				exec_mask = (uint64_t)a[1];
			else
				r = -EINVAL;
			break;

		case SR_OP_PDEATHSIG:
			/* Parent death signal */
			r = sr_sys2(__NR_prctl, 1 /* PR_SET_PDEATHSIG */, a[0]);
			break;

		case SR_OP_EXEC:
			/* Exec: post 0 before execveat, because on success nothing of the
			 * child runs again and the parent reads the results as they are
			 * (every later step still holds the -ECANCELED sr_spawn put there).
			 * The exec'd program starts with the exec mask; on failure block
			 * everything again and post the error. */
			s->res = 0;
			sr_sys4(__NR_rt_sigprocmask, SIG_SETMASK, &exec_mask, 0, SR_SIGSET_SIZE);
			r = sr_sys5(__NR_execveat, a[0], a[1], a[2], a[3], a[4]);
			sr_sys4(__NR_rt_sigprocmask, SIG_SETMASK, &all, 0, SR_SIGSET_SIZE);
			break;

		case SR_OP_FAIL:
			/* Fail: a request that failed when issued posts its error here */
			r = a[0] < 0 ? (int32_t)a[0] : -EINVAL;
			break;

		default:
			r = -EOPNOTSUPP;
			break;
		}

		/* Post the result; a failure without HARDLINK cancels the rest (their
		 * res stays -ECANCELED), and so does one with PATH_SEARCH that a $PATH
		 * search would not skip. */
post:
		s->res = (int32_t)r;
		if (r < 0 && (!(s->flags & SR_F_HARDLINK)
			      || ((s->flags & SR_F_PATH_SEARCH) && !sr_search_skips(r))))
			break;
	}

	/* No EXEC succeeded: die by SIGKILL, the exit the parent expects. */
die:
	pid = sr_sys0(__NR_getpid);
	sr_sys3(__NR_tgkill, pid, pid, SIGKILL);
	sr_sys2(__NR_kill, pid, SIGKILL);
	for (;;)
		sr_sys1(__NR_exit_group, 127);
	return 127; /* not reached */
}

int sr_spawn_ex(struct sr_step *steps, int nsteps, int32_t *pidfd_out, uint32_t options)
{
	return sr_spawn_cgroup(steps, nsteps, pidfd_out, options & ~SR_SPAWN_INTO_CGROUP, -1);
}

int sr_spawn_cgroup(struct sr_step *steps, int nsteps, int32_t *pidfd_out, uint32_t options, int cgroup_fd)
{
	/* The child's stack. This thread stays suspended in the clone until the
	 * child has exec'd or died (CLONE_VFORK), so nothing else uses it meanwhile. */
	_Alignas(16) char stack[SR_CHILD_STACK];
	const uint64_t all = ~(uint64_t)0;
	uint64_t old = 0;
	struct sr_ctx ctx;
	int pidfd = -1;
	long pid, r;
	int i;

	if (nsteps < 0 || (nsteps > 0 && steps == NULL)
	    || (options & ~(SR_SPAWN_NO_CLONE3 | SR_SPAWN_CLONE_FILES | SR_SPAWN_INTO_CGROUP)) != 0
	    || ((options & SR_SPAWN_INTO_CGROUP) && cgroup_fd < 0))
		return -EINVAL;
	for (i = 0; i < nsteps; i++)
		steps[i].res = -ECANCELED;
	/* A shared fd table must be unshared by the first step (spawnring.h). */
	if ((options & SR_SPAWN_CLONE_FILES) && (nsteps < 1 || !sr_unshares(&steps[0])))
		return -EINVAL;

	/* Block every signal on this thread (glibc's internal ones too): the child
	 * starts with this mask, so no signal reaches it before its first step. */
	r = sr_sys4(__NR_rt_sigprocmask, SIG_SETMASK, &all, &old, SR_SIGSET_SIZE);
	if (r < 0)
		return (int)r;

	ctx.steps = steps;
	ctx.nsteps = nsteps;
	ctx.reset_handlers = 0;
	ctx.shared_files = (options & SR_SPAWN_CLONE_FILES) != 0;
	ctx.exec_mask = old;

	pid = -ENOSYS;
	if (!(options & SR_SPAWN_NO_CLONE3)) {
		int into_cgroup = (options & SR_SPAWN_INTO_CGROUP) != 0;
		struct sr_clone_args args = {
			.flags = CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND | (pidfd_out ? CLONE_PIDFD : 0)
				 | (ctx.shared_files ? CLONE_FILES : 0) | (into_cgroup ? CLONE_INTO_CGROUP : 0),
			.pidfd = (uint64_t)(uintptr_t)&pidfd,
			.exit_signal = SIGCHLD,
			.stack = (uint64_t)(uintptr_t)stack,
			.stack_size = sizeof stack,
			.cgroup = into_cgroup ? (uint64_t)cgroup_fd : 0,
		};
		pid = sr_clone3(&args, into_cgroup ? SR_CLONE_ARGS_SIZE_VER2 : SR_CLONE_ARGS_SIZE_VER0,
				sr_child, &ctx);
	}
	/* clone() has no way to start a child in a cgroup: a child that must never run outside
	 * it is not cloned at all. */
	if (pid == -ENOSYS && (options & SR_SPAWN_INTO_CGROUP)) {
		sr_sys4(__NR_rt_sigprocmask, SIG_SETMASK, &old, 0, SR_SIGSET_SIZE);
		return -ENOSYS;
	}
	if (pid == -ENOSYS) {
		/* clone3 refused (container seccomp profiles answer -ENOSYS): clone(),
		 * the pidfd stored through parent_tid, handlers reset by the child. */
		ctx.reset_handlers = 1;
		pid = clone(sr_child, stack + sizeof stack,
			    CLONE_VM | CLONE_VFORK | (pidfd_out ? CLONE_PIDFD : 0)
			    | (ctx.shared_files ? CLONE_FILES : 0) | SIGCHLD,
			    &ctx, &pidfd, NULL, NULL);
		if (pid < 0)
			pid = -errno;
	}

	sr_sys4(__NR_rt_sigprocmask, SIG_SETMASK, &old, 0, SR_SIGSET_SIZE);

	if (pid > 0 && pidfd_out != NULL)
		*pidfd_out = pidfd;
	return (int)pid;
}

int sr_spawn(struct sr_step *steps, int nsteps, int32_t *pidfd_out)
{
	return sr_spawn_ex(steps, nsteps, pidfd_out, 0);
}

const char *sr_version(void)
{
	return SR_ABI_VERSION;
}

int sr_abi_step_size(void)
{
	return (int)sizeof(struct sr_step);
}
