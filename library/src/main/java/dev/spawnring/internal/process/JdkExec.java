package dev.spawnring.internal.process;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * What a spawn started for {@code java.lang.ProcessBuilder} does the JDK's way rather than
 * {@code Command}'s, carried by its {@link ProcessSpec} ({@link ProcessSpec#jdk()}; null for a
 * {@code Command}). {@link Launch} reads it in a few marked places:
 *
 * <ul>
 *   <li><b>Bytes.</b> argv, envp, the working directory and the exec candidates are the bytes the
 *       JDK would pass ({@code sun.jnu.encoding}, the environment's raw bytes), not UTF-8 of
 *       Strings.</li>
 *   <li><b>Exec.</b> Each candidate is two EXEC steps: the file, then (only if it failed with
 *       {@code ENOEXEC}) {@code /bin/sh file args...}, as the JDK's launcher does for a script
 *       without {@code #!}; and the search stops at the first error a {@code $PATH} search does not
 *       skip ({@code IORING_EXEC_IF_ENOEXEC}, {@code IORING_EXEC_PATH_SEARCH}). The errno reported
 *       is the JDK's: {@link #errno}.</li>
 *   <li><b>Signals.</b> The mask is cleared, dispositions are left as exec leaves them (handled
 *       ones back to default, ignored ones ignored), as the JDK's child does.</li>
 *   <li><b>The JDK's handle.</b> {@link #started} takes {@code ProcessHandle.of(pid)} on the
 *       thread that cloned the child, before it can be reaped, as {@code ProcessImpl} takes its
 *       handle before its reaper starts: so {@code Process.toHandle()} equals the handles the JDK
 *       hands out for that pid.</li>
 * </ul>
 *
 * One instance per spawn (it holds the handle), immutable otherwise.
 */
public final class JdkExec {
    /** {@code PATH_MAX}: the JDK's launcher skips a {@code $PATH} entry that would make a longer path. */
    static final int PATH_MAX = 4096;

    private final NativeStrings argv;
    private final NativeStrings envp;
    private final NativeStrings candidates;
    private final List<NativeStrings> shellArgvs;
    private final boolean searchEndsTooLong;
    private final NativeStrings directory;
    private volatile ProcessHandle handle;
    private volatile boolean started;

    /**
     * Lays out every string the spawn passes, once, as {@link NativeStrings} (freed by the garbage
     * collector once the spec that holds this is gone, after the child has exec'd).
     *
     * @param argv              the arguments, {@code argv[0]} the program as the caller named it;
     *                          none contains a NUL byte
     * @param envp              the environment, {@code NAME=value} entries
     * @param candidates        the paths to exec, in order (one, or one per {@code $PATH} entry)
     * @param searchEndsTooLong whether the last {@code $PATH} entry was skipped as too long, which
     *                          makes {@code ENAMETOOLONG} the search's error (the JDK's rule)
     * @param directory         the working directory, or null for the parent's
     */
    public JdkExec(byte[][] argv, byte[][] envp, List<byte[]> candidates, boolean searchEndsTooLong,
            byte[] directory) {
        this.argv = NativeStrings.of("argv", osStrings(argv));
        this.envp = NativeStrings.of("envp", osStrings(envp));
        this.candidates = NativeStrings.of("candidates", osStrings(candidates.toArray(byte[][]::new)));
        this.searchEndsTooLong = searchEndsTooLong;
        this.directory = directory == null ? null : NativeStrings.one("directory", OsString.of(directory));
        // execvp's script fallback: /bin/sh, the file, then argv[1...]
        List<OsString> tail = this.argv.strings().subList(Math.min(1, argv.length), argv.length);
        List<NativeStrings> sh = new ArrayList<>();
        for (OsString c : this.candidates.strings()) {
            List<OsString> a = new ArrayList<>(tail.size() + 2);
            a.add(SHELL.strings().getFirst());
            a.add(c);
            a.addAll(tail);
            sh.add(NativeStrings.of("argv", a));
        }
        this.shellArgvs = List.copyOf(sh);
    }

    private static List<OsString> osStrings(byte[][] strings) {
        List<OsString> l = new ArrayList<>(strings.length);
        for (byte[] b : strings) {
            l.add(OsString.of(b));
        }
        return l;
    }

    NativeStrings argv() {
        return argv;
    }

    NativeStrings envp() {
        return envp;
    }

    NativeStrings candidates() {
        return candidates;
    }

    /** @return the working directory, or null for the parent's */
    NativeStrings directory() {
        return directory;
    }

    /** argv of the shell fallback for candidate {@code i}: {@code /bin/sh file argv[1]...}. */
    NativeStrings shellArgv(int i) {
        return shellArgvs.get(i);
    }

    /** {@code _PATH_BSHELL}. */
    static final NativeStrings SHELL = NativeStrings.one("shell", OsString.of(new byte[] {'/', 'b', 'i', 'n', '/', 's', 'h'}));

    /**
     * The thread that cloned the child (a loop's, or the caller's), the child not reaped yet: takes
     * the JDK's handle of it. The caller reads it after the start returns (the same thread, or
     * after the start's future completed: happens-before either way).
     */
    void started(long pid) {
        handle = ProcessHandle.of(pid).orElse(null);
        started = true;
    }

    /**
     * Returns whether the child was started (it runs the program).
     *
     * @return false until then, and for ever when the spawn failed
     */
    public boolean started() {
        return started;
    }

    /**
     * Returns the JDK's handle of the child, taken before it could be reaped.
     *
     * @return the handle, or null when the spawn failed (or the JDK had none)
     */
    public ProcessHandle handle() {
        return handle;
    }

    /**
     * The errno the JDK's launcher reports when no candidate could be exec'd (childproc.c,
     * {@code JDK_execvpe}): the search stops at the first error it does not skip, and reports it;
     * when it runs out, {@code EACCES} if any candidate gave it, else the last error.
     *
     * @param fallbackResults the result of each candidate's second step (the shell fallback, which
     *                        posts the candidate's own error when it did not run), in order;
     *                        {@code -ECANCELED} after the search stopped
     */
    int errno(int[] fallbackResults) {
        int sticky = 0;
        int last = 0;
        for (int r : fallbackResults) {
            int e = -r;
            if (e == Errno.ECANCELED || e <= 0) {
                break;
            }
            last = e;
            if (!searchSkips(e)) {
                return e;
            }
            if (e == Errno.EACCES) {
                sticky = e;
            }
        }
        if (sticky != 0) {
            return sticky;
        }
        if (searchEndsTooLong || last == 0) {
            return Errno.ENAMETOOLONG;
        }
        return last;
    }

    /** {@code ENODEV} and {@code ESTALE}, which {@code Errno} does not name. */
    private static final int ENODEV = 19;
    private static final int ESTALE = 116;

    /** The errors after which a {@code $PATH} search tries the next directory (as the C interpreter's). */
    static boolean searchSkips(int errno) {
        return errno == Errno.ENOENT || errno == Errno.ENOTDIR || errno == Errno.EACCES || errno == Errno.ELOOP
                || errno == ESTALE || errno == ENODEV || errno == Errno.ETIMEDOUT;
    }

    /** A NUL-terminated copy of {@code bytes} from {@link NativeMemory#calloc}. */
    static MemorySegment cString(byte[] bytes) {
        MemorySegment s = NativeMemory.calloc(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, s, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return s;
    }
}
