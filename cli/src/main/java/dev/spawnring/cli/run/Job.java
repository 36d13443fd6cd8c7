package dev.spawnring.cli.run;

import dev.spawnring.Child;
import java.util.List;

/** One input's job for {@link Runner}, alive from its start to its last attempt's end. */
final class Job {
    /** Its number, from 1, in input order ({@code {#}}). */
    final long seq;
    /** The input values it was made from. */
    final List<byte[]> inputs;
    /** Its job slot ({@code {%}}), from 1, while an attempt runs. */
    int slot;
    /** Attempts made before this one (retries). */
    int attempt;
    long startMillis;
    long startNanos;
    /** The current attempt's child, once spawned. */
    Child child;
    /** Killed by {@code --halt now}: its output is not printed. */
    boolean killedByHalt;
    /** The argv the template gave. */
    List<byte[]> argv;
    /** {@code --tag}: what its lines start with, or null. */
    byte[] prefix;
    /** {@code --pipe}: the bytes of its stdin. */
    long sent;
    /** The bytes it wrote to stdout ({@code --line-buffer}: counted as they pass). */
    volatile long received;
    /** Its host and files with {@code -S} or {@code --workdir} ({@link Remotes}), else null. */
    Remotes.Place place;

    Job(long seq, List<byte[]> inputs) {
        this.seq = seq;
        this.inputs = inputs;
    }
}
