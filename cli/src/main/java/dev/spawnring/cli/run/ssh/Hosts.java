package dev.spawnring.cli.run.ssh;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.MemfdOutput;
import dev.spawnring.Signal;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.IntUnaryOperator;
import java.util.stream.Stream;

/**
 * The machines of one {@code spawnring run -S ...}: how many jobs each takes, which are up, and
 * the shared ssh connections to them.
 *
 * <p><b>Connection sharing.</b> Each remote host gets an OpenSSH master connection
 * ({@code ControlMaster=yes}, its socket in a private temporary directory), started when the
 * run starts; every job, transfer and check then runs as {@code ssh -o ControlMaster=no -o
 * ControlPath=...}, a session multiplexed on it, with no new TCP connection or authentication.
 * A master runs {@code getconf _NPROCESSORS_ONLN; exec cat} on its host: the first line says
 * the connection is up (the control socket listens before the session opens) and how many
 * cores the host has, and the master lives until its stdin, a pipe from this JVM, closes
 * ({@link #close}) or this JVM dies (its parent-death signal). sshd allows 10 sessions on a
 * connection by default ({@code MaxSessions}), the master's own included, so a host gets one
 * master per {@value #SESSIONS_PER_MASTER} job slots.
 *
 * <p><b>Failed hosts.</b> A host whose master cannot start is down from the start and takes no
 * job. A job that ends with ssh's own failure status, 255, makes {@link #failed} check its
 * host with one more session ({@code exit 0}): when that fails too the host is down, its slots
 * are taken out of the run, and the job runs again elsewhere; when it works the 255 was the
 * command's own.
 */
public final class Hosts implements AutoCloseable {
    /** Job slots carried by one master connection: sshd's default {@code MaxSessions} 10, less the master's session. */
    public static final int SESSIONS_PER_MASTER = 9;
    /** What a master runs on its host: its cores (the ready line), then it waits for its stdin to close. */
    private static final String MASTER_COMMAND =
            "getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 1; exec cat >/dev/null";

    /** One machine of the run. */
    public static final class Host {
        private final SshLogin login;
        private final List<String> ssh;
        private final int index;
        private final List<Master> masters = new ArrayList<>();
        private int cpus;
        private int slots;
        private final BitSet seats = new BitSet();
        private boolean down;

        private Host(SshLogin login, List<String> ssh, int index) {
            this.login = login;
            this.ssh = ssh;
            this.index = index;
        }

        /** @return the login it was given as */
        public SshLogin login() {
            return login;
        }

        /** @return its name in the joblog's Host column ({@link SshLogin#name()}) */
        public String name() {
            return login.name();
        }

        /** @return whether it is this machine ({@code :}), reached without ssh */
        public boolean local() {
            return login.local();
        }

        /** @return its cores: the {@code ncpus/} given, or what it said */
        public int cpus() {
            return cpus;
        }

        /** @return how many jobs it runs at a time */
        public int slots() {
            return slots;
        }

        @Override
        public String toString() {
            return name();
        }
    }

    /**
     * A job's place: a host and one of its slots (from 0), which picks the master connection.
     *
     * @param host  the host
     * @param index the slot on it
     */
    public record Seat(Host host, int index) {
    }

    private record Master(Path socket, Child child) {
    }

    private final Spawner spawner;
    private final Path controlDir;
    private final List<Host> hosts;
    private final Consumer<String> warn;
    private volatile IntConsumer capacity = n -> { };
    private int alive;

    private Hosts(Spawner spawner, Path controlDir, List<Host> hosts, Consumer<String> warn) {
        this.spawner = spawner;
        this.controlDir = controlDir;
        this.hosts = hosts;
        this.warn = warn;
    }

    /**
     * Connects to every remote host at once (its master connection), learns its cores and
     * gives it its slots. A host that cannot be reached is reported through {@code warn} and
     * takes no job.
     *
     * @param spawner    runs ssh
     * @param logins     the hosts
     * @param defaultSsh the ssh command of logins without their own ({@code --ssh}), as words
     * @param slots      a host's job slots from its cores ({@code -j})
     * @param warn       told what went wrong, one line each, without a newline
     * @return the hosts
     * @throws IOException when the control directory cannot be made
     */
    public static Hosts connect(Spawner spawner, List<SshLogin> logins, List<String> defaultSsh,
            IntUnaryOperator slots, Consumer<String> warn) throws IOException {
        Path dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir", "/tmp")), "spawnring-ssh-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        List<Host> hosts = new ArrayList<>();
        for (SshLogin l : logins) {
            hosts.add(new Host(l, l.sshCommand().isEmpty() ? defaultSsh : l.sshCommand(), hosts.size()));
        }
        Hosts h = new Hosts(spawner, dir, List.copyOf(hosts), warn);
        List<Thread> starting = new ArrayList<>();
        for (Host host : hosts) {
            if (host.local()) {
                host.cpus = host.login.cpus() > 0 ? host.login.cpus() : Runtime.getRuntime().availableProcessors();
                host.slots = Math.max(1, slots.applyAsInt(host.cpus));
            } else {
                starting.add(Thread.ofVirtual().name("spawnring-ssh-" + host.name()).start(() -> h.start(host, slots)));
            }
        }
        for (Thread t : starting) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                h.close();
                throw new IOException("interrupted while connecting to the hosts");
            }
        }
        h.alive = (int) hosts.stream().filter(x -> !x.down).count();
        return h;
    }

    /** Starts a host's first master, then as many more as its slots need. */
    private void start(Host host, IntUnaryOperator slots) {
        String[] why = new String[1];
        Master first = startMaster(host, 0, why);
        if (first == null) {
            markDown(host, why[0]);
            return;
        }
        int cpus = host.cpus;
        host.cpus = host.login.cpus() > 0 ? host.login.cpus() : Math.max(1, cpus);
        int n = Math.max(1, slots.applyAsInt(host.cpus));
        int masters = (n + SESSIONS_PER_MASTER - 1) / SESSIONS_PER_MASTER;
        for (int i = 1; i < masters; i++) {
            if (startMaster(host, i, why) == null) {
                warn.accept("Warning: " + host.name() + ": a further ssh connection failed (" + why[0] + "): "
                        + "it runs " + (i * SESSIONS_PER_MASTER) + " jobs at a time, not " + n);
                n = i * SESSIONS_PER_MASTER;
                break;
            }
        }
        synchronized (this) {
            host.slots = n;
        }
    }

    /** @return the master, registered with the host, or null (then {@code why[0]} says why) */
    private Master startMaster(Host host, int number, String[] why) {
        Path socket = controlDir.resolve("h" + host.index + "-" + number);
        List<String> argv = new ArrayList<>(host.ssh);
        argv.addAll(List.of("-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-o", "ControlPath=" + socket, "-T"));
        argv.addAll(target(host));
        argv.addAll(List.of("--", MASTER_COMMAND));
        Child child;
        try {
            child = spawner.spawn(Command.of(argv).stdin(Stdio.pipe()).stdout(Stdio.pipe()).stderr(Stdio.memfd())
                    .newProcessGroup().parentDeathSignal(Signal.SIGKILL));
        } catch (SpawnException | RuntimeException e) {
            why[0] = String.valueOf(e.getMessage());
            return null;
        }
        String line = firstLine(child.stdout());
        if (line == null) {
            closeQuietly(child);
            ExitStatus status = awaitExit(child, Duration.ofSeconds(5));
            why[0] = "ssh " + (status == null ? "did not end" : status) + stderrOf(child);
            return null;
        }
        if (number == 0) {
            try {
                host.cpus = Integer.parseInt(line.strip());
            } catch (NumberFormatException e) {
                host.cpus = 1;
            }
        }
        Master m = new Master(socket, child);
        synchronized (this) {
            host.masters.add(m);
        }
        return m;
    }

    /** @return the first line of {@code in}, or null at its end */
    private static String firstLine(InputStream in) {
        StringBuilder b = new StringBuilder();
        try {
            for (int c; (c = in.read()) >= 0; ) {
                if (c == '\n') {
                    return b.toString();
                }
                b.append((char) c);
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /** @return {@code -p port}, {@code -l user} and the host name, as ssh is given them */
    private static List<String> target(Host host) {
        List<String> t = new ArrayList<>();
        if (host.login.port() != null) {
            t.addAll(List.of("-p", host.login.port()));
        }
        if (host.login.user() != null) {
            t.addAll(List.of("-l", host.login.user()));
        }
        t.add(host.login.host());
        return t;
    }

    /**
     * Sets what is told the run's new total of job slots when a host goes down.
     *
     * @param capacity the listener
     */
    public void onCapacity(IntConsumer capacity) {
        this.capacity = capacity;
    }

    /** @return the hosts, in the order given */
    public List<Host> hosts() {
        return hosts;
    }

    /** @return the job slots of the hosts that are up */
    public synchronized int totalSlots() {
        return hosts.stream().filter(h -> !h.down).mapToInt(h -> h.slots).sum();
    }

    /** @return whether any host is up */
    public synchronized boolean anyUp() {
        return alive > 0;
    }

    /**
     * Takes a free slot on a host that is up: the one with the fewest jobs for its slots,
     * preferring hosts not in {@code avoid} (where the job failed before).
     *
     * @param avoid hosts to use only when no other has a free slot
     * @return the slot, or null when every host that is up is full
     */
    public synchronized Seat acquire(Set<Host> avoid) {
        Comparator<Host> order = Comparator.comparingDouble((Host h) -> (double) h.seats.cardinality() / h.slots)
                .thenComparingInt(h -> h.index);
        Host best = hosts.stream().filter(h -> !h.down && h.seats.cardinality() < h.slots)
                .sorted(Comparator.comparing((Host h) -> avoid != null && avoid.contains(h)).thenComparing(order))
                .findFirst().orElse(null);
        if (best == null) {
            return null;
        }
        int i = best.seats.nextClearBit(0);
        best.seats.set(i);
        return new Seat(best, i);
    }

    /** Gives a slot back. */
    public synchronized void release(Seat seat) {
        seat.host.seats.clear(seat.index);
    }

    /**
     * The ssh command a job on {@code seat} runs, without what follows the host: the host's
     * ssh command, the connection sharing options, {@code -p}, {@code -l} and the host.
     *
     * @param seat where the job runs (a remote host)
     * @return the words; append {@code --} and the remote command
     */
    public List<String> ssh(Seat seat) {
        List<String> argv = new ArrayList<>(sshOptions(seat));
        argv.add(seat.host.login.host());
        return argv;
    }

    /**
     * @param seat where the job runs (a remote host)
     * @return the host's ssh command with the connection sharing options, without the target:
     *         rsync's {@code -e}, to which {@code -p} and {@code -l} are added
     */
    public List<String> sshOptions(Seat seat) {
        List<String> argv = new ArrayList<>(seat.host.ssh);
        Path socket = controlDir.resolve("h" + seat.host.index + "-" + seat.index / SESSIONS_PER_MASTER);
        argv.addAll(List.of("-o", "ControlMaster=no", "-o", "ControlPath=" + socket));
        if (seat.host.login.port() != null) {
            argv.addAll(List.of("-p", seat.host.login.port()));
        }
        if (seat.host.login.user() != null) {
            argv.addAll(List.of("-l", seat.host.login.user()));
        }
        return argv;
    }

    /**
     * A job on {@code seat} ended with status 255, ssh's own failure: is the host down? Checks
     * it with one more session ({@code exit 0}); when that fails too, the host is marked down
     * (its masters closed, its slots taken out of the run, a warning given).
     *
     * @param seat where the job ran
     * @return whether the host is down (the job should run elsewhere)
     */
    public boolean failed(Seat seat) {
        Host host = seat.host;
        synchronized (host) {
            synchronized (this) {
                if (host.down) {
                    return true;
                }
            }
            List<String> argv = ssh(seat);
            argv.addAll(List.of("--", "exit 0"));
            String why;
            try {
                Child check = spawner.spawn(Command.of(argv).stdin(Stdio.discard()).stdout(Stdio.discard())
                        .stderr(Stdio.memfd()).newProcessGroup().parentDeathSignal(Signal.SIGKILL)
                        .timeout(Duration.ofSeconds(60)));
                ExitStatus s = check.waitFor();
                if (s.success()) {
                    return false;
                }
                why = "a job ended with ssh's 255, and a check then with ssh " + s + stderrOf(check);
            } catch (SpawnException | RuntimeException e) {
                why = String.valueOf(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            markDown(host, why);
            return true;
        }
    }

    /** Takes {@code host} out of the run: no more jobs, its masters closed. */
    private void markDown(Host host, String why) {
        int total;
        synchronized (this) {
            if (host.down) {
                return;
            }
            host.down = true;
            alive--;
            total = totalSlots();
        }
        warn.accept("Warning: " + host.name() + " is down (" + why + "): its jobs run on the other hosts");
        capacity.accept(total); // first: a dispatcher finds no free slot until the run has fewer
        closeMasters(host);
    }

    private void closeMasters(Host host) {
        List<Master> ms;
        synchronized (this) {
            ms = List.copyOf(host.masters);
            host.masters.clear();
        }
        for (Master m : ms) {
            closeQuietly(m.child);
        }
        for (Master m : ms) {
            if (awaitExit(m.child, Duration.ofSeconds(5)) == null) {
                m.child.destroyForcibly();
                awaitExit(m.child, Duration.ofSeconds(5));
            }
            try {
                m.child.stderrMemfd().close();
            } catch (RuntimeException e) {
                // nothing to free
            }
            try {
                Files.deleteIfExists(m.socket);
            } catch (IOException e) {
                // ssh removes its socket itself
            }
        }
    }

    /** Closes every master connection (each ends once its last session has) and removes the control directory. */
    @Override
    public void close() {
        List<Thread> closing = new ArrayList<>();
        for (Host h : hosts) {
            closing.add(Thread.ofVirtual().start(() -> closeMasters(h)));
        }
        for (Thread t : closing) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try (Stream<Path> left = Files.list(controlDir)) {
            for (Path p : left.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(controlDir);
        } catch (IOException e) {
            warn.accept("Warning: cannot remove " + controlDir + ": " + e.getMessage());
        }
    }

    private static void closeQuietly(Child child) {
        try {
            child.stdin().close();
        } catch (IOException | RuntimeException e) {
            // already closed
        }
    }

    private static ExitStatus awaitExit(Child child, Duration d) {
        try {
            return child.waitFor(d);
        } catch (TimeoutException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** @return ": " and ssh's last line on stderr, or nothing */
    private static String stderrOf(Child child) {
        try {
            MemfdOutput err = child.stderrMemfd();
            String text = new String(err.readAllBytes(), StandardCharsets.UTF_8).strip();
            err.close();
            int nl = text.lastIndexOf('\n');
            return text.isEmpty() ? "" : ": " + (nl >= 0 ? text.substring(nl + 1) : text).strip();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
