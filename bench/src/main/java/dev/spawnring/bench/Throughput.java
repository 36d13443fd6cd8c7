package dev.spawnring.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** The throughput workload's driver, the same for every contender that runs in this JVM. */
final class Throughput {
    /** Starts one child, waits for it, and fails if it did not exit 0; {@code worker} says which thread asks. */
    interface OneChild {
        void run(int worker) throws Exception;
    }

    private Throughput() {
    }

    /**
     * {@code inFlight} virtual threads, each starting and reaping one child at a time, for {@code ms}.
     *
     * @return {children done, elapsed ns}
     */
    static long[] run(int inFlight, int ms, OneChild child) throws InterruptedException, IOException {
        return run(inFlight, ms, false, child);
    }

    /**
     * {@code inFlight} threads (platform threads, or virtual ones), each starting and reaping one
     * child at a time, for {@code ms}.
     *
     * @return {children done, elapsed ns}
     */
    static long[] run(int inFlight, int ms, boolean platformThreads, OneChild child)
            throws InterruptedException, IOException {
        AtomicLong done = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        long t0 = System.nanoTime();
        long deadline = t0 + ms * 1_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < inFlight; i++) {
            int worker = i;
            threads.add((platformThreads ? Thread.ofPlatform() : Thread.ofVirtual()).start(() -> {
                try {
                    do {
                        child.run(worker);
                        done.incrementAndGet();
                    } while (System.nanoTime() < deadline && failed.get() == null);
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        long elapsed = System.nanoTime() - t0;
        if (failed.get() != null) {
            throw new IOException("throughput: " + failed.get(), failed.get());
        }
        return new long[] {done.get(), elapsed};
    }
}
