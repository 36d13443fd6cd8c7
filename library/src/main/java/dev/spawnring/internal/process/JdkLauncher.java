package dev.spawnring.internal.process;

import dev.spawnring.SpawnException;
import dev.spawnring.Stdio;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Starts {@code java.lang.ProcessBuilder}s through a {@link LoopGroup} with the JDK's meaning
 * of every setting, and returns {@link JdkProcess}es. Three layers, each the JDK's:
 *
 * <ul>
 *   <li>{@link #start(ProcessBuilder)}: {@code ProcessBuilder.start()}: the command's checks
 *       ({@code NullPointerException}, {@code IndexOutOfBoundsException},
 *       {@code "invalid null character in command"}), the {@code "java.lang.ProcessBuilder"}
 *       logger, and every failure of the start as
 *       {@code IOException("Cannot run program \"prog\" (in directory \"dir\"): " + cause)};</li>
 *   <li>{@link #processImplStart}: {@code ProcessImpl.start}: the redirect files opened in the
 *       parent, in order, with {@code FileInputStream}'s and {@code FileOutputStream}'s flags and
 *       messages ({@code "/x/y (No such file or directory)"}), closed once the child has them;
 *       then the spawn (see {@link JdkExec}), whose failure is the JDK's
 *       {@code "Exec failed, error: 2 (No such file or directory) "};</li>
 *   <li>{@link #startPipeline}: {@code ProcessBuilder.startPipeline}: its redirect rules and
 *       messages, then every stage in one submission on one loop, the pipes between them made
 *       here.</li>
 * </ul>
 *
 * The {@code javaagent} calls {@link #processImplStart} in place of the JDK's own
 * {@code ProcessImpl.start}, and {@link #startPipeline} with the JDK's internals at hand
 * ({@link BuilderAccess}).
 */
public final class JdkLauncher {
    /** What {@link #startPipeline} reads of a builder and does after the start; see {@link #PUBLIC_ACCESS}. */
    public interface BuilderAccess {
        /**
         * The environment the JDK would pass for {@code builder}: null when the child inherits
         * this process's as it is (the builder's environment was never touched), else its
         * {@code NAME=value} entries in the JDK's order and bytes.
         *
         * @param builder a builder of the pipeline
         * @return the entries, or null
         */
        byte[][] envp(ProcessBuilder builder);

        /**
         * A stage was started: log it (and report it) as {@code ProcessBuilder.start} does.
         *
         * @param process  the stage
         * @param dir      its directory as the JDK names it, or null
         * @param cmdarray its command
         */
        void started(Process process, String dir, String[] cmdarray);

        /**
         * Every stage was started: leave in the builders what the JDK leaves there.
         *
         * @param builders the pipeline's builders
         */
        void pipelineStarted(List<ProcessBuilder> builders);
    }

    /**
     * What can be had through {@code ProcessBuilder}'s public API: its environment map (which the
     * JDK creates on first use: one equal to this JVM's counts as never touched), the JDK's logger;
     * the builders are left as they are.
     */
    public static final BuilderAccess PUBLIC_ACCESS = new BuilderAccess() {
        @Override
        public byte[][] envp(ProcessBuilder builder) {
            Map<String, String> env = builder.environment();
            return JdkEnvironment.isInherited(env) ? null : JdkEnvironment.envp(env);
        }

        @Override
        public void started(Process process, String dir, String[] cmdarray) {
            logStart(process, dir, cmdarray);
        }

        @Override
        public void pipelineStarted(List<ProcessBuilder> builders) {
        }
    };

    private static volatile System.Logger logger;

    private final LoopGroup loops;

    /**
     * @param loops what the children are started and supervised on
     */
    public JdkLauncher(LoopGroup loops) {
        this.loops = loops;
    }

    /**
     * {@code builder.start()}, through spawnring.
     *
     * @param builder what to start
     * @return the process
     * @throws IOException as {@code ProcessBuilder.start()} throws it
     */
    public Process start(ProcessBuilder builder) throws IOException {
        String[] cmdarray = checkedCommand(builder);
        String dir = directory(builder);
        byte[][] envp = PUBLIC_ACCESS.envp(builder);
        Redirect[] redirects = {builder.redirectInput(), builder.redirectOutput(), builder.redirectError()};
        try {
            Process p = processImplStart(cmdarray, envp, dir, redirects, builder.redirectErrorStream());
            PUBLIC_ACCESS.started(p, dir, cmdarray);
            return p;
        } catch (IOException | IllegalArgumentException e) {
            throw cannotRun(cmdarray[0], dir, e);
        }
    }

    /** The checks {@code ProcessBuilder.start} makes of the command, in its order. */
    private static String[] checkedCommand(ProcessBuilder builder) throws IOException {
        List<String> command = builder.command();
        String[] cmdarray = command.toArray(new String[command.size()]).clone();
        for (String arg : cmdarray) {
            if (arg == null) {
                throw new NullPointerException();
            }
        }
        String unused = cmdarray[0]; // throws IndexOutOfBoundsException if command is empty, as the JDK
        for (String s : cmdarray) {
            if (s.indexOf('\u0000') >= 0) {
                throw new IOException("invalid null character in command");
            }
        }
        return cmdarray;
    }

    private static String directory(ProcessBuilder builder) {
        File d = builder.directory();
        return d == null ? null : d.toString();
    }

    /** {@code ProcessBuilder.start}'s message for a start that failed. */
    private static IOException cannotRun(String prog, String dir, Exception e) {
        return new IOException("Cannot run program \"" + prog + "\""
                + (dir == null ? "" : " (in directory \"" + dir + "\")") + ": " + e.getMessage(), e);
    }

    /**
     * {@code ProcessBuilder.start}'s log record: logger {@code java.lang.ProcessBuilder}, DEBUG (or
     * TRACE with every argument), with a stack trace.
     *
     * @param process  the process started
     * @param dir      its directory as the JDK names it, or null
     * @param cmdarray its command
     */
    public static void logStart(Process process, String dir, String[] cmdarray) {
        System.Logger l = logger;
        if (l == null) {
            logger = l = System.getLogger("java.lang.ProcessBuilder");
        }
        if (l.isLoggable(System.Logger.Level.DEBUG)) {
            boolean detail = l.isLoggable(System.Logger.Level.TRACE);
            var level = detail ? System.Logger.Level.TRACE : System.Logger.Level.DEBUG;
            var cmdargs = detail ? String.join("\" \"", cmdarray) : cmdarray[0];
            RuntimeException stackTraceEx = new RuntimeException("ProcessBuilder.start() debug");
            l.log(level, "ProcessBuilder.start(): pid: " + process.pid() + ", dir: " + dir + ", cmd: \"" + cmdargs
                    + "\"", stackTraceEx);
        }
    }

    /**
     * Whether {@link #processImplStart} takes these redirects: every kind a {@code ProcessBuilder}
     * can be given, but not the pipes {@code ProcessBuilder.startPipeline} makes between stages
     * (those stages are started by {@link #startPipeline}).
     *
     * @param redirects stdin, stdout and stderr
     * @return false when one is such a pipe
     */
    public static boolean supports(Redirect[] redirects) {
        if (redirects == null) {
            return true;
        }
        for (Redirect r : redirects) {
            if (r != Redirect.PIPE && r != Redirect.INHERIT && r.type() != Redirect.Type.READ
                    && r.type() != Redirect.Type.WRITE && r.type() != Redirect.Type.APPEND) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code ProcessImpl.start(cmdarray, environment, dir, redirects, redirectErrorStream)},
     * through spawnring: throws what it throws ({@code FileNotFoundException} for a redirect
     * file, {@code IOException("Exec failed, error: N (message) ")} when the child could not run
     * the program), for the caller to wrap as {@code ProcessBuilder.start} does.
     *
     * @param cmdarray  the command, checked: no null, none empty, no NUL character
     * @param envp      the environment block's entries, or null to inherit this process's as it is
     * @param dir       the working directory, or null
     * @param redirects stdin, stdout, stderr (null: three pipes); see {@link #supports}
     * @param redirectErrorStream whether stderr goes to stdout
     * @return the process
     * @throws IOException as {@code ProcessImpl.start} throws it
     */
    public Process processImplStart(String[] cmdarray, byte[][] envp, String dir, Redirect[] redirects,
            boolean redirectErrorStream) throws IOException {
        try (Files files = Files.open(redirects)) {
            ProcessSpec spec = spec(cmdarray, envp, dir, files.stdio, redirectErrorStream);
            ChildState child;
            try {
                child = loops.spawn(spec);
            } catch (SpawnException e) {
                throw startFailure(e);
            }
            return new JdkProcess(child, spec.jdk().handle());
        }
    }

    /**
     * {@code ProcessBuilder.startPipeline(builders)}, through spawnring: the JDK's rules and
     * messages stage by stage (a stage's redirect that is not a pipe where the pipeline needs one
     * is an {@code IllegalArgumentException}; a stage that cannot start is an {@code IOException}
     * naming it), then every stage in one submission. If a stage fails to start, the others are
     * killed and waited for, as the JDK does with the stages it started.
     *
     * @param builders the stages, in order
     * @param access   how the builders are read and what is left in them
     * @return the processes, in order
     * @throws IOException as {@code startPipeline} throws it
     */
    public List<Process> startPipeline(List<ProcessBuilder> builders, BuilderAccess access) throws IOException {
        try (Pipeline p = preparePipeline(builders, access)) {
            return p.start();
        }
    }

    /**
     * The first half of {@link #startPipeline}: every check the JDK makes of the stages and their
     * redirect files opened, in the JDK's order, and the pipes between the stages made; nothing
     * started. A failure here is thrown as the JDK would throw it, but the JDK would have started
     * (and killed) the stages before the failing one first: the agent hands such a pipeline to the
     * JDK instead.
     *
     * @param builders the stages, in order
     * @param access   how the builders are read and what is left in them
     * @return the pipeline, to {@link Pipeline#start() start} and {@link Pipeline#close() close}
     * @throws IOException as {@code startPipeline} throws it
     */
    public Pipeline preparePipeline(List<ProcessBuilder> builders, BuilderAccess access) throws IOException {
        Pipeline p = new Pipeline(builders, access);
        try {
            p.prepare();
            return p;
        } catch (IOException | RuntimeException | Error e) {
            p.close();
            throw e;
        }
    }

    /** A pipeline's stages, prepared: {@link #start()} them, then {@link #close()} (which a failed start needs too). */
    public final class Pipeline implements AutoCloseable {
        private final List<ProcessBuilder> builders;
        private final BuilderAccess access;
        private final List<Files> files = new ArrayList<>();
        private final List<String[]> commands = new ArrayList<>();
        private final List<String> dirs = new ArrayList<>();
        private final List<ProcessSpec> specs = new ArrayList<>();
        private final int[] pipes;

        private Pipeline(List<ProcessBuilder> builders, BuilderAccess access) {
            this.builders = builders;
            this.access = access;
            this.pipes = new int[2 * Math.max(0, builders.size() - 1)];
            Arrays.fill(pipes, -1);
        }

        private void prepare() throws IOException {
            int n = builders.size();
            for (int index = 0; index < n; index++) {
                ProcessBuilder builder = builders.get(index);
                Redirect in = builder.redirectInput();
                Redirect out = builder.redirectOutput();
                if (index > 0 && in != Redirect.PIPE) {
                    throw new IllegalArgumentException("builder redirectInput() must be PIPE except for the first builder: "
                            + in);
                }
                if (index < n - 1 && out != Redirect.PIPE) {
                    throw new IllegalArgumentException("builder redirectOutput() must be PIPE except for the last builder: "
                            + out);
                }
                String[] cmdarray = checkedCommand(builder);
                String dir = directory(builder);
                byte[][] envp = access.envp(builder);
                // The JDK opens a stage's files as it starts it; the pipes to its neighbours are not files.
                Redirect[] redirects = {index > 0 ? Redirect.PIPE : in, index < n - 1 ? Redirect.PIPE : out,
                        builder.redirectError()};
                Files f;
                try {
                    f = Files.open(redirects);
                } catch (IOException | IllegalArgumentException e) {
                    throw cannotRun(cmdarray[0], dir, e);
                }
                files.add(f);
                if (index < n - 1) {
                    int[] p = new int[2];
                    int r = Sys.pipe2(p, Linux.O_CLOEXEC);
                    if (r < 0) {
                        throw cannotRun(cmdarray[0], dir, new IOException(jdkMessage("Bad file descriptor", -r)));
                    }
                    pipes[2 * index] = p[0];
                    pipes[2 * index + 1] = p[1];
                    f.stdio[1] = Stdio.fd(p[1]);
                }
                if (index > 0) {
                    f.stdio[0] = Stdio.fd(pipes[2 * (index - 1)]);
                }
                commands.add(cmdarray);
                dirs.add(dir);
                specs.add(spec(cmdarray, envp, dir, f.stdio, builder.redirectErrorStream()));
            }
        }

        /**
         * Starts every stage in one submission.
         *
         * @return the processes, in order
         * @throws IOException the first stage that failed to start, as the JDK names it (the
         *                     others were killed and waited for)
         */
        public List<Process> start() throws IOException {
            List<ChildState> children;
            try {
                children = loops.spawnTogether(specs);
            } catch (SpawnException e) {
                // The stage that failed: the first one not started that runs that program.
                int failed = -1;
                for (int i = 0; i < specs.size() && (failed < 0 || !commands.get(failed)[0].equals(e.program())); i++) {
                    if (!specs.get(i).jdk().started()
                            && (failed < 0 || commands.get(i)[0].equals(e.program()))) {
                        failed = i;
                    }
                }
                throw cannotRun(commands.get(failed)[0], dirs.get(failed), startFailure(e));
            }
            List<Process> processes = new ArrayList<>();
            for (int i = 0; i < children.size(); i++) {
                Process p = new JdkProcess(children.get(i), specs.get(i).jdk().handle());
                processes.add(p);
                access.started(p, dirs.get(i), commands.get(i));
            }
            access.pipelineStarted(builders);
            return processes;
        }

        /** Closes what the parent holds of the stages' files and pipes (the children have their own). */
        @Override
        public void close() {
            for (Files f : files) {
                f.close();
            }
            for (int i = 0; i < pipes.length; i++) {
                if (pipes[i] >= 0) {
                    Sys.close(pipes[i]);
                    pipes[i] = -1;
                }
            }
        }
    }

    /** The spawn of one command, the JDK's way (see {@link JdkExec}). */
    private static ProcessSpec spec(String[] cmdarray, byte[][] envp, String dir, Stdio[] stdio,
            boolean redirectErrorStream) {
        byte[][] argv = new byte[cmdarray.length][];
        for (int i = 0; i < argv.length; i++) {
            argv[i] = JdkEnvironment.bytes(cmdarray[i]);
        }
        byte[][] env = envp != null ? envp : JdkEnvironment.currentEnviron().toArray(byte[][]::new);
        JdkEnvironment.Candidates candidates = JdkEnvironment.candidates(argv[0], envp);
        JdkExec jdk = new JdkExec(argv, env, candidates.paths(), candidates.endsTooLong(),
                dir == null ? null : JdkEnvironment.bytes(dir));
        return new ProcessSpec(cmdarray[0], jdk.argv(), jdk.envp(), jdk.candidates(), null, null, stdio[0], stdio[1],
                stdio[2], redirectErrorStream, Map.of(), true, false, null, null, Map.of(), false, 0, null,
                Duration.ZERO, false, false, Map.of(), jdk);
    }

    /**
     * The JDK's exception for a spawn that failed: in the child (chdir, exec) {@code "Exec failed"};
     * making a pipe {@code "Bad file descriptor"}; the clone {@code "posix_spawn failed"}.
     */
    private static IOException startFailure(SpawnException e) {
        String step = e.step();
        String what = step.startsWith("pipe") || step.startsWith("fcntl") ? "Bad file descriptor"
                : step.equals("clone") ? "posix_spawn failed" : "Exec failed";
        return new IOException(jdkMessage(what, e.errno()));
    }

    /** {@code ProcessImpl_md.c}'s {@code "%s, error: %d (%s) %s"} with no internal detail. */
    static String jdkMessage(String what, int errno) {
        return what + ", error: " + errno + " (" + (errno == 0 ? "none" : Errno.message(errno)) + ") ";
    }

    /**
     * The redirect files of one start, opened as {@code ProcessImpl.start} opens them:
     * stdin's with {@code FileInputStream}'s flags, then stdout's and stderr's with
     * {@code FileOutputStream}'s (created {@code 0666} less the umask, truncated or appended),
     * each failure a {@code FileNotFoundException} {@code "path (reason)"}; closed once the child
     * has them (and on failure, those already open).
     */
    private static final class Files implements AutoCloseable {
        final Stdio[] stdio = {Stdio.pipe(), Stdio.pipe(), Stdio.pipe()};
        private final int[] fds = {-1, -1, -1};

        static Files open(Redirect[] redirects) throws IOException {
            Files f = new Files();
            if (redirects == null) {
                return f;
            }
            try {
                for (int i = 0; i < 3; i++) {
                    Redirect r = redirects[i];
                    if (r == Redirect.PIPE) {
                        f.stdio[i] = Stdio.pipe();
                    } else if (r == Redirect.INHERIT) {
                        f.stdio[i] = Stdio.inherit();
                    } else if (r.file() != null) {
                        f.fds[i] = openFile(r.file(), i == 0, r.type() == Redirect.Type.APPEND);
                        f.stdio[i] = Stdio.fd(f.fds[i]);
                    } else {
                        throw new IllegalArgumentException("not a redirect ProcessImpl.start takes: " + r);
                    }
                }
                return f;
            } catch (IOException | RuntimeException e) {
                f.close();
                throw e;
            }
        }

        private static int openFile(File file, boolean read, boolean append) throws FileNotFoundException {
            String path = file.getPath();
            if (path.indexOf('\u0000') >= 0) { // File.isInvalid()
                throw new FileNotFoundException("Invalid file path");
            }
            int flags = read ? Linux.O_RDONLY : Linux.O_WRONLY | Linux.O_CREAT | (append ? Linux.O_APPEND : Linux.O_TRUNC);
            MemorySegment cPath = JdkExec.cString(JdkEnvironment.bytes(path));
            int fd;
            try {
                fd = Sys.openat(Linux.AT_FDCWD, cPath, flags | Linux.O_CLOEXEC, 0666);
            } finally {
                NativeMemory.free(cPath);
            }
            if (fd >= 0 && isDirectory(fd)) { // io_util_md.c handleOpen: a directory is EISDIR
                Sys.close(fd);
                fd = -Errno.EISDIR;
            }
            if (fd < 0) {
                throw new FileNotFoundException(path + " (" + Errno.message(-fd) + ")");
            }
            return fd;
        }

        /** {@code fstat}: whether {@code fd} is a directory. */
        private static boolean isDirectory(int fd) {
            MemorySegment st = NativeMemory.calloc(STAT_SIZE);
            try {
                long r = Sys.syscall(SYS_FSTAT, fd, st.address());
                return r == 0 && (st.get(ValueLayout.JAVA_INT, ST_MODE) & S_IFMT) == S_IFDIR;
            } finally {
                NativeMemory.free(st);
            }
        }

        // x86_64 struct stat: st_mode at 24, 144 bytes; fstat is system call 5.
        private static final long SYS_FSTAT = 5;
        private static final int STAT_SIZE = 144;
        private static final long ST_MODE = 24;
        private static final int S_IFMT = 0170000;
        private static final int S_IFDIR = 0040000;

        @Override
        public void close() {
            for (int i = 0; i < 3; i++) {
                if (fds[i] >= 0) {
                    Sys.close(fds[i]);
                    fds[i] = -1;
                }
            }
        }
    }
}
