package dev.spawnring.cli.run;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Runs the jobs of one {@code spawnring run}: at most {@code -j} at a time, through one
 * {@link Spawner}, with no thread per job.
 *
 * <p>The calling thread is a dispatcher (with one more thread per further loop of the
 * Spawner): it takes the next input (or a job to retry), fills the template and spawns, then
 * waits until a slot frees up. A job's end arrives as the
 * completion of {@link Child#onExit()} (the Spawner's WAITID through its ring); the handler
 * logs the job, hands its output to the {@link Printer}, decides on retries and
 * {@code --halt}, and frees the slot. Every job is the leader of a process group of its own
 * with a parent-death signal of SIGKILL; when it exits, whatever it left running in its
 * group is killed, so no job leaves an orphan. {@code --line-buffer} reads each job's pipes
 * with two virtual threads.
 */
final class Runner implements ProgressBar.Source {
    /**
     * What the run was asked for.
     *
     * @param template   the command template
     * @param jobs       jobs in flight at most (already resolved: never 0)
     * @param timeout    per-job timeout, or null
     * @param grace      between SIGTERM and SIGKILL, for timeouts and {@code --halt now}
     * @param retries    how many more times a failed job runs
     * @param halt       when to stop
     * @param keepOrder  print in input order
     * @param lineBuffer print whole lines as they come
     */
    record Settings(Template template, int jobs, Duration timeout, Duration grace, int retries, Halt halt,
            boolean keepOrder, boolean lineBuffer) {
    }

    /** One input's job, alive from its start to its last attempt's end. */
    private static final class Job {
        final long seq;
        final List<String> inputs;
        int slot;
        int attempt;
        long startMillis;
        long startNanos;
        long pgid;
        int outFd = -1;
        int errFd = -1;
        boolean killedByHalt;
        List<String> argv;
        volatile long received;

        Job(long seq, List<String> inputs) {
            this.seq = seq;
            this.inputs = inputs;
        }
    }

    private static final String NAME = "spawnring run";

    private final Settings settings;
    private final Inputs inputs;
    private final Printer printer;
    private final JobLog log;
    private final Spawner spawner;
    private final Programs programs = new Programs(System.getenv("PATH"));

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private int inFlight;
    private boolean readingInput;
    private boolean inputsDone;
    private boolean stopStarting;
    private boolean killing;
    private int interruptSignal;
    private boolean finished;
    private boolean error;
    private Integer haltStatus;
    private long nextSeq;
    private final ArrayDeque<Job> retries = new ArrayDeque<>();
    private final Set<Job> running = new HashSet<>();
    private final BitSet slots = new BitSet();
    private Thread graceKiller;
    // Written under lock, read without it (the progress bar).
    private volatile long started;
    private volatile long done;
    private volatile long failed;
    private volatile int runningCount;

    Runner(Settings settings, Inputs inputs, Printer printer, JobLog log, Spawner spawner) {
        this.settings = settings;
        this.inputs = inputs;
        this.printer = printer;
        this.log = log;
        this.spawner = spawner;
    }

    /**
     * Runs every job (or until {@code --halt} or an interrupt stops it) and waits for the last.
     *
     * @return the exit status, GNU parallel's way
     */
    int run() {
        try {
            dispatchAll();
            awaitIdle(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupt(Linux.SIGTERM);
            try {
                awaitIdle(Long.MAX_VALUE);
            } catch (InterruptedException again) {
                killAll();
            }
        } finally {
            finish();
        }
        return exitStatus();
    }

    /**
     * The calling thread dispatches, and one more platform thread per further loop of the
     * Spawner: a spawn returns only once its child has exec'd, so one dispatcher would keep
     * all but one loop idle. They share the input (one reads at a time) and the slots.
     */
    private void dispatchAll() throws InterruptedException {
        for (int i = 2; i <= spawner.loops(); i++) {
            Thread.ofPlatform().daemon().name("spawnring-run-dispatch-" + i).start(() -> {
                try {
                    dispatch();
                } catch (InterruptedException e) {
                    // Nobody interrupts these threads; if someone does, the others go on.
                } catch (RuntimeException | Error e) {
                    printer.message(NAME + ": dispatcher failed: " + e + "\n");
                    lock.lock();
                    try {
                        error = true;
                        stopStarting = true;
                        changed.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            });
        }
        dispatch();
    }

    private void dispatch() throws InterruptedException {
        while (true) {
            Job job = null;
            boolean read = false;
            lock.lock();
            try {
                while (true) {
                    if (stopStarting) {
                        return;
                    }
                    if (inFlight < settings.jobs()) {
                        job = retries.poll();
                        if (job == null && !inputsDone && !readingInput) {
                            readingInput = read = true; // this dispatcher reads; the others wait
                        }
                        if (job != null || read) {
                            inFlight++;
                            break;
                        }
                        if (inFlight == 0) {
                            return; // no input left, nothing running, nothing to retry
                        }
                    }
                    changed.await();
                }
            } finally {
                lock.unlock();
            }
            if (job == null) {
                List<String> in = readInput();
                lock.lock();
                try {
                    readingInput = false;
                    changed.signalAll(); // another dispatcher may read the next one
                    if (in == null) {
                        inputsDone = true;
                        inFlight--;
                        changed.signalAll();
                        continue;
                    }
                    job = new Job(++nextSeq, in);
                } finally {
                    lock.unlock();
                }
            }
            start(job);
        }
    }

    private List<String> readInput() {
        try {
            return inputs.next();
        } catch (IOException e) {
            printer.message(NAME + ": reading the input: " + e.getMessage() + "\n");
            lock.lock();
            try {
                error = true;
            } finally {
                lock.unlock();
            }
            return null;
        }
    }

    /** Dispatcher: starts {@code job} in the slot it reserved. */
    private void start(Job job) {
        boolean dropped;
        lock.lock();
        try {
            dropped = stopStarting;
            if (dropped) {
                inFlight--;
                changed.signalAll();
            } else {
                job.slot = slots.nextClearBit(1);
                slots.set(job.slot);
                if (job.attempt == 0) {
                    started++;
                }
            }
        } finally {
            lock.unlock();
        }
        if (dropped) {
            printer.skip(job.seq); // read but never run: --keep-order must not wait for it
            return;
        }
        Command command;
        try {
            job.argv = settings.template().argv(job.inputs, job.seq, job.slot);
            command = command(job);
        } catch (IOException | RuntimeException e) {
            closeFds(job);
            failedToStart(job, e.getMessage(), 126);
            return;
        }
        job.startMillis = System.currentTimeMillis();
        job.startNanos = System.nanoTime();
        Child child;
        try {
            child = spawner.spawn(command);
        } catch (SpawnException e) {
            closeFds(job);
            failedToStart(job, e.getMessage(), e.errno() == Errno.ENOENT ? 127 : 126);
            return;
        } catch (RuntimeException e) {
            closeFds(job);
            failedToStart(job, String.valueOf(e.getMessage()), 126);
            return;
        }
        job.pgid = child.pid();
        lock.lock();
        try {
            running.add(job);
            runningCount = running.size();
            if (killing) {
                job.killedByHalt = true;
                Sys.kill(-job.pgid, Linux.SIGTERM);
            } else if (interruptSignal != 0) {
                Sys.kill(-job.pgid, interruptSignal);
            }
        } finally {
            lock.unlock();
        }
        // The parent's copies of the memfds stay open: the output is read from them at the end.
        CompletableFuture<ExitStatus> exit = child.onExit();
        CompletableFuture<?> end = exit.whenComplete((status, e) -> killLeftovers(job));
        if (settings.lineBuffer()) {
            CompletableFuture<Long> out = pump(child.stdout(), false);
            CompletableFuture<Long> err = pump(child.stderr(), true);
            end = CompletableFuture.allOf(end, out.thenAccept(n -> job.received = n), err);
        }
        end.whenComplete((v, e) -> ended(job, exit.isCompletedExceptionally() ? null : exit.join()));
    }

    private Command command(Job job) throws IOException {
        String program = job.argv.get(0);
        String path = programs.resolve(program);
        Command c = path.equals(program) ? Command.of(job.argv) : Command.of(withProgram(job.argv, path)).argv0(program);
        c = c.stdin(Stdio.discard());
        if (settings.lineBuffer()) {
            c = c.stdout(Stdio.pipe()).stderr(Stdio.pipe());
        } else {
            job.outFd = memfd();
            job.errFd = memfd();
            c = c.stdout(Stdio.fd(job.outFd)).stderr(Stdio.fd(job.errFd));
        }
        c = c.newProcessGroup().parentDeathSignal(Linux.SIGKILL);
        if (settings.timeout() != null) {
            c = c.timeout(settings.timeout(), settings.grace());
        }
        return c;
    }

    private static List<String> withProgram(List<String> argv, String path) {
        List<String> a = new ArrayList<>(argv);
        a.set(0, path);
        return a;
    }

    private static int memfd() throws IOException {
        int fd = Sys.memfdCreate("spawnring-run", Linux.MFD_CLOEXEC);
        if (fd < 0) {
            throw new IOException("memfd_create for the job's output: " + Errno.describe(-fd));
        }
        return fd;
    }

    private static void closeFds(Job job) {
        if (job.outFd >= 0) {
            Sys.close(job.outFd);
            job.outFd = -1;
        }
        if (job.errFd >= 0) {
            Sys.close(job.errFd);
            job.errFd = -1;
        }
    }

    /** Line-buffer mode: copies whole lines of one pipe to our stdout or stderr as they come. */
    private CompletableFuture<Long> pump(InputStream in, boolean toStderr) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        Thread.ofVirtual().name("spawnring-run-lines").start(() -> {
            long total = 0;
            byte[] buf = new byte[16 * 1024];
            int held = 0;
            try (in) {
                while (true) {
                    if (held == buf.length) {
                        if (buf.length >= 1 << 20) {
                            printer.lines(toStderr, buf, 0, held); // a very long line: let it out
                            held = 0;
                        } else {
                            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
                        }
                    }
                    int n = in.read(buf, held, buf.length - held);
                    if (n < 0) {
                        break;
                    }
                    total += n;
                    int lastNewline = -1;
                    for (int i = held + n - 1; i >= held; i--) {
                        if (buf[i] == '\n') {
                            lastNewline = i;
                            break;
                        }
                    }
                    held += n;
                    if (lastNewline >= 0) {
                        printer.lines(toStderr, buf, 0, lastNewline + 1);
                        System.arraycopy(buf, lastNewline + 1, buf, 0, held - lastNewline - 1);
                        held -= lastNewline + 1;
                    }
                }
            } catch (IOException e) {
                // The pipe broke: what was read is printed below.
            } finally {
                if (held > 0) {
                    printer.lines(toStderr, buf, 0, held);
                }
                f.complete(total);
            }
        });
        return f;
    }

    /** The job's leader has exited: what it left in its process group goes (no orphans). */
    private static void killLeftovers(Job job) {
        Sys.kill(-job.pgid, Linux.SIGKILL);
    }

    private void failedToStart(Job job, String message, int exitval) {
        job.startMillis = System.currentTimeMillis();
        job.startNanos = System.nanoTime();
        job.argv = job.argv != null ? job.argv : List.of();
        Printer.Captured out = Printer.Captured.ofBytes(new byte[0],
                (NAME + ": " + message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        complete(job, ExitStatus.exited(exitval), false, out);
    }

    /** A job's leader was reaped (and, line-buffered, its pipes are drained). */
    private void ended(Job job, ExitStatus status) {
        long runtime = System.nanoTime() - job.startNanos;
        if (status == null) {
            status = ExitStatus.killed(Linux.SIGKILL);
        }
        boolean timedOut = settings.timeout() != null && !status.success()
                && runtime >= settings.timeout().toNanos();
        lock.lock();
        try {
            running.remove(job);
            runningCount = running.size();
        } finally {
            lock.unlock();
        }
        String warning = timedOut ? NAME + ": Warning: This job was killed because it timed out:\n" + NAME
                + ": Warning: " + display(job) + "\n" : null;
        complete(job, status, timedOut, new Printer.Captured(job.outFd, job.errFd, warning));
    }

    /** The end of one attempt: a retry, or the job's final result (logged, printed, counted). */
    private void complete(Job job, ExitStatus status, boolean timedOut, Printer.Captured output) {
        boolean ok = status.success() && !timedOut;
        boolean discard;
        boolean retry;
        lock.lock();
        try {
            if (job.slot > 0) {
                slots.clear(job.slot);
            }
            discard = job.killedByHalt;
            retry = !discard && !ok && job.attempt < settings.retries() && !stopStarting;
            if (retry) {
                job.attempt++;
                retries.add(job);
            }
        } finally {
            lock.unlock();
        }
        if (discard || retry) {
            output.close();
            job.outFd = -1;
            job.errFd = -1;
            if (discard) {
                printer.skip(job.seq);
            }
            lock.lock();
            try {
                inFlight--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            return;
        }
        int exitval = timedOut ? -1 : status.exited() ? status.code() : 0;
        int signal = timedOut ? (status.signaled() ? status.signal() : Linux.SIGTERM) : status.signal();
        if (log != null) {
            long received = settings.lineBuffer() ? job.received : output.stdoutBytes();
            try {
                log.write(job.seq, job.startMillis, System.nanoTime() - job.startNanos, received, exitval, signal,
                        display(job));
            } catch (RuntimeException e) {
                printer.message(NAME + ": writing the joblog: " + e.getMessage() + "\n");
                lock.lock();
                try {
                    error = true;
                    stopStarting = true;
                } finally {
                    lock.unlock();
                }
            }
        }
        printer.finished(job.seq, output);
        job.outFd = -1;
        job.errFd = -1;
        List<String> messages = new ArrayList<>();
        lock.lock();
        try {
            done++;
            if (!ok) {
                failed++;
            }
            halt(job, ok, exitval, signal, messages);
            if (printer.failure() != null && !stopStarting) {
                stopStarting = true;
                error = true;
                if (!"Broken pipe".equals(printer.failure().getMessage())) { // a closed pipe is a normal end
                    messages.add(NAME + ": writing output failed (" + printer.failure().getMessage()
                            + "): starting no more jobs\n");
                }
            }
            inFlight--;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        messages.forEach(printer::message);
    }

    /** GNU parallel's should_we_halt, for a job's final result. Caller holds the lock. */
    private void halt(Job job, boolean ok, int exitval, int signal, List<String> messages) {
        Halt h = settings.halt();
        if (!h.active()) {
            return;
        }
        long limit = -1;
        if (!ok && h.why() == Halt.Why.FAIL) {
            messages.add(NAME + ": This job failed:\n" + display(job) + "\n");
            limit = failed;
        } else if (ok && h.why() == Halt.Why.SUCCESS) {
            messages.add(NAME + ": This job succeeded:\n" + display(job) + "\n");
            limit = done - failed;
        }
        if (h.why() == Halt.Why.DONE) {
            messages.add(NAME + ": This job finished:\n" + display(job) + "\n");
            limit = done;
        }
        if (limit < 0 || limit < h.threshold(totalForPercent())) {
            return;
        }
        if (haltStatus == null) {
            if (h.why() == Halt.Why.SUCCESS) {
                haltStatus = 0;
            } else if (h.percent() > 0) {
                haltStatus = (int) Math.ceil(failed * 100.0 / Math.max(1, totalForPercent()));
            } else if (h.count() == 1) {
                // GNU parallel: the job's exit value, or 128 + its signal (-1, a timeout, is 255).
                haltStatus = exitval != 0 ? exitval & 0xff : signal != 0 ? 128 + signal : 0;
            } else {
                haltStatus = (int) Math.min(failed, 101);
            }
        }
        if (stopStarting) {
            return;
        }
        stopStarting = true;
        if (h.when() == Halt.When.NOW) {
            killing = true;
            for (Job j : running) {
                j.killedByHalt = true;
                Sys.kill(-j.pgid, Linux.SIGTERM);
            }
            scheduleKill(settings.grace());
        } else if (!running.isEmpty()) {
            messages.add(NAME + ": Starting no more jobs. Waiting for " + running.size() + " jobs to finish.\n");
        }
    }

    private long totalForPercent() {
        long total = inputs.total();
        return total >= 0 ? total : started;
    }

    /** SIGKILL to every running job's group after {@code after}. Caller holds the lock. */
    private void scheduleKill(Duration after) {
        if (graceKiller != null) {
            return;
        }
        graceKiller = Thread.ofVirtual().name("spawnring-run-kill").start(() -> {
            try {
                Thread.sleep(after);
            } catch (InterruptedException e) {
                return;
            }
            killAll();
        });
    }

    private String display(Job job) {
        return job.argv == null || job.argv.isEmpty()
                ? settings.template().display(job.inputs, job.seq, Math.max(1, job.slot))
                : settings.template().describe(job.argv);
    }

    // ---- interrupts (see Interrupts)

    /**
     * First Ctrl-C (or SIGTERM, SIGHUP): sends {@code signal} to every running job's process
     * group, and to any job caught starting; no new job starts.
     *
     * @return how many jobs it was sent to
     */
    int interrupt(int signal) {
        lock.lock();
        try {
            if (interruptSignal == 0) {
                interruptSignal = signal;
            }
            stopStarting = true;
            for (Job j : running) {
                Sys.kill(-j.pgid, signal);
            }
            changed.signalAll();
            return running.size();
        } finally {
            lock.unlock();
        }
    }

    /** Second Ctrl-C, or the end of {@code --halt now}'s grace: SIGKILL to every running job's group. */
    void killAll() {
        lock.lock();
        try {
            stopStarting = true;
            for (Job j : running) {
                Sys.kill(-j.pgid, Linux.SIGKILL);
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until no job is running, starting or ending (the dispatcher may still be blocked
     * reading stdin).
     *
     * @return whether that happened within {@code millis}
     */
    boolean awaitIdle(long millis) throws InterruptedException {
        long deadline = millis == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + millis * 1_000_000;
        lock.lock();
        try {
            while (inFlight - (readingInput ? 1 : 0) > 0 || (!stopStarting && !inputsDone)) {
                if (deadline == Long.MAX_VALUE) {
                    changed.await();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    changed.await(left, TimeUnit.NANOSECONDS);
                }
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** @return whether the run is over (every job ended and the output written) */
    boolean isFinished() {
        lock.lock();
        try {
            return finished;
        } finally {
            lock.unlock();
        }
    }

    /** Prints what waits, ends the bar, closes the joblog and the Spawner. Once. */
    void finish() {
        lock.lock();
        try {
            if (finished) {
                return;
            }
            finished = true;
            // Jobs whose failed attempt was to be retried when the run stopped: they failed.
            for (Job j; (j = retries.poll()) != null; ) {
                done++;
                failed++;
            }
            if (graceKiller != null) {
                graceKiller.interrupt();
            }
        } finally {
            lock.unlock();
        }
        printer.close();
        if (log != null) {
            try {
                log.close();
            } catch (IOException e) {
                printer.message(NAME + ": closing the joblog: " + e.getMessage() + "\n");
                error = true;
            }
        }
        spawner.close();
    }

    private int exitStatus() {
        lock.lock();
        try {
            if (error) {
                return 255;
            }
            if (haltStatus != null) {
                return haltStatus;
            }
            if (settings.halt().active() && settings.halt().percent() > 0) {
                return (int) Math.ceil(failed * 100.0 / Math.max(1, totalForPercent()));
            }
            return (int) Math.min(failed, 101);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ProgressBar.Snapshot snapshot() {
        return new ProgressBar.Snapshot(done, runningCount, failed, inputs.total());
    }

}
