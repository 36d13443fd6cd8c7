package dev.spawnring;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * What {@link Spawner#run} gives back: how the child ended and what it wrote.
 *
 * @param status    how it ended
 * @param stdout    what it wrote to stdout (up to {@link Spawner#CAPTURE_LIMIT} bytes), empty unless stdout is a
 *                  pipe or a {@link Stdio#memfd() memfd}
 * @param stderr    what it wrote to stderr (up to {@link Spawner#CAPTURE_LIMIT} bytes), empty unless stderr is a
 *                  pipe or a {@link Stdio#memfd() memfd}
 * @param truncated whether output beyond {@link Spawner#CAPTURE_LIMIT} was dropped
 */
public record Result(ExitStatus status, byte[] stdout, byte[] stderr, boolean truncated) {
    /**
     * Returns what the child wrote to stdout, decoded as UTF-8.
     *
     * @return the text; malformed input is replaced, not refused
     */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /**
     * Returns what the child wrote to stderr, decoded as UTF-8.
     *
     * @return the text; malformed input is replaced, not refused
     */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /**
     * Returns what the child wrote to stdout, decoded with {@code charset}.
     *
     * @param charset the charset the child wrote in
     * @return the text; malformed input is replaced, not refused
     */
    public String stdoutText(Charset charset) {
        return new String(stdout, charset);
    }
}
