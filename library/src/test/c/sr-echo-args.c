/*
 * sr-echo-args: writes what it was started with to stdout, byte for byte:
 * each argv element followed by '\0', then the line "--env--", then each envp
 * entry followed by '\0'. Tests read it back to check argv/envp round trips.
 */
#include <string.h>
#include <unistd.h>

static int put(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, p, n);
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	for (int i = 0; i < argc; i++)
		if (put(argv[i], strlen(argv[i]) + 1) < 0)
			return 1;
	if (put("--env--\n", 8) < 0)
		return 1;
	for (char **e = envp; *e != NULL; e++)
		if (put(*e, strlen(*e) + 1) < 0)
			return 1;
	return 0;
}
