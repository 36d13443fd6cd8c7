package dev.spawnring.bench;

import dev.spawnring.uring.Backend;
import dev.spawnring.uring.Ring;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The bench's {@code nop} section: the ring alone, no process. */
final class NopThroughput {
    private NopThroughput() {
    }

    /** The ring alone: batches of 32 NOPs submitted and reaped, per backend, rounds alternating. */
    static List<Map<String, Object>> print(PrintWriter out, int batches) throws IOException {
        int rounds = 5;
        List<Backend> backends = new ArrayList<>();
        if (Ring.ioUringUnavailableReason() == null) {
            backends.add(Backend.IO_URING);
        }
        backends.add(Backend.FALLBACK);
        Map<Backend, Samples> perNop = new LinkedHashMap<>();
        List<Ring> rings = new ArrayList<>();
        try {
            for (Backend b : backends) {
                Ring ring = Ring.open(64, b);
                rings.add(ring);
                nopBatches(ring, batches / 10); // warm-up
                perNop.put(b, new Samples(new long[0]));
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = 0; i < backends.size(); i++) {
                    long t0 = System.nanoTime();
                    nopBatches(rings.get(i), batches / rounds);
                    long perOp = (System.nanoTime() - t0) / ((long) (batches / rounds) * 32);
                    perNop.put(backends.get(i), Samples.concat(perNop.get(backends.get(i)), new long[] {perOp}));
                }
            }
        } finally {
            rings.forEach(Ring::close);
        }
        out.printf("%nring round trip: batches of 32 NOPs submitted and reaped, %d batches, median of %d rounds%n",
                batches, rounds);
        out.printf("%-10s %12s %14s%n", "backend", "ns per NOP", "NOPs per s");
        List<Map<String, Object>> json = new ArrayList<>();
        perNop.forEach((b, s) -> {
            out.printf("%-10s %12.0f %14.0f%n", b, s.median(), 1e9 / s.median());
            json.add(Map.of("backend", b.name(), "ns_per_nop", s.median()));
        });
        out.flush();
        return json;
    }

    private static void nopBatches(Ring ring, int batches) throws IOException {
        for (int b = 0; b < batches; b++) {
            for (int i = 0; i < 32; i++) {
                ring.getSqe().prepNop().userData(i);
            }
            ring.submitAndWait(32);
            for (int i = 0; i < 32; i++) {
                ring.cqeSeen(ring.waitCqe());
            }
        }
    }
}
