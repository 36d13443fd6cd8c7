package dev.spawnring.uring;

import java.lang.foreign.MemorySegment;

final class EmulatedRing extends RingBackend {
    static final Probe PROBE = new Probe(0, new boolean[256]);

    EmulatedRing(int entries) {
        throw new UnsupportedOperationException("FALLBACK ring: being written");
    }

    @Override Backend backend() { return Backend.FALLBACK; }
    @Override int sqEntries() { return 0; }
    @Override int cqEntries() { return 0; }
    @Override MemorySegment sqes() { return null; }
    @Override int sqHead() { return 0; }
    @Override int submit(int tail, int count, int waitNr) { return 0; }
    @Override boolean peek(RawCqe out) { return false; }
    @Override void advance() { }
    @Override void await() { }
    @Override int setupFlags() { return 0; }
    @Override int features() { return 0; }
    @Override void close() { }
}
