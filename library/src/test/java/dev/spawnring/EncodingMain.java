package dev.spawnring;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@link LocaleBytesTest} runs in a JVM started under {@code LC_ALL=C}: spawns
 * {@code sr-echo-args} (which writes its argv and envp back, byte for byte) through spawnring
 * and through {@code ProcessBuilder}, and prints each output as one line {@code KEY HEX}.
 */
public final class EncodingMain {
    private EncodingMain() {
    }

    public static void main(String[] args) throws Exception {
        String echo = Path.of(System.getProperty("spawnring.nativeBin"), "sr-echo-args").toString();
        System.out.println("jnu " + System.getProperty("sun.jnu.encoding"));
        try (Spawner s = Spawner.create()) {
            print("spawnring-inherited", s.run(Command.of(echo)).get().stdout());
            print("processbuilder-inherited", processBuilder(List.of(echo), null, null));

            print("spawnring-strings", s.run(Command.of(echo, "h\u00e9llo").env("NEW", "\u00e9")).get().stdout());
            print("processbuilder-strings", processBuilder(List.of(echo, "h\u00e9llo"), "NEW", "\u00e9"));

            List<byte[]> argv = new ArrayList<>();
            argv.add(echo.getBytes(StandardCharsets.UTF_8));
            argv.add(LocaleBytesTest.allBytes());
            for (byte[] one : LocaleBytesTest.eachByte()) {
                argv.add(one);
            }
            Command bytes = Command.ofBytes(argv).env(LocaleBytesTest.LATIN1_NAME, LocaleBytesTest.allBytes())
                    .removeEnv("BAR".getBytes(StandardCharsets.US_ASCII));
            print("spawnring-bytes", s.run(bytes).get().stdout());
            print("command-utf8", bytes.command().get(1).getBytes(StandardCharsets.UTF_8));
        }
        System.out.println("done");
    }

    private static void print(String key, byte[] b) {
        System.out.println(key + " " + HexFormat.of().formatHex(b));
    }

    private static byte[] processBuilder(List<String> argv, String name, String value) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        if (name != null) {
            pb.environment().put(name, value);
        }
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        p.waitFor();
        return out.toByteArray();
    }
}
