package dev.spawnring;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * What {@link Spawner#run} gives back: how the child ended and what it wrote.
 *
 * @param status    how it ended
 * @param stdout    what it wrote to stdout (up to the capture limit), empty unless piped
 * @param stderr    what it wrote to stderr (up to the capture limit), empty unless piped
 * @param truncated whether output beyond the capture limit was dropped
 */
public record Result(ExitStatus status, byte[] stdout, byte[] stderr, boolean truncated) {
    /** @return stdout decoded as UTF-8 */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** @return stderr decoded as UTF-8 */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** @return stdout decoded with {@code charset} */
    public String stdoutText(Charset charset) {
        return new String(stdout, charset);
    }
}
