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
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * spawnring's own native library, {@code libspawnring.so}: the child-side interpreter
 * and {@code sr_call}, the one function the Java side links ({@link SrCall}); loaded
 * through {@link SymbolLookup#libraryLookup(Path, Arena)}, no JNI.
 *
 * <p><b>Where it is loaded from.</b> The library is the class-path resource
 * {@value #RESOURCE}. Run from a build folder (tests run from {@code target/classes}) it
 * is a plain file and is loaded where it is. Inside a jar it is copied once per user and
 * version into a cache folder and loaded from there by every later JVM: the copy is named
 * by the library's SHA-256 ({@code libspawnring-<sha256>.so}, the hash written by the
 * build beside the library), compared byte for byte with the jar's before each use,
 * written to a temporary file and renamed into place (so that concurrent JVMs never see
 * half a file), and never deleted at exit. The folders, in order: the one named by
 * {@code -D}{@value #DIR_PROPERTY}, {@code $XDG_CACHE_HOME/spawnring} (or
 * {@code ~/.cache/spawnring}), {@code $XDG_RUNTIME_DIR/spawnring},
 * {@code java.io.tmpdir/spawnring-<uid>}. Each is created owner-only ({@code rwx------})
 * and used only if it belongs to this user and no one else may write to it; one on a
 * {@code noexec} mount (where {@code dlopen} fails with "failed to map segment") moves on
 * to the next.
 *
 * <p><b>A clear "no", at once.</b> The first native call spawnring makes loads the
 * library, so {@code Spawner.create()} and {@code Ring.open} fail there, never later on
 * an event loop, with the cause and the fix in the message:
 * <ul>
 *   <li>{@link UnsupportedOperationException} on another OS or architecture than Linux
 *       x86_64 (checked before any system call number is used: they are x86_64's);</li>
 *   <li>{@link UnsatisfiedLinkError} when the library is missing, built for another machine
 *       (its ELF {@code e_machine} is named), refused by {@code dlopen} (its reason given),
 *       speaks another ABI, or finds no folder it may be loaded from (each folder and why it
 *       was refused);</li>
 *   <li>{@link IllegalCallerException} when the JVM denies native access, naming the flag
 *       to pass: {@code --enable-native-access=dev.spawnring} on the module path,
 *       {@code --enable-native-access=ALL-UNNAMED} on the class path.</li>
 * </ul>
 * A failure is kept: every later call throws the same again.
 */
public final class NativeLibrary {
    /** The class-path resource holding the library. */
    public static final String RESOURCE = "/native/linux-x86_64/libspawnring.so";
    /** The class-path resource holding the library's SHA-256 in hex, written by the build. */
    static final String HASH_RESOURCE = RESOURCE + ".sha256";
    /** The system property naming the first folder to copy the library to. */
    public static final String DIR_PROPERTY = "spawnring.native.dir";
    /** {@code sizeof(struct sr_step)} this build of the Java side expects. */
    public static final int STEP_SIZE = 64;

    /** {@code EM_X86_64}: the ELF machine this Java side's system call numbers and layouts are for. */
    static final int EM_X86_64 = 62;
    private static final int RTLD_NOW = 2;
    /** A temporary file left by a JVM that died while writing a copy is removed after this long. */
    private static final long STALE_TEMP_MILLIS = 3_600_000L;
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("r-x------");

    private NativeLibrary() {
    }

    /**
     * The library's symbols ({@code sr_call}, {@code sr_spawn}, ...), loading it on first use.
     *
     * @return the lookup, valid for the life of the JVM
     * @throws UnsatisfiedLinkError           when the library cannot be found, copied or loaded
     * @throws UnsupportedOperationException  on another OS or architecture than Linux x86_64
     * @throws IllegalCallerException         when the JVM denies spawnring native access
     */
    public static SymbolLookup lookup() {
        return loaded().lookup();
    }

    /**
     * What {@code sr_version()} returns, e.g. {@code "spawnring-native 1"}: a health
     * check that the library is loaded and callable.
     *
     * @return the version string
     * @throws UnsatisfiedLinkError as {@link #lookup()}, and the other exceptions it names
     */
    public static String version() {
        long p = SrCall.call(SrCall.VERSION, 0, 0, 0, 0, 0, 0);
        return MemorySegment.ofAddress(p).reinterpret(256).getString(0);
    }

    /**
     * The file the library was loaded from: in the build folder, or its copy in the cache.
     *
     * @return the library's path
     * @throws UnsatisfiedLinkError as {@link #lookup()}, and the other exceptions it names
     */
    public static Path path() {
        return loaded().path();
    }

    record Loaded(SymbolLookup lookup, Path path) {
    }

    /** A folder the library may be copied to: what messages call it, and where it is (null: not set). */
    record Folder(String label, Path dir) {
    }

    /** Loads once per JVM; a failure is kept and reported again on every call. */
    private static final class Holder {
        static final Loaded LOADED;
        static final Throwable FAILURE;

        static {
            Loaded loaded = null;
            Throwable failure = null;
            try {
                checkPlatform(System.getProperty("os.name"), System.getProperty("os.arch"));
                loaded = load(NativeLibrary.class.getResource(RESOURCE), null);
            } catch (UnsatisfiedLinkError | UnsupportedOperationException | IllegalCallerException e) {
                failure = e;
            }
            LOADED = loaded;
            FAILURE = failure;
        }
    }

    private static Loaded loaded() {
        if (Holder.FAILURE != null) {
            throw again(Holder.FAILURE);
        }
        return Holder.LOADED;
    }

    /**
     * The same failure again, as a new exception of the same type and message (so that its
     * stack is the caller's) caused by the first.
     */
    static RuntimeException again(Throwable failure) {
        if (failure instanceof UnsatisfiedLinkError e) {
            UnsatisfiedLinkError copy = new UnsatisfiedLinkError(e.getMessage());
            copy.initCause(e);
            throw copy;
        }
        if (failure instanceof IllegalCallerException e) {
            return new IllegalCallerException(e.getMessage(), e);
        }
        if (failure instanceof UnsupportedOperationException e) {
            return new UnsupportedOperationException(e.getMessage(), e);
        }
        return new IllegalStateException(failure.getMessage(), failure);
    }

    /**
     * Refuses any platform but Linux on x86_64: spawnring's system call numbers, struct layouts
     * and native library are x86_64's (on arm64, 62 is lseek and 157 setsid).
     *
     * @throws UnsupportedOperationException naming the platform
     */
    static void checkPlatform(String osName, String osArch) {
        if (!"Linux".equals(osName)) {
            throw new UnsupportedOperationException("spawnring runs on Linux x86_64 only, and this JVM runs on "
                    + osName + " " + osArch + " (os.name, os.arch): start processes with java.lang.ProcessBuilder there");
        }
        if (!"amd64".equals(osArch) && !"x86_64".equals(osArch)) {
            throw new UnsupportedOperationException("spawnring runs on Linux x86_64 only: its system call numbers,"
                    + " struct layouts and libspawnring.so are x86_64's, and this JVM runs on Linux " + osArch
                    + " (os.arch); run it on an x86_64 JVM, or start processes with java.lang.ProcessBuilder");
        }
    }

    /**
     * Finds the library {@code url} names (a file of a build folder, or an entry of a jar),
     * checks it is built for this machine, and loads it: in place when it is a file, else
     * from its copy in the first of {@code folders} (null: {@link #folders()}, only worked out
     * then) where it can be copied and loaded.
     */
    static Loaded load(URL url, List<Folder> folders) {
        if (url == null) {
            throw new UnsatisfiedLinkError("spawnring's native library is missing: no class-path resource " + RESOURCE
                    + " (an incomplete spawnring jar, or a build without its C step: ./build package makes both)");
        }
        byte[] bytes = readAll(url);
        checkElf(bytes, url);
        List<String> tried = new ArrayList<>();
        if ("file".equals(url.getProtocol())) {
            Path file;
            try {
                file = Path.of(url.toURI());
            } catch (URISyntaxException | IllegalArgumentException e) {
                throw linkError("spawnring's native library has an unusable location " + url, e);
            }
            try {
                return new Loaded(open(file), file);
            } catch (IllegalArgumentException e) {
                String why = dlopenError(file, e);
                if (!looksLikeNoexec(why)) {
                    throw new UnsatisfiedLinkError("cannot load spawnring's native library " + file + ": " + why);
                }
                // A build folder on a noexec mount: use a copy, as from a jar.
                tried.add("in place (" + file + "): mounted noexec? dlopen: " + why);
            }
        }
        return loadCopy(url, bytes, hash(url, bytes), folders != null ? folders : folders(), tried);
    }

    /** Loads the copy of {@code bytes} in the first folder that takes it. */
    private static Loaded loadCopy(URL url, byte[] bytes, String hash, List<Folder> folders, List<String> tried) {
        for (Folder f : folders) {
            if (f.dir() == null) {
                tried.add(f.label() + ": not set");
                continue;
            }
            Path file;
            try {
                file = copy(f.dir(), bytes, hash);
            } catch (IOException e) {
                tried.add(f.label() + " (" + f.dir() + "): " + e.getMessage());
                continue;
            }
            try {
                return new Loaded(open(file), file);
            } catch (IllegalArgumentException e) {
                String why = dlopenError(file, e);
                if (!looksLikeNoexec(why)) {
                    // Another folder will not help: the library itself does not load.
                    throw new UnsatisfiedLinkError("cannot load spawnring's native library " + file + " (copied from "
                            + url + "): " + why);
                }
                tried.add(f.label() + " (" + f.dir() + "): mounted noexec? dlopen: " + why);
            }
        }
        throw new UnsatisfiedLinkError("cannot load spawnring's native library: it must be copied out of " + url
                + " into a folder it can be loaded from, and none would do: " + String.join("; ", tried)
                + ". Set -D" + DIR_PROPERTY + "=<a folder of yours on a filesystem mounted without noexec>");
    }

    /** The folders a copy may go to, in the order they are tried. */
    static List<Folder> folders() {
        List<Folder> list = new ArrayList<>();
        String chosen = System.getProperty(DIR_PROPERTY);
        list.add(new Folder("-D" + DIR_PROPERTY, blank(chosen) ? null : Path.of(chosen)));
        String cache = System.getenv("XDG_CACHE_HOME");
        String home = System.getProperty("user.home");
        if (!blank(cache) && Path.of(cache).isAbsolute()) {
            list.add(new Folder("$XDG_CACHE_HOME/spawnring", Path.of(cache, "spawnring")));
        } else {
            list.add(new Folder("~/.cache/spawnring", blank(home) ? null : Path.of(home, ".cache", "spawnring")));
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        list.add(new Folder("$XDG_RUNTIME_DIR/spawnring", blank(runtime) ? null : Path.of(runtime, "spawnring")));
        String tmp = System.getProperty("java.io.tmpdir");
        Integer uid = uid();
        list.add(new Folder("java.io.tmpdir", blank(tmp) || uid == null ? null : Path.of(tmp, "spawnring-" + uid)));
        return list;
    }

    /**
     * The copy of the library in {@code dir}, written there unless a copy with the same bytes
     * is there already.
     *
     * @throws IOException saying why {@code dir} cannot be used
     */
    static Path copy(Path dir, byte[] bytes, String hash) throws IOException {
        privateFolder(dir);
        Path file = dir.resolve("libspawnring-" + hash + ".so");
        try {
            if (Arrays.equals(Files.readAllBytes(file), bytes)) {
                return file; // verified: the very bytes of this jar's library
            }
        } catch (NoSuchFileException absent) {
            // written below
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e, e);
        }
        // Another JVM may be writing the same file: each writes its own temporary file and
        // renames it into place, which replaces the file in one step.
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, ".libspawnring-" + hash + ".", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(temp, bytes);
            Files.setPosixFilePermissions(temp, OWNER_FILE);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new IOException("cannot write the library there: " + e, e);
        } finally {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        }
        removeStaleTemps(dir);
        return file;
    }

    /**
     * Makes {@code dir} (owner-only) unless it exists, then checks that it is this user's and
     * that no one else may write to it: a folder in a shared place such as /tmp could have been
     * made by someone else, to have a library of theirs loaded.
     */
    private static void privateFolder(Path dir) throws IOException {
        Map<String, Object> a;
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_DIR));
            }
            a = Files.readAttributes(dir, "unix:uid,permissions");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new IOException("cannot make or read it: " + e, e);
        }
        Integer me = uid();
        Object owner = a.get("uid");
        if (me != null && !me.equals(owner)) {
            throw new IOException("it belongs to uid " + owner + ", not to this user (uid " + me + ")");
        }
        @SuppressWarnings("unchecked")
        Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.get("permissions");
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException("others may write to it (" + PosixFilePermissions.toString(perms) + ")");
        }
    }

    /** Removes temporary files that a JVM which died while writing a copy left. */
    private static void removeStaleTemps(Path dir) {
        long before = System.currentTimeMillis() - STALE_TEMP_MILLIS;
        try (var temps = Files.newDirectoryStream(dir, ".libspawnring-*.tmp")) {
            for (Path t : temps) {
                FileTime modified = Files.getLastModifiedTime(t);
                if (modified.toMillis() < before) {
                    Files.deleteIfExists(t);
                }
            }
        } catch (IOException ignored) {
            // best effort: a temporary file is harmless
        }
    }

    /** This process's user id (the owner of {@code /proc/self}), or null if it cannot be told. */
    private static Integer uid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The library's SHA-256 in hex: what the build wrote beside it ({@code <library>.sha256},
     * {@value #HASH_RESOURCE} in the jar), or computed when that is missing.
     */
    private static String hash(URL url, byte[] bytes) {
        try (InputStream in = URI.create(url.toExternalForm() + ".sha256").toURL().openStream()) {
            String h = new String(in.readNBytes(128), StandardCharsets.US_ASCII).strip();
            if (isSha256(h)) {
                return h;
            }
        } catch (IOException | IllegalArgumentException ignored) {
            // computed below
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw linkError("no SHA-256 to name spawnring's native library by", e);
        }
    }

    /** Whether {@code h} is 64 lower-case hex digits (no regex: this runs at every start-up). */
    private static boolean isSha256(String h) {
        if (h.length() != 64) {
            return false;
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks that {@code bytes} is a 64-bit little-endian ELF file for x86_64, before
     * {@code dlopen} sees it: a library built for another machine is named as such.
     */
    static void checkElf(byte[] bytes, Object where) {
        if (bytes.length < 20 || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new UnsatisfiedLinkError("spawnring's native library " + where + " is not an ELF file (a damaged"
                    + " spawnring jar?)");
        }
        int machine = (bytes[18] & 0xff) | (bytes[19] & 0xff) << 8;
        if (bytes[4] != 2 || bytes[5] != 1 || machine != EM_X86_64) {
            throw new UnsatisfiedLinkError("spawnring's native library " + where + " is built for "
                    + machineName(bytes[4], bytes[5], machine) + ", and this JVM runs on x86_64 (os.arch "
                    + System.getProperty("os.arch") + "): use a spawnring jar built for Linux x86_64");
        }
    }

    /** e.g. {@code "aarch64 (ELF e_machine 183)"}. */
    private static String machineName(byte elfClass, byte data, int machine) {
        String name = switch (machine) {
            case 3 -> "i386";
            case 8 -> "mips";
            case 20 -> "ppc";
            case 21 -> "ppc64";
            case 22 -> "s390x";
            case 40 -> "arm";
            case 62 -> "x86_64";
            case 183 -> "aarch64";
            case 243 -> "riscv";
            case 258 -> "loongarch";
            default -> "another machine";
        };
        String bits = elfClass == 1 ? ", 32-bit" : elfClass == 2 ? "" : ", ELF class " + elfClass;
        String order = data == 2 ? ", big-endian" : "";
        return name + " (ELF e_machine " + machine + bits + order + ")";
    }

    private static byte[] readAll(URL url) {
        try (InputStream in = url.openStream()) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw linkError("cannot read spawnring's native library " + url, e);
        }
    }

    /**
     * {@code dlopen}s {@code file}; IllegalArgumentException when dlopen fails.
     *
     * @throws IllegalCallerException naming the flag to pass, when the JVM denies native access
     */
    private static SymbolLookup open(Path file) {
        try {
            return SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IllegalCallerException e) {
            throw nativeAccessDenied(e);
        }
    }

    /** What to say when the JVM refuses spawnring a restricted method: the flag that allows it. */
    static IllegalCallerException nativeAccessDenied(IllegalCallerException e) {
        Module m = NativeLibrary.class.getModule();
        String where = m.isNamed() ? "on the module path (module " + m.getName() + ")" : "on the class path";
        String flag = "--enable-native-access=" + (m.isNamed() ? m.getName() : "ALL-UNNAMED");
        return new IllegalCallerException("spawnring needs native access (it calls the kernel through"
                + " java.lang.foreign) and this JVM denies it (--illegal-native-access=deny): spawnring is " + where
                + ", so run java with " + flag + (m.isNamed() ? ""
                        : " (or put Enable-Native-Access: ALL-UNNAMED in an executable jar's manifest)"), e);
    }

    /**
     * Why {@code dlopen} refuses {@code file}: {@code SymbolLookup.libraryLookup} only says
     * that it failed, so ask {@code dlopen}/{@code dlerror} directly (a failure path only:
     * these downcalls are linked here and nowhere else).
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

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static UnsatisfiedLinkError linkError(String message, Throwable cause) {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(message + ": " + cause);
        e.initCause(cause);
        return e;
    }
}
