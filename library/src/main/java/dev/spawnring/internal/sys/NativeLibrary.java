package dev.spawnring.internal.sys;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * spawnring's own native library, {@code libspawnring.so}: the child-side
 * interpreter (the only C in spawnring), loaded through
 * {@link SymbolLookup#libraryLookup(Path, Arena)}, no JNI.
 *
 * <p>The library is the class-path resource {@value #RESOURCE}. Run from a build
 * folder (tests run from {@code target/classes}) it is a plain file and is loaded
 * where it is. Inside a jar (or in a build folder mounted {@code noexec}) it is
 * copied once per JVM into a private folder (owner-only permissions, deleted when
 * the JVM exits) and loaded from there. The folders tried, in order: {@code java.io.tmpdir}, {@code $XDG_RUNTIME_DIR},
 * {@code ~/.cache/spawnring}, and the folder named by the system property
 * {@value #DIR_PROPERTY}; a folder on a {@code noexec} mount (where
 * {@code dlopen} fails with "failed to map segment") moves on to the next one.
 * When none works, {@link #lookup()} throws an {@link UnsatisfiedLinkError} that
 * names every folder tried and why it failed.
 *
 * <p>Loading checks that the library speaks this build's ABI
 * ({@code sr_abi_step_size() == 64}). Native access must be enabled for
 * spawnring ({@code --enable-native-access=dev.spawnring}, or
 * {@code ALL-UNNAMED} on the class path).
 */
public final class NativeLibrary {
    /** The class-path resource holding the library. */
    public static final String RESOURCE = "/native/linux-x86_64/libspawnring.so";
    /** The system property naming a last folder to extract the library to. */
    public static final String DIR_PROPERTY = "spawnring.native.dir";
    /** {@code sizeof(struct sr_step)} this build of the Java side expects. */
    public static final int STEP_SIZE = 64;

    private static final String FILE_NAME = "libspawnring.so";
    private static final int RTLD_NOW = 2;

    private NativeLibrary() {
    }

    /**
     * The library's symbols ({@code sr_spawn}, {@code sr_version}, ...), loading it
     * on first use.
     *
     * @return the lookup, valid for the life of the JVM
     * @throws UnsatisfiedLinkError when the library cannot be found, extracted or
     *                              loaded, or speaks another ABI; the message says why
     */
    public static SymbolLookup lookup() {
        return loaded().lookup();
    }

    /**
     * What {@code sr_version()} returns, e.g. {@code "spawnring-native 1"}: a health
     * check that the library is loaded and callable.
     *
     * @return the version string
     * @throws UnsatisfiedLinkError as {@link #lookup()}
     */
    public static String version() {
        return loaded().version();
    }

    /**
     * The file the library was loaded from (inside the private folder when it was
     * extracted from a jar).
     *
     * @return the library's path
     * @throws UnsatisfiedLinkError as {@link #lookup()}
     */
    public static Path path() {
        return loaded().path();
    }

    private record Loaded(SymbolLookup lookup, String version, Path path) {
    }

    /** Loads once per JVM; a failure is kept and reported again on every call. */
    private static final class Holder {
        static final Loaded LOADED;
        static final UnsatisfiedLinkError FAILURE;

        static {
            Loaded loaded = null;
            UnsatisfiedLinkError failure = null;
            try {
                loaded = load();
            } catch (UnsatisfiedLinkError e) {
                failure = e;
            }
            LOADED = loaded;
            FAILURE = failure;
        }
    }

    private static Loaded loaded() {
        if (Holder.FAILURE != null) {
            UnsatisfiedLinkError e = new UnsatisfiedLinkError(Holder.FAILURE.getMessage());
            e.initCause(Holder.FAILURE);
            throw e;
        }
        return Holder.LOADED;
    }

    private static Loaded load() {
        URL url = NativeLibrary.class.getResource(RESOURCE);
        if (url == null) {
            throw new UnsatisfiedLinkError("spawnring's native library is missing: no class-path resource "
                    + RESOURCE + " (a build without the C step? ./build compile makes it)");
        }
        if ("file".equals(url.getProtocol())) {
            Path file;
            try {
                file = Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw linkError("spawnring's native library has an unusable location " + url, e);
            }
            List<String> tried = new ArrayList<>();
            try {
                return open(file);
            } catch (IllegalArgumentException e) {
                String why = dlopenError(file, e);
                if (!looksLikeNoexec(why)) {
                    throw new UnsatisfiedLinkError("cannot load spawnring's native library " + file + ": " + why);
                }
                // A build folder on a noexec mount: copy it somewhere else, as from a jar.
                tried.add("in place (" + file + "): " + why);
            }
            return extractAndOpen(url, tried);
        }
        return extractAndOpen(url, new ArrayList<>());
    }

    /** Copies the library out of the jar (or build folder), trying one folder after another. */
    private static Loaded extractAndOpen(URL url, List<String> tried) {
        for (String[] candidate : candidates()) {
            String label = candidate[0];
            if (candidate[1] == null) {
                tried.add(label + ": not set");
                continue;
            }
            Path base = Path.of(candidate[1]);
            Path dir = null;
            Path file = null;
            try {
                Files.createDirectories(base, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                dir = Files.createTempDirectory(base, "spawnring-", PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
                dir.toFile().deleteOnExit();
                file = dir.resolve(FILE_NAME);
                try (InputStream in = url.openStream()) {
                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r-x------"));
                // Registered after the folder, so it is deleted before it.
                file.toFile().deleteOnExit();
            } catch (IOException | UnsupportedOperationException | SecurityException e) {
                tried.add(label + " (" + base + "): cannot write the library there: " + e);
                deleteQuietly(file, dir);
                continue;
            }
            try {
                return open(file);
            } catch (IllegalArgumentException e) {
                String why = dlopenError(file, e);
                tried.add(label + " (" + dir + "): " + why);
                deleteQuietly(file, dir);
                if (!looksLikeNoexec(why)) {
                    // Another folder will not help: the library itself does not load.
                    break;
                }
            }
        }
        throw new UnsatisfiedLinkError("cannot load spawnring's native library " + RESOURCE
                + " from " + url + "; tried: " + String.join("; ", tried)
                + " (set -D" + DIR_PROPERTY + "=<a folder on an exec mount> to choose one)");
    }

    /** The folders to extract to, in order, as {label, folder or null when unset}. */
    private static List<String[]> candidates() {
        List<String[]> list = new ArrayList<>();
        list.add(new String[] {"java.io.tmpdir", System.getProperty("java.io.tmpdir")});
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        list.add(new String[] {"$XDG_RUNTIME_DIR", xdg == null || xdg.isBlank() ? null : xdg});
        String home = System.getProperty("user.home");
        list.add(new String[] {"~/.cache/spawnring",
                home == null || home.isBlank() ? null : Path.of(home, ".cache", "spawnring").toString()});
        String dir = System.getProperty(DIR_PROPERTY);
        list.add(new String[] {DIR_PROPERTY, dir == null || dir.isBlank() ? null : dir});
        return list;
    }

    /** Loads {@code file} and checks its ABI; IllegalArgumentException when dlopen fails. */
    private static Loaded open(Path file) {
        SymbolLookup lookup = SymbolLookup.libraryLookup(file, Arena.global());
        Linker linker = Linker.nativeLinker();
        try {
            MethodHandle stepSize = linker.downcallHandle(symbol(lookup, file, "sr_abi_step_size"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            MethodHandle version = linker.downcallHandle(symbol(lookup, file, "sr_version"),
                    FunctionDescriptor.of(ValueLayout.ADDRESS));
            int size = (int) stepSize.invokeExact();
            if (size != STEP_SIZE) {
                throw new UnsatisfiedLinkError("spawnring's native library " + file
                        + " speaks another ABI: sizeof(struct sr_step) is " + size + ", this build expects "
                        + STEP_SIZE + " (a stale libspawnring.so?)");
            }
            MemorySegment v = (MemorySegment) version.invokeExact();
            return new Loaded(lookup, v.reinterpret(256).getString(0), file);
        } catch (UnsatisfiedLinkError e) {
            throw e;
        } catch (Throwable t) {
            throw linkError("spawnring's native library " + file + " failed its health check", t);
        }
    }

    private static MemorySegment symbol(SymbolLookup lookup, Path file, String name) {
        return lookup.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "spawnring's native library " + file + " has no symbol " + name + " (a stale libspawnring.so?)"));
    }

    /**
     * Why {@code dlopen} refuses {@code file}: {@code SymbolLookup.libraryLookup}
     * only says that it failed, so ask {@code dlopen}/{@code dlerror} directly.
     */
    private static String dlopenError(Path file, IllegalArgumentException failure) {
        try {
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            MethodHandle dlopen = linker.downcallHandle(libc.find("dlopen").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle dlerror = linker.downcallHandle(libc.find("dlerror").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS));
            MethodHandle dlclose = linker.downcallHandle(libc.find("dlclose").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment handle = (MemorySegment) dlopen.invokeExact(
                        arena.allocateFrom(file.toString()), RTLD_NOW);
                if (!handle.equals(MemorySegment.NULL)) {
                    int ignored = (int) dlclose.invokeExact(handle);
                    return failure.getMessage();
                }
                MemorySegment message = (MemorySegment) dlerror.invokeExact();
                return message.equals(MemorySegment.NULL) ? failure.getMessage()
                        : message.reinterpret(4096).getString(0);
            }
        } catch (Throwable t) {
            return String.valueOf(failure.getMessage());
        }
    }

    /** dlopen's words for a folder mounted noexec (mmap with PROT_EXEC refused). */
    private static boolean looksLikeNoexec(String why) {
        return why.contains("failed to map segment") || why.contains("Operation not permitted");
    }

    private static void deleteQuietly(Path file, Path dir) {
        for (Path p : new Path[] {file, dir}) {
            if (p != null) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // deleteOnExit is still registered
                }
            }
        }
    }

    private static UnsatisfiedLinkError linkError(String message, Throwable cause) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(message + ": " + cause);
        e.initCause(cause);
        return e;
    }
}
