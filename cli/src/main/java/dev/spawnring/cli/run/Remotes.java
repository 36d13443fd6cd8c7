package dev.spawnring.cli.run;

import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.cli.run.ssh.Hosts;
import dev.spawnring.cli.run.ssh.RemoteJob;
import dev.spawnring.cli.run.ssh.Shell;
import dev.spawnring.cli.run.ssh.SshLogin;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * Where the jobs of a {@code spawnring run} go and what moves with them: the {@code -S} hosts
 * ({@link Hosts}: slots, shared ssh connections, hosts that fail), the command each remote job
 * runs ({@link RemoteJob}: ssh, rsync for {@code --transferfile}/{@code --return},
 * {@code --cleanup}), and {@code --workdir}, on the hosts and on this machine. The bridge
 * between {@link Runner} and {@code dev.spawnring.cli.run.ssh}: it fills the file and
 * directory templates with the job's values.
 */
final class Remotes implements AutoCloseable {
    /** Where one job runs. */
    static final class Place {
        /** Its slot on a host, while it holds one; null on this machine without {@code -S}. */
        Hosts.Seat seat;
        /** Where it ran last: its joblog Host. */
        String host = ":";
        /** The hosts where it failed: a retry goes elsewhere when it can. */
        final Set<Hosts.Host> failedOn = new HashSet<>();
        /** Its host went down: it runs again elsewhere, not counted as a retry. */
        boolean moved;
        /** Bytes of the files sent ({@code Send}), and fetched back (added to {@code Receive}). */
        long sent;
        long returned;
        /** {@code --workdir ...} on this machine: the directory to remove. */
        Path localTemp;
    }

    /**
     * What the options ask for, checked before anything runs.
     *
     * @param logins    the hosts, or empty (then only {@code --workdir} applies, on this machine)
     * @param ssh       the ssh command's words
     * @param transfers {@code --transferfile} templates
     * @param returns   {@code --return} templates
     * @param cleanup   {@code --cleanup}
     * @param workdir   {@code --workdir}, or null
     */
    record Plan(List<SshLogin> logins, List<String> ssh, List<String> transfers, List<String> returns,
            boolean cleanup, String workdir) {
        /**
         * @return the plan of {@code o}
         * @throws IllegalArgumentException saying what is wrong, for a usage error
         */
        static Plan of(SshOptions o) {
            Plan p = new Plan(o.hosts(), o.sshCommand(), o.transfers(), o.returns(), o.cleans(), o.workdir);
            if (p.workdir != null && p.workdir.isEmpty()) {
                throw new IllegalArgumentException("--workdir: empty");
            }
            return p;
        }

        /** @return whether files move: rsync is needed */
        boolean movesFiles() {
            return logins.stream().anyMatch(l -> !l.local()) && (!transfers.isEmpty() || !returns.isEmpty());
        }
    }

    private final Plan plan;
    private final Hosts hosts;
    private final Template workdir;
    private final List<Template> transfers;
    private final List<Template> returns;
    private final List<String> rsyncOpts;
    private final Consumer<String> warn;
    private final String hostname = hostname();

    private Remotes(Plan plan, Hosts hosts, Consumer<String> warn) {
        this.plan = plan;
        this.hosts = hosts;
        this.warn = warn;
        this.workdir = plan.workdir == null || plan.workdir.equals(".") || plan.workdir.equals("...") ? null
                : template(plan.workdir);
        this.transfers = plan.transfers.stream().map(Remotes::template).toList();
        this.returns = plan.returns.stream().map(Remotes::template).toList();
        String opts = System.getenv("PARALLEL_RSYNC_OPTS");
        this.rsyncOpts = Arrays.stream((opts == null ? "-rlDzR" : opts).strip().split("\\s+"))
                .filter(w -> !w.isEmpty()).toList();
    }

    /**
     * Connects to the hosts ({@link Hosts#connect}); without {@code -S}, only {@code --workdir}.
     *
     * @param jobs {@code -j} as given (checked), or null
     * @param zero what {@code -j 0} gives a host
     * @param warn where warnings go, one line each (without {@code spawnring run: } and newline)
     */
    static Remotes open(Plan plan, Spawner spawner, String jobs, int zero, Consumer<String> warn) throws IOException {
        Hosts hosts = plan.logins.isEmpty() ? null
                : Hosts.connect(spawner, plan.logins, plan.ssh, cpus -> SshOptions.slots(jobs, cpus, zero), warn);
        return new Remotes(plan, hosts, warn);
    }

    /** @return the run's job slots, every host's that is up; -1 without {@code -S} */
    int slots() {
        return hosts == null ? -1 : hosts.totalSlots();
    }

    /** @param capacity told the run's new number of slots when a host goes down */
    void onCapacity(IntConsumer capacity) {
        if (hosts != null) {
            hosts.onCapacity(capacity);
        }
    }

    /**
     * Gives the job a slot on a host. Caller holds the runner's lock.
     *
     * @return false when every host that is up is full (one just went down): the job waits
     */
    boolean place(Job job) {
        if (job.place == null) {
            job.place = new Place();
        }
        if (hosts == null) {
            return true;
        }
        Hosts.Seat seat = hosts.acquire(job.place.failedOn);
        job.place.seat = seat;
        if (seat != null) {
            job.place.host = seat.host().name();
        }
        return seat != null;
    }

    /** Gives the job's slot back. Caller holds the runner's lock. */
    void release(Job job) {
        if (job.place != null && job.place.seat != null) {
            hosts.release(job.place.seat);
            job.place.seat = null;
        }
    }

    /**
     * @param job  a job with its argv filled and a place
     * @return what it runs: its command on this machine (in the work dir), or ssh (with rsync) for a host
     */
    Command command(Job job, RunSettings settings, Programs programs) {
        Place p = job.place;
        Hosts.Seat seat = p.seat;
        if (seat == null || seat.host().local()) {
            Command c = settings.command(job.argv, programs, job.seq, job.slot, null);
            if (plan.workdir == null) {
                return c;
            }
            String wd = Bytes.text(workdir(job));
            Path dir = plan.workdir.equals(".") || plan.workdir.equals("...") ? home().resolve(wd) : Path.of(wd);
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new IllegalStateException("--workdir " + dir + ": cannot make it: " + e.getMessage(), e);
            }
            if (plan.workdir.equals("...")) {
                p.localTemp = dir;
            }
            return c.directory(dir);
        }
        List<byte[]> send = new ArrayList<>();
        p.sent = 0;
        for (byte[] f : files(transfers, job)) {
            Path local = Bytes.isText(f) ? Path.of(Bytes.text(f)) : null;
            if (local != null && !Files.isReadable(local)) {
                warn.accept("Warning: " + Bytes.text(f) + " is not readable and will not be transferred.");
                continue;
            }
            send.add(f);
            try {
                p.sent += local == null ? 0 : Files.size(local);
            } catch (IOException e) {
                // counted as 0
            }
        }
        byte[] remote = new Bytes.Builder().append(environment(job, seat)).append(settings.template().describe(job.argv))
                .toBytes();
        RemoteJob r = new RemoteJob(hosts.ssh(seat), hosts.sshOptions(seat), seat.host().login().host(), rsyncOpts,
                remote, plan.workdir == null ? null : workdir(job), send, files(returns, job), plan.cleanup,
                "...".equals(plan.workdir));
        // stdin: a pipe held open until the job ends, for the watcher on the host (RemoteJob.watched).
        return settings.command(r.argv(), programs, job.seq, job.slot, null).stdin(Stdio.pipe());
    }

    /** GNU parallel's variables for a remote job: {@code export PARALLEL_SEQ=... PARALLEL_JOBSLOT=... ...; } */
    private static byte[] environment(Job job, Hosts.Seat seat) {
        return new Bytes.Builder().ascii("export PARALLEL_SEQ=" + job.seq + " PARALLEL_JOBSLOT=" + job.slot
                + " PARALLEL_SSHHOST=").append(Shell.quote(Bytes.of(seat.host().login().host())))
                .ascii(" PARALLEL_SSHLOGIN=").append(Shell.quote(Bytes.of(seat.host().name()))).ascii("; ").toBytes();
    }

    /**
     * A job ended: is its host down (ssh's own 255, and the host fails a check)? Then it runs
     * again on another host. Also counts the fetched files and removes a local {@code ...} work dir.
     *
     * @param status how it ended, null when unknown
     */
    void ended(Job job, ExitStatus status) {
        Place p = job.place;
        if (p == null) {
            return;
        }
        if (p.localTemp != null) {
            removeTree(p.localTemp);
            p.localTemp = null;
        }
        Hosts.Seat seat = p.seat;
        if (seat == null || seat.host().local()) {
            return;
        }
        try {
            job.child.stdin().close(); // the watcher on the host: the job is over
        } catch (IOException | RuntimeException e) {
            // closed already
        }
        boolean ok = status != null && status.success();
        if (!ok) {
            p.failedOn.add(seat.host());
        }
        p.moved = status != null && status.exited() && status.code() == 255 && hosts.failed(seat) && hosts.anyUp();
        p.returned = 0;
        for (byte[] f : files(returns, job)) {
            try {
                if (Bytes.isText(f)) {
                    Path local = Path.of(Bytes.text(f));
                    p.returned += Files.isRegularFile(local) ? Files.size(local) : 0;
                }
            } catch (IOException | RuntimeException e) {
                // counted as 0
            }
        }
    }

    /** @return whether any host is up (always, without {@code -S}) */
    boolean anyUp() {
        return hosts == null || hosts.anyUp();
    }

    /** Closes the ssh connections. */
    @Override
    public void close() {
        if (hosts != null) {
            hosts.close();
        }
    }

    /** The work dir, GNU parallel's way: {@code .}, {@code ...}, or the template filled and tidied. */
    private byte[] workdir(Job job) {
        if (plan.workdir.equals(".")) {
            Path cwd = Path.of(System.getProperty("user.dir")).toAbsolutePath();
            Path home = home();
            String rel = cwd.startsWith(home) ? home.relativize(cwd).toString() : cwd.toString();
            return Bytes.of(rel.isEmpty() ? "." : rel);
        }
        if (plan.workdir.equals("...")) {
            return Bytes.of(".parallel/tmp/" + hostname + "-" + ProcessHandle.current().pid() + "-" + job.seq);
        }
        List<byte[]> filled = fill(workdir, job);
        Bytes.Builder b = new Bytes.Builder();
        for (byte[] w : filled) {
            if (!b.isEmpty()) {
                b.append((byte) ' ');
            }
            b.append(w);
        }
        String wd = Bytes.text(b.toBytes()).replace("/./", "/").replaceAll("(.)/+$", "$1").replaceAll("^(\\./)+", "");
        return Bytes.of(wd.isEmpty() ? "." : wd);
    }

    private List<byte[]> files(List<Template> templates, Job job) {
        List<byte[]> out = new ArrayList<>();
        for (Template t : templates) {
            out.addAll(fill(t, job));
        }
        return out;
    }

    /** @return the template's words filled for the job (a template with no placeholder stays as it is) */
    private static List<byte[]> fill(Template t, Job job) {
        if (!t.hasPlaceholder()) {
            return t.argv(List.of(), job.seq, Math.max(1, job.slot));
        }
        return t.argv(job.inputs, job.seq, Math.max(1, job.slot));
    }

    private static Template template(String text) {
        return Template.parse(List.of(Bytes.of(text)), false);
    }

    private static Path home() {
        return Path.of(System.getProperty("user.home"));
    }

    private static void removeTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // GNU parallel's rm -rf says nothing either
        }
    }

    private static String hostname() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
            return h.isEmpty() ? InetAddress.getLocalHost().getHostName() : h;
        } catch (IOException e) {
            return "localhost";
        }
    }
}
