package dev.spawnring.cli.run;

import java.util.Locale;

/**
 * {@code --halt}: when {@code spawnring run} stops, with GNU parallel's meaning. {@code soon}
 * starts no new job and waits for the running ones; {@code now} also kills the running
 * ones. The condition counts jobs that failed, succeeded or are done (or a percentage of all
 * jobs); legacy values 0, 1, 2, -1, -2 and {@code 1-99%} are accepted as GNU parallel does.
 *
 * @param when    {@link When#NEVER}, {@link When#SOON} or {@link When#NOW}
 * @param why     what is counted
 * @param count   how many jobs it takes (when not a percentage)
 * @param percent the percentage of all jobs it takes, or 0 when {@code count} is used
 */
record Halt(When when, Why why, long count, double percent) {
    /** When to stop. */
    public enum When {
        /** Never: run every job. */
        NEVER,
        /** Start no new job, wait for the running ones. */
        SOON,
        /** Kill the running jobs. */
        NOW
    }

    /** What the condition counts. */
    public enum Why {
        /** Jobs that failed (exit code not 0, or killed). */
        FAIL,
        /** Jobs that succeeded. */
        SUCCESS,
        /** Jobs done, whatever their status. */
        DONE
    }

    /** No halting: every job runs. */
    public static final Halt NEVER = new Halt(When.NEVER, Why.FAIL, 0, 0);

    /**
     * Parses a {@code --halt} value.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static Halt parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        switch (s) {
            case "never", "0":
                return NEVER;
            case "1":
                return new Halt(When.SOON, Why.FAIL, 1, 0);
            case "2":
                return new Halt(When.NOW, Why.FAIL, 1, 0);
            case "-1":
                return new Halt(When.SOON, Why.SUCCESS, 1, 0);
            case "-2":
                return new Halt(When.NOW, Why.SUCCESS, 1, 0);
            default:
                break;
        }
        if (s.matches("[1-9][0-9]?%")) {
            return new Halt(When.SOON, Why.FAIL, 0, Double.parseDouble(s.substring(0, s.length() - 1)));
        }
        int comma = s.indexOf(',');
        int eq = s.indexOf('=');
        if (comma < 0 || eq < comma) {
            throw bad(spec);
        }
        When when = switch (s.substring(0, comma)) {
            case "now" -> When.NOW;
            case "soon" -> When.SOON;
            default -> throw bad(spec);
        };
        Why why = switch (s.substring(comma + 1, eq)) {
            case "fail" -> Why.FAIL;
            case "success" -> Why.SUCCESS;
            case "done" -> Why.DONE;
            default -> throw bad(spec);
        };
        String n = s.substring(eq + 1);
        try {
            if (n.endsWith("%")) {
                double pct = Double.parseDouble(n.substring(0, n.length() - 1));
                if (!(pct > 0 && pct <= 100)) {
                    throw bad(spec);
                }
                return new Halt(when, why, 0, pct);
            }
            long count = Long.parseLong(n);
            if (count < 1) {
                throw bad(spec);
            }
            return new Halt(when, why, count, 0);
        } catch (NumberFormatException e) {
            throw bad(spec);
        }
    }

    private static IllegalArgumentException bad(String spec) {
        return new IllegalArgumentException("--halt " + spec + ": expected never, now|soon,fail|success|done=N "
                + "or =N% (N at least 1), or one of 0, 1, 2, -1, -2, 1-99%");
    }

    /** @return whether this halt ever stops the run */
    public boolean active() {
        return when != When.NEVER;
    }

    /**
     * The number of jobs the condition needs.
     *
     * @param totalJobs all jobs of the run when known, else the jobs started so far
     */
    public double threshold(long totalJobs) {
        return percent > 0 ? totalJobs * percent / 100.0 : count;
    }

    @Override
    public String toString() {
        return when == When.NEVER ? "never"
                : when.name().toLowerCase(Locale.ROOT) + "," + why.name().toLowerCase(Locale.ROOT) + "="
                        + (percent > 0 ? percent + "%" : Long.toString(count));
    }
}
