package dev.spawnring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.spawnring.testing.Spawners;
import dev.spawnring.uring.Backend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bulk reads that go straight from the pipe into the caller's array keep every byte, in order. */
class PipeInputBulkTest {
    @ParameterizedTest
    @EnumSource(Backend.class)
    void mixedReadSizesGetEveryByteInOrder(Backend backend) throws Exception {
        String expected = IntStream.rangeClosed(1, 300_000).mapToObj(Integer::toString)
                .collect(Collectors.joining("\n", "", "\n"));
        try (Spawner s = Spawners.create(backend)) {
            Child child = s.spawn(Command.of("seq", "1", "300000").stdin(Stdio.discard()));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            // Big reads (straight into the array when the pipe holds data), single bytes and
            // small reads (through the ring's buffer) interleaved.
            int[] sizes = {64 << 10, 1, 100, 5000, 1 << 20, 4096, 4095};
            byte[] buf = new byte[1 << 20];
            try (InputStream in = child.stdout()) {
                for (int i = 0; ; i++) {
                    int size = sizes[i % sizes.length];
                    if (size == 1) {
                        int b = in.read();
                        if (b < 0) {
                            break;
                        }
                        got.write(b);
                    } else {
                        int n = in.read(buf, 7, Math.min(size, buf.length - 7));
                        if (n < 0) {
                            break;
                        }
                        got.write(buf, 7, n);
                    }
                }
            }
            assertEquals(ExitStatus.exited(0), child.waitFor());
            assertEquals(expected, got.toString(StandardCharsets.US_ASCII));
        }
    }
}
