package dev.spawnring.cli.run;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as {@code spawnring run} takes them: {@code 500ms}, {@code 2s}, {@code 1.5m}, {@code 1h}; a bare number is seconds. */
final class Durations {
    private static final Pattern DURATION = Pattern.compile("([0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(ms|s|m|h)?");

    private Durations() {
    }

    /**
     * Parses a duration.
     *
     * @param option the option it was given to, for the message
     * @param text   what was given
     * @throws IllegalArgumentException saying what is wrong
     */
    public static Duration parse(String option, String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " " + text
                    + ": not a duration; expected a number with ms, s, m or h (seconds when none), e.g. 500ms, 2s, 1m");
        }
        double n = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double nanos = n * switch (unit) {
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            default -> 3600e9;
        };
        if (nanos > 1e18) {
            throw new IllegalArgumentException(option + " " + text + ": too long");
        }
        return Duration.ofNanos(Math.round(nanos));
    }
}
