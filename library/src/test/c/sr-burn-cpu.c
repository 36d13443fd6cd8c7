/*
 * sr-burn-cpu MS: burns MS milliseconds of its own CPU time (CLOCK_PROCESS_CPUTIME_ID),
 * whatever the machine's load, then exits 0: work of a known size for the usage tests.
 */
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 200;
	struct timespec ts;
	volatile unsigned long spin = 0;

	for (;;) {
		for (int i = 0; i < 100000; i++)
			spin++;
		if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
			return 2;
		if (ts.tv_sec * 1000L + ts.tv_nsec / 1000000L >= ms)
			return 0;
	}
}
