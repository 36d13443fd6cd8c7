package dev.spawnring.bench;

import java.util.Arrays;

/** Timing samples in nanoseconds (or any other unit) and the percentiles the benchmark table shows. */
record Samples(long[] nanos) {
    Samples {
        nanos = nanos.clone();
        Arrays.sort(nanos);
    }

    /** The {@code p}-th percentile (nearest rank), in the samples' own unit. */
    double percentile(double p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * nanos.length);
        return nanos[Math.max(0, Math.min(nanos.length - 1, rank - 1))];
    }

    /** The {@code p}-th percentile (nearest rank) of nanosecond samples, in microseconds. */
    double percentileMicros(double p) {
        return percentile(p) / 1000.0;
    }

    double medianMicros() {
        return percentileMicros(50);
    }

    double median() {
        return percentile(50);
    }

    int size() {
        return nanos.length;
    }

    static Samples concat(Samples a, long[] more) {
        long[] all = Arrays.copyOf(a.nanos, a.nanos.length + more.length);
        System.arraycopy(more, 0, all, a.nanos.length, more.length);
        return new Samples(all);
    }
}
