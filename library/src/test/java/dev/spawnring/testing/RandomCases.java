package dev.spawnring.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.opentest4j.TestAbortedException;

/**
 * Seeded random cases for the tests that check a property over many inputs: each case is
 * drawn from a {@link Random} of its own seed, and a failing case names that seed, so that
 * {@code -Dspawnring.test.seed=N} runs exactly that case again (and only it).
 *
 * <pre>{@code
 * RandomCases.check(random -> new Input(...draw from random...), input -> {
 *     ... assertions on input ...
 * });
 * }</pre>
 *
 * <p>{@code spawnring.test.tries} (set by the pom: 100; 1,000 under {@code -Pstress}) is how
 * many cases a check draws unless it names a count of its own.
 */
public final class RandomCases {
    /** The seed of one case to run again; when set, each check runs that case only. */
    public static final String SEED = "spawnring.test.seed";

    /** How many cases a check draws by default. */
    public static final String TRIES = "spawnring.test.tries";

    private RandomCases() {
    }

    /** A check on one input; may throw anything a test may. */
    @FunctionalInterface
    public interface Check<T> {
        void accept(T input) throws Exception;
    }

    /** @return {@code spawnring.test.tries} (100 unless the pom says otherwise) */
    public static int tries() {
        return Integer.getInteger(TRIES, 100);
    }

    /** Runs {@code check} on {@link #tries()} inputs drawn by {@code draw}. */
    public static <T> void check(Function<Random, T> draw, Check<? super T> check) throws Exception {
        check(tries(), draw, check);
    }

    /**
     * Runs {@code check} on {@code tries} inputs, each drawn by {@code draw} from a
     * {@link Random} of its own seed; stops at the first failure, with the input and its seed
     * in the message. With {@code -Dspawnring.test.seed=N}, draws the one input of seed N.
     */
    public static <T> void check(int tries, Function<Random, T> draw, Check<? super T> check) throws Exception {
        List<Long> seeds = new ArrayList<>();
        Long given = Long.getLong(SEED);
        if (given != null) {
            seeds.add(given);
        } else {
            for (int i = 0; i < tries; i++) {
                seeds.add(ThreadLocalRandom.current().nextLong());
            }
        }
        for (int i = 0; i < seeds.size(); i++) {
            long seed = seeds.get(i);
            T input = draw.apply(new Random(seed));
            try {
                check.accept(input);
            } catch (TestAbortedException skipped) {
                throw skipped;
            } catch (Exception | AssertionError e) {
                throw new AssertionError("case " + (i + 1) + " of " + seeds.size() + " failed (-D" + SEED + "=" + seed
                        + " runs it again): " + input + "\n" + e, e);
            }
        }
    }

    // ---- drawing

    /** One of {@code values}. */
    @SafeVarargs
    public static <T> T oneOf(Random random, T... values) {
        return values[random.nextInt(values.length)];
    }

    /** An int in {@code [min, max]}, either bound one time in eight. */
    public static int between(Random random, int min, int max) {
        return switch (random.nextInt(16)) {
            case 0 -> min;
            case 1 -> max;
            default -> min + (int) (random.nextLong((long) max - min + 1));
        };
    }

    /** Values where bit widths end, which a uniform draw almost never hits. */
    private static final long[] EDGES = {1, -1, 2, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffffL, 0x80000000L,
            0xffffffffL, 0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE};

    /** A long other than 0: one time in four an edge (1, -1, 0xffff, 0x10000, 2^32, Long.MIN_VALUE, ...). */
    public static long nonZeroLong(Random random) {
        if (random.nextInt(4) == 0) {
            return EDGES[random.nextInt(EDGES.length)];
        }
        long v;
        do {
            v = random.nextLong();
        } while (v == 0);
        return v;
    }
}
