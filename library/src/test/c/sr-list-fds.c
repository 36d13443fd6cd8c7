/*
 * sr-list-fds: prints the numbers of its open file descriptors, one per line,
 * in increasing order, from /proc/self/fd (leaving out the descriptor it reads
 * that directory with).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

static int by_value(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int main(void)
{
	static int fds[65536];
	size_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	if (d == NULL) {
		perror("sr-list-fds: /proc/self/fd");
		return 1;
	}
	int self = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < sizeof fds / sizeof fds[0]) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		int fd = atoi(e->d_name);
		if (fd != self)
			fds[n++] = fd;
	}
	closedir(d);
	qsort(fds, n, sizeof fds[0], by_value);
	for (size_t i = 0; i < n; i++)
		printf("%d\n", fds[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}
