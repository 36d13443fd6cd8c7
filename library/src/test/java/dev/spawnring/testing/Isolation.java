package dev.spawnring.testing;

/**
 * The suites tagged {@value #TAG} count what the whole JVM holds (open fds, threads, children,
 * live {@code NativeMemory} blocks) and compare before with after: another test's garbage, a
 * stream given back by a cleaner or a loop thread still ending, would move the count under
 * them. The pom runs them apart from the rest, each class in a JVM of its own (the Surefire
 * execution {@code isolated}), so their counts can be exact.
 */
public final class Isolation {
    /** {@code @Tag(Isolation.TAG)}: runs in a JVM of its own, not in the one the other tests share. */
    public static final String TAG = "isolated";

    private Isolation() {
    }
}
