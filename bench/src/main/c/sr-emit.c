/*
 * sr-emit BYTES: writes BYTES zero bytes to stdout in 1 MiB writes, then exits 0.
 * The child of the output-throughput benchmark: a producer faster than any
 * reader, so the figure is the reader's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <errno.h>

static char buf[1 << 20];

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sr-emit BYTES\n");
		return 2;
	}
	long long left = atoll(argv[1]);
	while (left > 0) {
		ssize_t n = write(1, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("sr-emit: write");
			return 1;
		}
		left -= n;
	}
	return 0;
}
