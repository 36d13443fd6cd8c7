/* sr-true: exits 0 at once; the small static child most tests start. */
int main(void)
{
	return 0;
}
