/*
 * sr-floor: the C floor of spawnring's benchmarks. Starts PROGRAM N times, one at
 * a time, with vfork+execve or posix_spawn, and prints one sample per line in
 * nanoseconds (CLOCK_MONOTONIC_RAW), so the benchmark compares spawnring with the
 * fastest a C program does on the same machine in the same run.
 *
 *   sr-floor MODE WORKLOAD N TOUCH_MB PROGRAM [DIR...]
 *
 * MODE      vfork | posix_spawn
 * WORKLOAD  first-instruction: from just before the spawn to the stamp the child
 *           (sr-stamp) writes to fd 4 as its first act; the child is reaped after.
 *           start-reap: from just before the spawn until waitpid returned.
 * TOUCH_MB  memory this process allocates and touches first (a big parent).
 * DIR...    a PATH search: PROGRAM is tried in each directory in turn (vfork:
 *           execve per candidate in the child; posix_spawn: posix_spawnp over a
 *           PATH made of the directories). Without DIRs, PROGRAM is a path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* vfork in a function of its own: the child borrows this frame, not main's. */
static __attribute__((noinline)) pid_t spawn_vfork(char **candidates, int ncand, char **child_argv, int fd4)
{
	pid_t pid = vfork();
	if (pid == 0) {
		/* dup2 onto itself keeps FD_CLOEXEC: clear it then, as posix_spawn does. */
		if (fd4 >= 0 && (fd4 == 4 ? fcntl(4, F_SETFD, 0) : dup2(fd4, 4)) < 0)
			_exit(126);
		for (int i = 0; i < ncand; i++)
			execve(candidates[i], child_argv, environ);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: sr-floor vfork|posix_spawn first-instruction|start-reap N TOUCH_MB PROGRAM [DIR...]\n");
		return 2;
	}
	int use_vfork = strcmp(argv[1], "vfork") == 0;
	int first_instruction = strcmp(argv[2], "first-instruction") == 0;
	long n = atol(argv[3]);
	long touch_mb = atol(argv[4]);
	const char *program = argv[5];
	int ndirs = argc - 6;
	char **dirs = argv + 6;

	if (touch_mb > 0) {
		size_t size = (size_t)touch_mb << 20;
		char *big = malloc(size);
		if (big == NULL)
			die("malloc");
		for (size_t i = 0; i < size; i += 4096)
			big[i] = 1;
	}

	/* The candidates of a PATH search, built before timing starts. */
	char **candidates = calloc((size_t)(ndirs > 0 ? ndirs : 1), sizeof *candidates);
	int ncand = 0;
	if (ndirs == 0) {
		candidates[ncand++] = (char *)program;
	} else {
		size_t pathlen = 1;
		for (int i = 0; i < ndirs; i++) {
			if (asprintf(&candidates[ncand++], "%s/%s", dirs[i], program) < 0)
				die("asprintf");
			pathlen += strlen(dirs[i]) + 1;
		}
		char *path = calloc(pathlen, 1);
		for (int i = 0; i < ndirs; i++) {
			if (i > 0)
				strcat(path, ":");
			strcat(path, dirs[i]);
		}
		setenv("PATH", path, 1);
	}
	char *child_argv[] = { (char *)program, NULL };

	for (long iter = 0; iter < n; iter++) {
		int p[2] = { -1, -1 };
		if (first_instruction && pipe2(p, O_CLOEXEC) < 0)
			die("pipe2");
		int64_t t0 = now_ns();
		pid_t pid;
		if (use_vfork) {
			pid = spawn_vfork(candidates, ncand, child_argv, first_instruction ? p[1] : -1);
			if (pid < 0)
				die("vfork");
		} else {
			posix_spawn_file_actions_t fa;
			posix_spawn_file_actions_init(&fa);
			if (first_instruction)
				posix_spawn_file_actions_adddup2(&fa, p[1], 4);
			int err = ndirs == 0 ? posix_spawn(&pid, program, &fa, NULL, child_argv, environ)
					     : posix_spawnp(&pid, program, &fa, NULL, child_argv, environ);
			posix_spawn_file_actions_destroy(&fa);
			if (err != 0) {
				errno = err;
				die("posix_spawn");
			}
		}
		int64_t sample = 0;
		if (first_instruction) {
			close(p[1]);
			int64_t stamp[2];
			if (read(p[0], stamp, sizeof stamp) != (ssize_t)sizeof stamp) {
				fprintf(stderr, "sr-floor: %s wrote no stamp on fd 4\n", program);
				return 3;
			}
			close(p[0]);
			sample = stamp[0] * 1000000000 + stamp[1] - t0;
		}
		int status;
		if (waitpid(pid, &status, 0) < 0)
			die("waitpid");
		if (!first_instruction)
			sample = now_ns() - t0;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "sr-floor: %s ended with status %#x\n", program, status);
			return 3;
		}
		printf("%lld\n", (long long)sample);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
