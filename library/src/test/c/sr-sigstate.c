/*
 * sr-sigstate: prints its signal state as the kernel reports it, the SigBlk
 * (blocked mask) and SigIgn (ignored signals) lines of /proc/self/status, e.g.
 *   SigBlk:	0000000000004200
 *   SigIgn:	0000000000000000
 * Bit n-1 of each hex mask is signal n.
 */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	if (f == NULL) {
		perror("sr-sigstate: /proc/self/status");
		return 1;
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0)
			fputs(line, stdout);
	fclose(f);
	return fflush(stdout) == 0 ? 0 : 1;
}
