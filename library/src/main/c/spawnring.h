/*
 * spawnring.h: the C ABI of libspawnring.so, the child-side interpreter.
 *
 * A spawn is an array of steps, one per request linked after the CLONE, in chain
 * order. sr_spawn() clones a child that shares the caller's memory (vfork style),
 * runs the steps in the child, and returns once the child has exec'd or died.
 * Every step's `res` then holds its completion result.
 *
 * The layout of struct sr_step and the SR_OP_* values are fixed: the Java binding
 * (dev.spawnring.internal.spawn.ChildProgram and its Steps) writes them directly. Do not change them.
 */
#ifndef SPAWNRING_H
#define SPAWNRING_H

#include <stdint.h>

#define SR_ABI_VERSION "spawnring-native 1"

/* Opcodes of the steps, a[i] being the step's arguments. */
enum sr_op {
	SR_OP_NOP = 0,         /* a0 = result to post (negative: the step fails with it) */
	SR_OP_OPENAT = 1,      /* dirfd, const char *path, flags, mode; res = fd */
	SR_OP_CLOSE = 2,       /* fd */
	SR_OP_READ = 3,        /* fd, void *buf, len, offset (-1: read(), else pread()) */
	SR_OP_WRITE = 4,       /* fd, const void *buf, len, offset (-1: write(), else pwrite()) */
	SR_OP_DUP2 = 5,        /* oldfd, newfd, flags: dup3; oldfd == newfd sets FD_CLOEXEC
	                          to (flags & O_CLOEXEC), i.e. clears it for flags 0; res = newfd */
	SR_OP_CLOSE_RANGE = 6, /* first, last, flags (unsigned int each) */
	SR_OP_CHDIR = 7,       /* const char *path */
	SR_OP_FCHDIR = 8,      /* fd */
	SR_OP_SETSID = 9,      /* res = the new session id */
	SR_OP_SETPGID = 10,    /* pgid: setpgid(0, pgid) */
	SR_OP_UMASK = 11,      /* mask; res = the old mask */
	SR_OP_SETRLIMIT = 12,  /* resource, soft, hard: prlimit64(0, ...) */
	SR_OP_SIGDEFAULT = 13, /* every signal but SIGKILL/SIGSTOP to SIG_DFL, ignored ones too */
	SR_OP_SIGMASK = 14,    /* how (SIG_BLOCK/SIG_UNBLOCK/SIG_SETMASK), mask (bit n-1 = signal n):
	                          changes the mask the exec'd program starts with */
	SR_OP_PDEATHSIG = 15,  /* sig: prctl(PR_SET_PDEATHSIG, sig) */
	SR_OP_EXEC = 16,       /* dirfd, const char *path, char *const argv[], char *const envp[], flags */
	SR_OP_FAIL = 17,       /* a0 = negative errno: the step fails with it */
	SR_OP_COUNT_ = 18
};

/* sr_step.flags */
#define SR_F_HARDLINK 1u /* a failure of this step does not cancel the rest */
/* With SR_F_HARDLINK: the chain goes on after a failure only for the errors a $PATH search
 * skips, as execvp(3) and the JDK's launcher do (ENOENT, ENOTDIR, EACCES, ELOOP, ESTALE,
 * ENODEV, ETIMEDOUT); any other error ends the chain there, as a failure without HARDLINK. */
#define SR_F_PATH_SEARCH 2u
/* On an EXEC: runs only when the step before it failed with ENOEXEC (execvp's fallback that
 * runs a file without #! as a /bin/sh script); otherwise it does nothing and posts the result
 * of the step before it, so that its own flags decide whether the chain goes on. */
#define SR_F_IF_ENOEXEC 4u

struct sr_step {
	uint32_t op;     /* SR_OP_* */
	uint32_t flags;  /* SR_F_* */
	int64_t a[6];    /* arguments, per op */
	int32_t res;     /* written by the child: result >= 0 or -errno; -ECANCELED if never reached */
	uint32_t pad;
};

_Static_assert(sizeof(struct sr_step) == 64, "struct sr_step is 64 bytes");

/* sr_spawn_ex options */
#define SR_SPAWN_NO_CLONE3 1u /* use clone() as if clone3 had returned -ENOSYS (tests) */
#define SR_SPAWN_CLONE_FILES 2u /* clone with CLONE_FILES: see below */
#define SR_SPAWN_INTO_CGROUP 4u /* clone3(CLONE_INTO_CGROUP) into sr_spawn_cgroup's cgroup_fd:
                                   the child runs in that cgroup from its first instruction.
                                   Needs clone3 (5.7+): where clone3 is refused, -ENOSYS and
                                   nothing is cloned (clone() cannot place a child in a cgroup) */

/* close_range(2)'s flag, for the first step of an SR_SPAWN_CLONE_FILES spawn. */
#define SR_CLOSE_RANGE_UNSHARE (1u << 1)

/*
 * SR_SPAWN_CLONE_FILES: the child starts on the caller's own fd table instead of a
 * copy of it, and its first step gives it a private one. A copy costs one entry per
 * open fd, and exec then closes every close-on-exec one of them: with thousands of
 * fds open (a pidfd per live child) that is most of a spawn's time.
 * close_range(first, ~0U, CLOSE_RANGE_UNSHARE) as the first step unshares the table
 * copying only the fds below `first`.
 *
 * Rules, so that the child never changes the caller's fds:
 *   - steps[0] must be SR_OP_CLOSE_RANGE with SR_CLOSE_RANGE_UNSHARE in its flags,
 *     else sr_spawn_ex returns -EINVAL and clones nothing (every res -ECANCELED);
 *   - nothing in the child touches an fd before that step;
 *   - if that step fails the child dies by SIGKILL at once, whatever its flags
 *     (HARDLINK included): no later step runs.
 */

/*
 * Clones a child running `steps` and returns its pid (> 0), or -errno when the
 * clone itself failed (then no step ran and every res is -ECANCELED). When
 * pidfd_out != NULL the child's pidfd (close-on-exec) is stored there.
 * Whoever spawns reaps: the child is the caller's to wait for.
 */
int sr_spawn(struct sr_step *steps, int nsteps, int32_t *pidfd_out);

/* sr_spawn with SR_SPAWN_* options. */
int sr_spawn_ex(struct sr_step *steps, int nsteps, int32_t *pidfd_out, uint32_t options);

/* sr_spawn_ex with the cgroup (an fd of its directory) SR_SPAWN_INTO_CGROUP clones into;
 * cgroup_fd is ignored without that option. */
int sr_spawn_cgroup(struct sr_step *steps, int nsteps, int32_t *pidfd_out, uint32_t options, int cgroup_fd);

/*
 * sr_call: the one function the Java side links. A cold JVM pays for every distinct
 * shape of downcall it links (some 100 ms for its first), and for errno capture; so
 * every native call spawnring makes from Java goes through this one function, with one
 * shape (seven longs in, a long out) and no errno: the result is >= 0 or -errno.
 *
 *   fn >= 0   the raw system call number fn with a1..a6 (the kernel's result)
 *   fn < 0    one of the SR_CALL_* below, with the arguments it names
 *
 * It runs in the parent only; the child side is sr_spawn's.
 */
long sr_call(long fn, long a1, long a2, long a3, long a4, long a5, long a6);

/* sr_call's functions. Do not change the values: the Java side (SrCall) uses them. */
#define SR_CALL_SPAWN (-1L)         /* sr_spawn_cgroup(steps, nsteps, pidfd_out, options, cgroup_fd) */
#define SR_CALL_CALLOC (-2L)        /* calloc(1, a1): the address, or 0 */
#define SR_CALL_FREE (-3L)          /* free(a1); 0 */
#define SR_CALL_CLOCK_GETTIME (-4L) /* clock_gettime(a1) (the vDSO) in ns, or -errno */
#define SR_CALL_STEP_SIZE (-5L)     /* sizeof(struct sr_step) */
#define SR_CALL_VERSION (-6L)       /* sr_version(), as an address */
#define SR_CALL_ENVIRON (-7L)       /* environ's entries, NUL after each, into a1 (a2 bytes): the bytes they take */

/* "spawnring-native 1": a health check. */
const char *sr_version(void);

/* sizeof(struct sr_step), checked by the Java binding at load time. */
int sr_abi_step_size(void);

#endif
