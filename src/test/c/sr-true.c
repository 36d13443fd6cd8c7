/*
 * sr-true: exits 0 at once. The smallest child the tests and benchmarks
 * start (built static, so no dynamic loading is timed).
 */
int main(void)
{
	return 0;
}
