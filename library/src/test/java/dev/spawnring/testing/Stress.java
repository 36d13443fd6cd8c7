package dev.spawnring.testing;

/**
 * The sizes of the reliability suites (tests tagged {@value #TAG}): bounded in the default run
 * and in CI, long under {@code ./build test -Pstress}; the pom sets them through
 * {@code systemPropertyVariables}.
 */
public final class Stress {
    /** The tag of the tests whose size scales with these counts; {@code -Pstress} runs only them. */
    public static final String TAG = "stress";

    private Stress() {
    }

    /** {@code spawnring.stress.spawns}: spawns per layer and backend in the leak suites (10,000; 100,000). */
    public static int spawns() {
        return Integer.getInteger("spawnring.stress.spawns", 10_000);
    }

    /** {@code spawnring.stress.virtualThreads}: virtual threads spawning at once (1,000). */
    public static int virtualThreads() {
        return Integer.getInteger("spawnring.stress.virtualThreads", 1_000);
    }

    /** {@code spawnring.stress.rounds}: how often the concurrency and interop storms are repeated (1; 5). */
    public static int rounds() {
        return Integer.getInteger("spawnring.stress.rounds", 1);
    }
}
