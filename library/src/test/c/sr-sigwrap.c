/*
 * sr-sigwrap: runs a program with some signals blocked, the way a parent that
 * blocked them (a shell's job control, a supervisor) would start it:
 *
 *   sr-sigwrap BLOCKED PROGRAM [ARG...]
 *
 * BLOCKED is a comma-separated list of signal numbers ("10,12"), or "-" for none.
 * The mask survives execve, so PROGRAM starts with those signals blocked.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sr-sigwrap BLOCKED PROGRAM [ARG...]\n");
		return 2;
	}
	sigset_t set;
	sigemptyset(&set);
	if (strcmp(argv[1], "-") != 0) {
		for (char *p = argv[1]; *p != '\0';) {
			char *end;
			long sig = strtol(p, &end, 10);
			if (end == p || sig < 1 || sig > 64 || sigaddset(&set, (int)sig) != 0) {
				fprintf(stderr, "sr-sigwrap: bad signal list %s\n", argv[1]);
				return 2;
			}
			p = *end == ',' ? end + 1 : end;
		}
	}
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
		perror("sr-sigwrap: sigprocmask");
		return 2;
	}
	execvp(argv[2], argv + 2);
	perror("sr-sigwrap: exec");
	return 127;
}
