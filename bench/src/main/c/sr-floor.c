/*
 * sr-floor: the C floor of spawnring's benchmarks. Starts PROGRAM with
 * vfork+execve or posix_spawn and prints what it measured on stdout, so the
 * benchmark compares spawnring with the fastest a C program does on the same
 * machine in the same run. Times are CLOCK_MONOTONIC nanoseconds (the clock sr-stamp stamps with).
 *
 *   sr-floor MODE WORKLOAD N TOUCH_MB PROGRAM [DIR...]
 *
 * MODE      vfork | posix_spawn
 * TOUCH_MB  memory this process allocates and touches first (a big parent).
 * DIR...    a PATH search: PROGRAM is tried in each directory in turn (vfork:
 *           execve per candidate in the child; posix_spawn: posix_spawnp over a
 *           PATH made of the directories). Without DIRs, PROGRAM is a path.
 * WORKLOAD  what is timed:
 *   first-instruction  N times, one at a time: from just before the spawn to the
 *                      stamp the child (sr-stamp) writes to fd 4 as its first act;
 *                      the child is reaped after. One sample a line.
 *   start-reap         N times, one at a time: from just before the spawn until
 *                      waitpid returned. One sample a line.
 *   throughput:K       for N ms, K children in flight: a new one started as soon as
 *                      waitpid(-1) reaps one; then the last ones are reaped.
 *                      Prints "COMPLETED ELAPSED_NS".
 *   loops:L            for N ms, L processes forked first, each a start-reap loop
 *                      (one child at a time). Prints "COMPLETED ELAPSED_NS".
 *   concurrent         N children started back to back (PROGRAM sleeps, sr-sleep),
 *                      then all reaped with waitpid(-1). Prints "START_NS REAP_NS
 *                      THREADS_ADDED RSS_KB_ADDED", from the first spawn to the
 *                      last started and to the last reaped, and from
 *                      /proc/self/status before and after the starts.
 *   output             one child, PROGRAM N (sr-emit: writes N bytes), its stdout
 *                      a pipe of 1 MiB read to its end with 64 KiB reads. Prints
 *                      "BYTES ELAPSED_NS", from just before the spawn to the reap.
 *   capture            N times, one at a time: the child's stdout a pipe, read to
 *                      its end, then reaped. One sample a line.
 *   start-reap-pipes   N times, one at a time: three pipes made (pipe2 x3), the
 *                      child given their ends as fds 0, 1 and 2 (dup2 in the
 *                      child), the parent's copies of those ends closed, stdin
 *                      closed, stdout then stderr read to their end, then
 *                      waitpid: what spawnring's default (three pipes) does. One
 *                      sample a line, from before the first pipe2 to the reap.
 *   WORKLOAD@US        first-instruction, start-reap or start-reap-pipes with US
 *                      microseconds of computation before each spawn, outside
 *                      the sample: a caller that is busy between spawns, as a
 *                      JVM running spawnring is, where the kernel's balancing at
 *                      execve may move the child to another CPU.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int use_vfork;
/* Microseconds of computation before each one-at-a-time spawn (WORKLOAD@US), or 0. */
static long busy_us;
static int ndirs;
static const char *program;
static char **candidates;
static int ncand;
static char *child_argv[3];

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

/* vfork in a function of its own: the child borrows this frame, not main's.
 * fds from[i] are given to the child as to[i]; a from[i] < 0 is skipped. */
static __attribute__((noinline)) pid_t spawn_vfork(const int *from, const int *to, int n)
{
	pid_t pid = vfork();
	if (pid == 0) {
		for (int i = 0; i < n; i++) {
			/* dup2 onto itself keeps FD_CLOEXEC: clear it then, as posix_spawn does. */
			if (from[i] >= 0 && (from[i] == to[i] ? fcntl(to[i], F_SETFD, 0) : dup2(from[i], to[i])) < 0)
				_exit(126);
		}
		for (int i = 0; i < ncand; i++)
			execve(candidates[i], child_argv, environ);
		_exit(127);
	}
	return pid;
}

/* Starts the program, fds from[i] (those >= 0) given to it as fds to[i]. */
static pid_t spawn_fds(const int *from, const int *to, int n)
{
	pid_t pid;
	if (use_vfork) {
		pid = spawn_vfork(from, to, n);
		if (pid < 0)
			die("vfork");
		return pid;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < n; i++)
		if (from[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, from[i], to[i]);
	int err = ndirs == 0 ? posix_spawn(&pid, program, &fa, NULL, child_argv, environ)
			     : posix_spawnp(&pid, program, &fa, NULL, child_argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		errno = err;
		die("posix_spawn");
	}
	return pid;
}

/* Starts the program, fd `from` (if >= 0) given to it as fd `to`. */
static pid_t spawn(int from, int to)
{
	return spawn_fds(&from, &to, 1);
}

static void check_status(int status)
{
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "sr-floor: %s ended with status %#x\n", program, status);
		exit(3);
	}
}

static void reap(pid_t pid)
{
	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid");
	check_status(status);
}

/* "Threads:" and "VmRSS:" (kB) of /proc/self/status. */
static void proc_status(long *threads, long *rss_kb)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	if (f == NULL)
		die("/proc/self/status");
	while (fgets(line, sizeof line, f) != NULL) {
		sscanf(line, "Threads: %ld", threads);
		sscanf(line, "VmRSS: %ld", rss_kb);
	}
	fclose(f);
}

/* One child at a time until `deadline`; returns how many. */
static long loop_until(int64_t deadline)
{
	long done = 0;
	do {
		reap(spawn(-1, -1));
		done++;
	} while (now_ns() < deadline);
	return done;
}

/* A caller busy between spawns: spins for busy_us microseconds (WORKLOAD@US). */
static void compute(void)
{
	volatile uint64_t x = 0;
	if (busy_us == 0)
		return;
	int64_t end = now_ns() + busy_us * 1000;
	while (now_ns() < end)
		for (int i = 0; i < 64; i++)
			x += (uint64_t)i;
}

static void one_at_a_time(long n, int first_instruction)
{
	for (long iter = 0; iter < n; iter++) {
		int p[2] = { -1, -1 };
		compute();
		if (first_instruction && pipe2(p, O_CLOEXEC) < 0)
			die("pipe2");
		int64_t t0 = now_ns();
		pid_t pid = spawn(p[1], 4);
		int64_t sample = 0;
		if (first_instruction) {
			close(p[1]);
			int64_t stamp[2];
			if (read(p[0], stamp, sizeof stamp) != (ssize_t)sizeof stamp) {
				fprintf(stderr, "sr-floor: %s wrote no stamp on fd 4\n", program);
				exit(3);
			}
			close(p[0]);
			sample = stamp[0] * 1000000000 + stamp[1] - t0;
		}
		reap(pid);
		if (!first_instruction)
			sample = now_ns() - t0;
		printf("%lld\n", (long long)sample);
	}
}

static void throughput(long ms, long k)
{
	int64_t t0 = now_ns(), deadline = t0 + ms * 1000000;
	long inflight = 0, done = 0;
	int more = 1;
	while (more || inflight > 0) {
		while (more && inflight < k) {
			spawn(-1, -1);
			inflight++;
		}
		int status;
		if (waitpid(-1, &status, 0) < 0)
			die("waitpid");
		check_status(status);
		inflight--;
		done++;
		more = now_ns() < deadline;
	}
	printf("%ld %lld\n", done, (long long)(now_ns() - t0));
}

static void loops(long ms, long l)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	int64_t t0 = now_ns(), deadline = t0 + ms * 1000000;
	for (long i = 0; i < l; i++) {
		pid_t w = fork();
		if (w < 0)
			die("fork");
		if (w == 0) {
			long done = loop_until(deadline);
			if (write(p[1], &done, sizeof done) != (ssize_t)sizeof done)
				_exit(2);
			_exit(0);
		}
	}
	close(p[1]);
	long total = 0, done;
	for (long i = 0; i < l; i++) {
		if (read(p[0], &done, sizeof done) != (ssize_t)sizeof done)
			die("sr-floor: a loop died");
		total += done;
	}
	while (wait(NULL) > 0)
		;
	printf("%ld %lld\n", total, (long long)(now_ns() - t0));
}

static void concurrent(long n)
{
	long threads0 = 0, rss0 = 0, threads1 = 0, rss1 = 0;
	proc_status(&threads0, &rss0);
	int64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		spawn(-1, -1);
	int64_t started = now_ns();
	proc_status(&threads1, &rss1);
	for (long i = 0; i < n; i++) {
		int status;
		if (waitpid(-1, &status, 0) < 0)
			die("waitpid");
		check_status(status);
	}
	int64_t reaped = now_ns();
	printf("%lld %lld %ld %ld\n", (long long)(started - t0), (long long)(reaped - t0),
	       threads1 - threads0, rss1 - rss0);
}

static void output(long long bytes)
{
	static char buf[64 << 10];
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		die("pipe2");
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	int64_t t0 = now_ns();
	pid_t pid = spawn(p[1], 1);
	close(p[1]);
	long long got = 0;
	for (;;) {
		ssize_t r = read(p[0], buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		if (r == 0)
			break;
		got += r;
	}
	close(p[0]);
	reap(pid);
	int64_t elapsed = now_ns() - t0;
	if (got != bytes) {
		fprintf(stderr, "sr-floor: read %lld bytes of %lld\n", got, bytes);
		exit(3);
	}
	printf("%lld %lld\n", got, (long long)elapsed);
}

static void capture(long n)
{
	char buf[4096];
	for (long iter = 0; iter < n; iter++) {
		int p[2];
		int64_t t0 = now_ns();
		if (pipe2(p, O_CLOEXEC) < 0)
			die("pipe2");
		pid_t pid = spawn(p[1], 1);
		close(p[1]);
		long got = 0;
		for (;;) {
			ssize_t r = read(p[0], buf, sizeof buf);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += r;
		}
		close(p[0]);
		reap(pid);
		int64_t sample = now_ns() - t0;
		if (got == 0) {
			fprintf(stderr, "sr-floor: %s printed nothing\n", program);
			exit(3);
		}
		printf("%lld\n", (long long)sample);
	}
}

/* Reads fd to its end; returns how many bytes. */
static long drain(int fd)
{
	char buf[4096];
	long got = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read");
		if (r == 0)
			return got;
		got += r;
	}
}

static void start_reap_pipes(long n)
{
	static const int to[3] = { 0, 1, 2 };
	for (long iter = 0; iter < n; iter++) {
		int in[2], out[2], err[2];
		compute();
		int64_t t0 = now_ns();
		if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
			die("pipe2");
		int from[3] = { in[0], out[1], err[1] };
		pid_t pid = spawn_fds(from, to, 3);
		close(in[0]);
		close(out[1]);
		close(err[1]);
		close(in[1]);
		drain(out[0]);
		drain(err[0]);
		close(out[0]);
		close(err[0]);
		reap(pid);
		printf("%lld\n", (long long)(now_ns() - t0));
	}
}

int main(int argc, char **argv)
{
	if (argc < 6) {
		fprintf(stderr, "usage: sr-floor vfork|posix_spawn first-instruction[@US]|start-reap[@US]|throughput:K|"
				"loops:L|concurrent|output|capture|start-reap-pipes[@US] N TOUCH_MB PROGRAM [DIR...]\n");
		return 2;
	}
	use_vfork = strcmp(argv[1], "vfork") == 0;
	char *workload = argv[2];
	char *at = strchr(workload, '@');
	if (at != NULL) {
		*at = '\0';
		busy_us = atol(at + 1);
		if (busy_us <= 0 || !(strcmp(workload, "first-instruction") == 0 || strcmp(workload, "start-reap") == 0
				      || strcmp(workload, "start-reap-pipes") == 0)) {
			fprintf(stderr, "sr-floor: @US takes microseconds > 0 after first-instruction, start-reap or"
					" start-reap-pipes: %s@%s\n", workload, at + 1);
			return 2;
		}
	}
	long n = atol(argv[3]);
	long touch_mb = atol(argv[4]);
	program = argv[5];
	ndirs = argc - 6;
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
	candidates = calloc((size_t)(ndirs > 0 ? ndirs : 1), sizeof *candidates);
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
	const char *base = strrchr(program, '/');
	child_argv[0] = (char *)(base != NULL ? base + 1 : program);
	char count[32];
	if (strcmp(workload, "output") == 0) {
		snprintf(count, sizeof count, "%ld", n);
		child_argv[1] = count;
	}

	if (strcmp(workload, "first-instruction") == 0)
		one_at_a_time(n, 1);
	else if (strcmp(workload, "start-reap") == 0)
		one_at_a_time(n, 0);
	else if (strncmp(workload, "throughput:", 11) == 0)
		throughput(n, atol(workload + 11));
	else if (strncmp(workload, "loops:", 6) == 0)
		loops(n, atol(workload + 6));
	else if (strcmp(workload, "concurrent") == 0)
		concurrent(n);
	else if (strcmp(workload, "output") == 0)
		output(n);
	else if (strcmp(workload, "capture") == 0)
		capture(n);
	else if (strcmp(workload, "start-reap-pipes") == 0)
		start_reap_pipes(n);
	else {
		fprintf(stderr, "sr-floor: unknown workload %s\n", workload);
		return 2;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
