package dev.spawnring.internal.sys;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How libspawnring.so is found, checked and loaded: a library built for another machine is
 * refused before dlopen with its machine named; a jar's library is copied once into a private
 * cache folder, named by its hash, checked byte for byte before each use, replaced when it is
 * not the jar's, written so that concurrent JVMs never see half of it; a folder someone else
 * may write to is refused; and another OS or architecture is refused before any system call.
 * (What a JVM that cannot load the library says, end to end, is NativeFailureTest's.)
 */
class NativeLibraryTest {
    @TempDir
    Path tmp;

    /** The library this build made, as the class path holds it (target/classes). */
    private static byte[] library() throws IOException {
        try (var in = NativeLibrary.class.getResourceAsStream(NativeLibrary.RESOURCE)) {
            assertNotNull(in, "the build's " + NativeLibrary.RESOURCE);
            return in.readAllBytes();
        }
    }

    /** A jar holding {@code lib} where spawnring's jar holds its library; the URL of that entry. */
    private URL jarWith(byte[] lib) throws IOException {
        Path jar = tmp.resolve("spawnring-test.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry(NativeLibrary.RESOURCE.substring(1)));
            out.write(lib);
            out.closeEntry();
        }
        return URI.create("jar:" + jar.toUri() + "!" + NativeLibrary.RESOURCE).toURL();
    }

    private static byte[] withMachine(byte[] lib, int machine) {
        byte[] patched = lib.clone();
        patched[18] = (byte) machine;
        patched[19] = (byte) (machine >> 8);
        return patched;
    }

    private static List<NativeLibrary.Folder> only(Path dir) {
        return List.of(new NativeLibrary.Folder("test folder", dir));
    }

    @Test
    void aLibraryBuiltForAnotherMachineIsRefusedBeforeDlopenWithItsMachineNamed() throws Exception {
        byte[] arm = withMachine(library(), 183); // EM_AARCH64
        Path file = tmp.resolve("libspawnring.so");
        Files.write(file, arm);
        Path cache = tmp.resolve("cache");
        for (URL url : List.of(file.toUri().toURL(), jarWith(arm))) {
            long start = System.nanoTime();
            UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                    () -> NativeLibrary.load(url, only(cache)));
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "refused at once");
            assertTrue(e.getMessage().contains("is built for aarch64 (ELF e_machine 183)"), e.getMessage());
            assertTrue(e.getMessage().contains("this JVM runs on x86_64"), e.getMessage());
            assertTrue(e.getMessage().contains("use a spawnring jar built for Linux x86_64"), e.getMessage());
            assertFalse(e.getMessage().contains(NativeLibrary.DIR_PROPERTY), "no folder is the fix: " + e.getMessage());
        }
        assertFalse(Files.exists(cache), "nothing copied for a library that cannot load");
    }

    @Test
    void somethingThatIsNotAnElfFileIsRefusedAsSuch() throws Exception {
        Path file = tmp.resolve("libspawnring.so");
        Files.writeString(file, "not a library");
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class,
                () -> NativeLibrary.load(file.toUri().toURL(), only(tmp.resolve("cache"))));
        assertTrue(e.getMessage().contains("is not an ELF file"), e.getMessage());
    }

    @Test
    void aMissingLibrarySaysSo() {
        UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.load(null, List.of()));
        assertTrue(e.getMessage().contains("spawnring's native library is missing"), e.getMessage());
    }

    @Test
    void anotherOsOrArchitectureIsRefusedNamingIt() {
        assertDoesNotThrow(() -> NativeLibrary.checkPlatform("Linux", "amd64"));
        UnsupportedOperationException arm = assertThrows(UnsupportedOperationException.class,
                () -> NativeLibrary.checkPlatform("Linux", "aarch64"));
        assertTrue(arm.getMessage().contains("spawnring runs on Linux x86_64 only"), arm.getMessage());
        assertTrue(arm.getMessage().contains("this JVM runs on Linux aarch64"), arm.getMessage());
        UnsupportedOperationException mac = assertThrows(UnsupportedOperationException.class,
                () -> NativeLibrary.checkPlatform("Mac OS X", "aarch64"));
        assertTrue(mac.getMessage().contains("this JVM runs on Mac OS X aarch64"), mac.getMessage());
    }

    @Test
    void aJarsLibraryIsCopiedOnceIntoAPrivateFolderNamedByItsHashAndLoadedFromThere() throws Exception {
        byte[] lib = library();
        Path cache = tmp.resolve("cache");
        NativeLibrary.Loaded loaded = NativeLibrary.load(jarWith(lib), only(cache));
        assertTrue(loaded.lookup().find("sr_call").isPresent(), "the copy is loaded");
        Path file = loaded.path();
        assertEquals(cache, file.getParent());
        assertTrue(file.getFileName().toString().matches("libspawnring-[0-9a-f]{64}\\.so"), file.toString());
        assertArrayEquals(lib, Files.readAllBytes(file));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cache)));
        assertEquals("r-x------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        // A later JVM finds the copy and uses it as it is: not written again.
        Object inode = Files.getAttribute(file, "unix:ino");
        var modified = Files.getLastModifiedTime(file);
        String hash = file.getFileName().toString().substring("libspawnring-".length(), 64 + "libspawnring-".length());
        assertEquals(file, NativeLibrary.copy(cache, lib, hash));
        assertEquals(inode, Files.getAttribute(file, "unix:ino"));
        assertEquals(modified, Files.getLastModifiedTime(file));
        try (var listing = Files.list(cache)) {
            assertEquals(List.of(file), listing.toList(), "nothing else left in the folder");
        }
    }

    @Test
    void aCopyThatIsNotTheJarsLibraryIsReplacedBeforeUse() throws Exception {
        byte[] lib = library();
        Path cache = Files.createDirectory(tmp.resolve("cache"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        String hash = "0".repeat(64);
        Path file = cache.resolve("libspawnring-" + hash + ".so");
        Files.write(file, withMachine(lib, 183)); // a damaged or tampered copy under the right name
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
        assertEquals(file, NativeLibrary.copy(cache, lib, hash));
        assertArrayEquals(lib, Files.readAllBytes(file));
        Files.write(file, new byte[0], java.nio.file.StandardOpenOption.TRUNCATE_EXISTING); // half written
        assertEquals(file, NativeLibrary.copy(cache, lib, hash));
        assertArrayEquals(lib, Files.readAllBytes(file));
    }

    @Test
    void aFolderOthersMayWriteToIsRefusedAndTheFixIsNamed() throws Exception {
        Path open = Files.createDirectory(tmp.resolve("shared"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxrwxrwx")));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx")); // past the umask
        IOException e = assertThrows(IOException.class, () -> NativeLibrary.copy(open, library(), "0".repeat(64)));
        assertTrue(e.getMessage().contains("others may write to it (rwxrwxrwx)"), e.getMessage());

        URL jar = jarWith(library());
        UnsatisfiedLinkError all = assertThrows(UnsatisfiedLinkError.class, () -> NativeLibrary.load(jar,
                List.of(new NativeLibrary.Folder("-Dspawnring.native.dir", null),
                        new NativeLibrary.Folder("test folder", open))));
        assertTrue(all.getMessage().contains("-Dspawnring.native.dir: not set"), all.getMessage());
        assertTrue(all.getMessage().contains("test folder (" + open + "): others may write to it"), all.getMessage());
        assertTrue(all.getMessage().contains("Set -Dspawnring.native.dir=<a folder of yours on a filesystem mounted"
                + " without noexec>"), all.getMessage());
        try (var listing = Files.list(open)) {
            assertEquals(List.of(), listing.toList(), "nothing written there");
        }
    }

    @Test
    void copiesMadeAtOnceLeaveOneWholeFileAndNoTemporaryOne() throws Exception {
        byte[] lib = library();
        Path cache = tmp.resolve("cache");
        int writers = 8;
        CyclicBarrier together = new CyclicBarrier(writers);
        List<Future<Path>> copies = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
            for (int i = 0; i < writers; i++) {
                copies.add(pool.submit(() -> {
                    together.await();
                    return NativeLibrary.copy(cache, lib, "1".repeat(64));
                }));
            }
        }
        for (Future<Path> f : copies) {
            assertEquals(cache.resolve("libspawnring-" + "1".repeat(64) + ".so"), f.get());
        }
        try (var listing = Files.list(cache)) {
            List<Path> left = listing.toList();
            assertEquals(1, left.size(), "one file, no temporary one: " + left);
            assertArrayEquals(lib, Files.readAllBytes(left.get(0)));
        }
    }

    @Test
    void theBuildWritesTheLibrarysSha256BesideIt() throws Exception {
        byte[] lib = library();
        String expected = java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(lib));
        try (var in = NativeLibrary.class.getResourceAsStream(NativeLibrary.HASH_RESOURCE)) {
            assertNotNull(in, NativeLibrary.HASH_RESOURCE);
            assertEquals(expected, new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip());
        }
    }

    @Test
    void theFoldersAreTheChosenOneThenTheUsersCacheThenRuntimeThenTmp() {
        List<NativeLibrary.Folder> folders = NativeLibrary.folders();
        assertEquals(4, folders.size(), folders.toString());
        assertEquals("-D" + NativeLibrary.DIR_PROPERTY, folders.get(0).label());
        assertTrue(folders.get(1).label().endsWith("spawnring"), folders.toString());
        assertEquals("$XDG_RUNTIME_DIR/spawnring", folders.get(2).label());
        assertEquals("java.io.tmpdir", folders.get(3).label());
        Path tmpdir = folders.get(3).dir();
        assertNotNull(tmpdir, folders.toString());
        assertTrue(tmpdir.getFileName().toString().matches("spawnring-[0-9]+"), tmpdir.toString());
    }
}
