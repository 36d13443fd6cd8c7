/*
 * sr-stamp: as its first act writes clock_gettime(CLOCK_MONOTONIC_RAW) to fd 4
 * as 16 bytes (tv_sec, tv_nsec, each a native-endian int64), then exits 0.
 * Benchmarks time "spawn until the child's first instruction" with it.
 */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	int64_t stamp[2] = { (int64_t)ts.tv_sec, (int64_t)ts.tv_nsec };
	return write(4, stamp, sizeof stamp) == (ssize_t)sizeof stamp ? 0 : 1;
}
