/*
 * sr-pid-squat: starts a process with exactly the pid PID (clone3 with set_tid, which
 * needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE), as a recycled pid would be: it
 * leads a new session and process group, prints "squatting PID", and waits to be
 * killed. The first process then reports how the squatter ended ("squatter: killed
 * by signal N") and exits. Tests use it to show a signal never reaches a recycled pid.
 *
 *   sr-pid-squat PID
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sr-pid-squat PID\n");
		return 2;
	}
	pid_t want = (pid_t)atol(argv[1]);
	struct clone_args args;
	memset(&args, 0, sizeof args);
	args.exit_signal = SIGCHLD;
	args.set_tid = (uint64_t)(uintptr_t)&want;
	args.set_tid_size = 1;
	long pid = syscall(SYS_clone3, &args, sizeof args);
	if (pid < 0) {
		printf("clone3: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		setsid();
		printf("squatting %ld\n", (long)getpid());
		fflush(stdout);
		for (;;)
			pause();
	}
	int status;
	while (waitpid((pid_t)pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		printf("squatter: killed by signal %d\n", WTERMSIG(status));
	else
		printf("squatter: exit %d\n", WEXITSTATUS(status));
	return 0;
}
