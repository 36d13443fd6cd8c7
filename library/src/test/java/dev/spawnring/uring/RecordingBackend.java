package dev.spawnring.uring;

import dev.spawnring.internal.emulated.EmulatedRing;
import dev.spawnring.internal.ring.KernelRing;
import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.internal.ring.RingBackend;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A ring backend that passes everything to a real one (io_uring or the emulation) and
 * records each SQE it is given, as the backend sees it; it can also play a kernel without
 * {@code IORING_NOP_INJECT_RESULT} (6.1 refuses the flag with {@code -EINVAL}).
 */
final class RecordingBackend implements RingBackend {
    /** An SQE as the backend was given it. */
    record Seen(int opcode, int flags, int opFlags, int len, long userData) {
    }

    private final RingBackend real;
    private final boolean nopInject;
    final List<Seen> seen = new ArrayList<>();

    private RecordingBackend(RingBackend real, boolean nopInject) {
        this.real = real;
        this.nopInject = nopInject;
    }

    /** Opens one on {@code backend} (16 entries); skips where io_uring is refused. Use it with {@code Ring.over}. */
    static RecordingBackend open(Backend backend, boolean nopInjectSupported) throws IOException {
        RingBackend real;
        if (backend == Backend.IO_URING) {
            String reason = Ring.ioUringUnavailableReason();
            Assumptions.assumeTrue(reason == null, () -> "skipped: io_uring is not usable here: " + reason);
            real = KernelRing.open(16, 0);
        } else {
            real = new EmulatedRing(16);
        }
        return new RecordingBackend(real, nopInjectSupported);
    }

    @Override
    public int submit(int tail, int waitNr) throws IOException {
        MemorySegment sqes = real.sqes();
        int mask = real.sqEntries() - 1;
        for (int pos = real.sqHead(); pos != tail; pos++) {
            MemorySegment sqe = sqes.asSlice(Layouts.SQE_SIZE * (pos & mask), Layouts.SQE_SIZE);
            seen.add(new Seen(Layouts.opcode(sqe), Layouts.flags(sqe), Layouts.opFlags(sqe), Layouts.len(sqe),
                    Layouts.userData(sqe)));
        }
        return real.submit(tail, waitNr);
    }

    @Override
    public boolean nopInjectSupported() {
        return nopInject && real.nopInjectSupported();
    }

    @Override
    public Backend backend() {
        return real.backend();
    }

    @Override
    public int sqEntries() {
        return real.sqEntries();
    }

    @Override
    public int cqEntries() {
        return real.cqEntries();
    }

    @Override
    public MemorySegment sqes() {
        return real.sqes();
    }

    @Override
    public int sqHead() {
        return real.sqHead();
    }

    @Override
    public boolean peek(RawCqe out) throws IOException {
        return real.peek(out);
    }

    @Override
    public void advance() {
        real.advance();
    }

    @Override
    public void await() throws IOException {
        real.await();
    }

    @Override
    public int setupFlags() {
        return real.setupFlags();
    }

    @Override
    public int features() {
        return real.features();
    }

    @Override
    public OpProbe probe() throws IOException {
        return real.probe();
    }

    @Override
    public void close() {
        real.close();
    }
}
