package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.internal.sys.NativeLibrary;
import dev.spawnring.testing.ChildJvm;
import dev.spawnring.testing.NativeFailureMain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM where spawnring cannot work says so at once, from {@code Spawner.create()} and
 * {@code Ring.open}, with the cause and the fix: a libspawnring.so built for another machine,
 * native access denied ({@code --illegal-native-access=deny}, on the class path and on the
 * module path), another architecture, and every folder the library could be copied to mounted
 * {@code noexec} (in a mount namespace of its own; skipped, saying why, where one cannot be
 * made). Each runs {@link NativeFailureMain} in a JVM of its own; a hang fails the test.
 */
class NativeFailureTest {
    private static final long HANG_SECONDS = 120;

    @TempDir
    Path tmp;

    private static byte[] library() throws Exception {
        try (var in = NativeLibrary.class.getResourceAsStream(NativeLibrary.RESOURCE)) {
            return in.readAllBytes();
        }
    }

    private static Path location(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Runs {@code command}, returns its output (printed too, for the record); fails if it hangs. */
    private static String run(List<String> command) throws Exception {
        try (ChildJvm jvm = ChildJvm.start(command)) {
            jvm.finish(HANG_SECONDS);
            String out = jvm.transcript();
            System.out.println(String.join(" ", command.subList(1, Math.min(command.size(), 4))) + " ...\n" + out);
            return out;
        }
    }

    private static String line(String out, String prefix) {
        return out.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line \"" + prefix + "\" in:\n" + out));
    }

    private static List<String> java(String... options) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ChildJvm.java());
        cmd.add("-Xshare:auto");
        cmd.add("-XX:+UseSerialGC");
        cmd.addAll(List.of(options));
        return cmd;
    }

    @Test
    void aLibraryBuiltForAnotherMachineFailsSpawnerCreateAtOnceNamingTheMachine() throws Exception {
        // A copy of libspawnring.so whose ELF header says aarch64, first on the class path.
        byte[] arm = library();
        arm[18] = (byte) 183;
        arm[19] = 0;
        Path first = tmp.resolve("arm");
        Path lib = first.resolve(NativeLibrary.RESOURCE.substring(1));
        Files.createDirectories(lib.getParent());
        Files.write(lib, arm);
        List<String> cmd = java("--enable-native-access=ALL-UNNAMED");
        cmd.addAll(List.of("-cp", first + ":" + ChildJvm.classpath(), NativeFailureMain.class.getName()));
        String out = run(cmd);
        for (String what : List.of("spawner", "ring")) {
            String l = line(out, what + " ");
            assertTrue(l.startsWith(what + " refused java.lang.UnsatisfiedLinkError: spawnring's native library "), l);
            assertTrue(l.contains(lib + " is built for aarch64 (ELF e_machine 183), and this JVM runs on x86_64"), l);
            assertTrue(l.contains("use a spawnring jar built for Linux x86_64"), l);
            assertFalse(l.contains(NativeLibrary.DIR_PROPERTY), "no folder is the fix: " + l);
        }
    }

    @Test
    void nativeAccessDeniedOnTheClassPathNamesEnableNativeAccessAllUnnamed() throws Exception {
        List<String> cmd = java("--illegal-native-access=deny");
        cmd.addAll(List.of("-cp", ChildJvm.classpath(), NativeFailureMain.class.getName()));
        String out = run(cmd);
        for (String what : List.of("spawner", "ring")) {
            String l = line(out, what + " ");
            assertTrue(l.startsWith(what + " refused java.lang.IllegalCallerException: spawnring needs native access"), l);
            assertTrue(l.contains("spawnring is on the class path, so run java with --enable-native-access=ALL-UNNAMED"),
                    l);
        }
        assertFalse(out.contains("ExceptionInInitializerError"), out);
    }

    @Test
    void nativeAccessDeniedOnTheModulePathNamesEnableNativeAccessForTheModule() throws Exception {
        List<String> cmd = java("--illegal-native-access=deny");
        cmd.addAll(List.of("-p", location(Spawner.class).toString(), "--add-modules", "dev.spawnring",
                "-cp", location(NativeFailureMain.class).toString(), NativeFailureMain.class.getName()));
        String out = run(cmd);
        for (String what : List.of("spawner", "ring")) {
            String l = line(out, what + " ");
            assertTrue(l.startsWith(what + " refused java.lang.IllegalCallerException: spawnring needs native access"), l);
            assertTrue(l.contains("spawnring is on the module path (module dev.spawnring), so run java with"
                    + " --enable-native-access=dev.spawnring"), l);
        }
    }

    @Test
    void anotherArchitectureIsRefusedBeforeAnySystemCall() throws Exception {
        List<String> cmd = java("--enable-native-access=ALL-UNNAMED", "-Dos.arch=aarch64");
        cmd.addAll(List.of("-cp", ChildJvm.classpath(), NativeFailureMain.class.getName()));
        String out = run(cmd);
        for (String what : List.of("spawner", "ring")) {
            String l = line(out, what + " ");
            assertTrue(l.startsWith(what + " refused java.lang.UnsupportedOperationException: spawnring runs on Linux"
                    + " x86_64 only"), l);
            assertTrue(l.contains("this JVM runs on Linux aarch64"), l);
        }
    }

    @Test
    void everyFolderMountedNoexecNamesEachFolderAndTheProperty() throws Exception {
        Assumptions.assumeTrue(canMountInANamespace(), "skipped: cannot make a mount namespace with a noexec tmpfs"
                + " here (needs unshare and CAP_SYS_ADMIN)");
        // The library in a jar (so it must be copied), home and tmp on a noexec tmpfs.
        Path jar = tmp.resolve("spawnring-lib.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry(NativeLibrary.RESOURCE.substring(1)));
            out.write(library());
            out.closeEntry();
        }
        Path noexec = Files.createDirectory(tmp.resolve("noexec"));
        Path exec = Files.createDirectory(tmp.resolve("exec"));
        for (String chosen : new String[] {null, exec.toString()}) {
            List<String> cmd = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs -o noexec tmpfs \"$0\" && exec \"$@\"", noexec.toString()));
            cmd.addAll(java("--enable-native-access=ALL-UNNAMED", "-Duser.home=" + noexec.resolve("home"),
                    "-Djava.io.tmpdir=" + noexec.resolve("tmp")));
            if (chosen != null) {
                cmd.add("-D" + NativeLibrary.DIR_PROPERTY + "=" + chosen);
            }
            cmd.addAll(List.of("-cp", jar + ":" + ChildJvm.classpath(), NativeFailureMain.class.getName()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().remove("XDG_CACHE_HOME");
            pb.environment().remove("XDG_RUNTIME_DIR");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(HANG_SECONDS, java.util.concurrent.TimeUnit.SECONDS), "hung");
            System.out.println("noexec, -D" + NativeLibrary.DIR_PROPERTY + "=" + chosen + ":\n" + out);
            if (chosen != null) {
                // The fix the message names works.
                assertEquals("spawner ok exit 0", line(out, "spawner "));
                continue;
            }
            String l = line(out, "spawner ");
            assertTrue(l.startsWith("spawner refused java.lang.UnsatisfiedLinkError: cannot load spawnring's native"
                    + " library: it must be copied out of jar:file:" + jar + "!"), l);
            assertTrue(l.contains("into a folder it can be loaded from, and none would do: "), l);
            assertTrue(l.contains("-D" + NativeLibrary.DIR_PROPERTY + ": not set"), l);
            assertTrue(l.contains("~/.cache/spawnring (" + noexec.resolve("home/.cache/spawnring")
                    + "): mounted noexec? dlopen: "), l);
            assertTrue(l.contains("failed to map segment from shared object"), l);
            assertTrue(l.contains("$XDG_RUNTIME_DIR/spawnring: not set"), l);
            assertTrue(l.contains("java.io.tmpdir (" + noexec.resolve("tmp") + "/spawnring-"), l);
            assertTrue(l.endsWith("Set -D" + NativeLibrary.DIR_PROPERTY + "=<a folder of yours on a filesystem mounted"
                    + " without noexec>"), l);
        }
    }

    private static boolean canMountInANamespace() {
        try {
            Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount -t tmpfs -o noexec tmpfs /mnt").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }
}
