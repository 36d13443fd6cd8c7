package dev.spawnring.cli.run;

import java.util.List;

/**
 * What the jobs of one {@code spawnring run} came to: how many started, ended and failed
 * (what the progress bar shows), whether {@code --halt}'s condition is met (GNU parallel's
 * {@code should_we_halt}), and the exit status. Changed under the {@link Runner}'s lock;
 * the counts are read without it.
 */
final class Tally {
    private static final String NAME = "spawnring run";

    private final Halt halt;
    private final Inputs inputs;
    private volatile long started;
    private volatile long done;
    private volatile long failed;
    /** The exit status {@code --halt} set, once it was met. */
    private Integer haltStatus;

    Tally(Halt halt, Inputs inputs) {
        this.halt = halt;
        this.inputs = inputs;
    }

    /** A job's first attempt started. */
    void started() {
        started++;
    }

    /** A job that was to be retried when the run stopped: it failed. */
    void abandoned() {
        done++;
        failed++;
    }

    long done() {
        return done;
    }

    long failed() {
        return failed;
    }

    /** The total jobs, for percentages: all inputs when known, else the jobs started. */
    private long total() {
        long total = inputs.total();
        return total >= 0 ? total : started;
    }

    /**
     * Counts a job's final result and checks {@code --halt}'s condition.
     *
     * @param display  the job's command line, for the messages
     * @param messages where the messages {@code --halt} prints go
     * @return whether the run must halt ({@link Halt#when()} says how)
     */
    boolean finished(boolean ok, int exitval, int signal, byte[] display, List<byte[]> messages) {
        done++;
        if (!ok) {
            failed++;
        }
        if (!halt.active()) {
            return false;
        }
        long limit = -1;
        if (!ok && halt.why() == Halt.Why.FAIL) {
            messages.add(message("This job failed", display));
            limit = failed;
        } else if (ok && halt.why() == Halt.Why.SUCCESS) {
            messages.add(message("This job succeeded", display));
            limit = done - failed;
        }
        if (halt.why() == Halt.Why.DONE) {
            messages.add(message("This job finished", display));
            limit = done;
        }
        if (limit < 0 || limit < halt.threshold(total())) {
            return false;
        }
        if (haltStatus == null) {
            if (halt.why() == Halt.Why.SUCCESS) {
                haltStatus = 0;
            } else if (halt.percent() > 0) {
                haltStatus = percentFailed();
            } else if (halt.count() == 1) {
                // GNU parallel: the job's exit value, or 128 + its signal (-1, a timeout, is 255).
                haltStatus = exitval != 0 ? exitval & 0xff : signal != 0 ? 128 + signal : 0;
            } else {
                haltStatus = (int) Math.min(failed, 101);
            }
        }
        return true;
    }

    /** @return {@code spawnring run: WHAT:}, a newline, the job's command line (its bytes), a newline */
    private static byte[] message(String what, byte[] display) {
        return new Bytes.Builder().append(Bytes.of(NAME + ": " + what + ":\n")).append(display).append((byte) '\n')
                .toBytes();
    }

    private int percentFailed() {
        return (int) Math.ceil(failed * 100.0 / Math.max(1, total()));
    }

    /**
     * @param error whether the run itself failed (input, joblog, output)
     * @return GNU parallel's exit status: 255 on an error, the {@code --halt} status, the
     *         percentage or the number (at most 101) of failed jobs
     */
    int exitStatus(boolean error) {
        if (error) {
            return 255;
        }
        if (haltStatus != null) {
            return haltStatus;
        }
        if (halt.active() && halt.percent() > 0) {
            return percentFailed();
        }
        return (int) Math.min(failed, 101);
    }
}
