package dev.spawnring.cli.run;

import dev.spawnring.Child;
import dev.spawnring.Command;
import dev.spawnring.ExitStatus;
import dev.spawnring.Signal;
import dev.spawnring.SpawnException;
import dev.spawnring.Spawner;
import dev.spawnring.Stdio;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

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
 * with a parent-death signal of SIGKILL; when it exits, the Spawner kills whatever it left
 * running in its group before reaping it ({@link Command#killProcessGroupOnExit()}), so no
 * job leaves an orphan. Signals to a job's group (timeouts, {@code --halt now}, Ctrl-C) go
 * through {@link Child#signalGroup}, which sends nothing once the job is reaped. A job's
 * stdout and stderr go to memfds ({@link Stdio#memfd()}), printed when it ends;
 * {@code --line-buffer} reads its pipes with two virtual threads ({@link LinePump}).
 */
final class Runner extends Dispatch implements ProgressBar.Source {
    private final RunSettings settings;
    private final Inputs inputs;
    private final JobLog log;
    /** {@code --stats}: each job's tree usage, or null. */
    private volatile Stats stats;
    private final Spawner spawner;
    private final Programs programs = new Programs(System.getenv("PATH"));
    /** The programs a job could not run (not there, or not runnable): said once each. */
    private final Set<ByteBuffer> unrunnable = ConcurrentHashMap.newKeySet();

    // Guarded by lock.
    private boolean killing;
    private int interruptSignal;
    private boolean finished;
    private final Set<Job> running = new HashSet<>();
    /** Jobs given a slot and not yet running (or failed): a Ctrl-C reaches them once they run. */
    private int starting;
    private final BitSet slots = new BitSet();
    private Thread graceKiller;
    private final Tally tally;
    // Written under lock, read without it (the progress bar).
    private volatile int runningCount;
    /** The -S hosts and --workdir, or null. */
    private Remotes remotes;

    Runner(RunSettings settings, Inputs inputs, Printer printer, JobLog log, Spawner spawner) {
        super(settings.jobs(), inputs, printer);
        this.settings = settings;
        this.inputs = inputs;
        this.tally = new Tally(settings.halt(), inputs);
        this.log = log;
        this.spawner = spawner;
    }

    /**
     * Sends the jobs to the {@code -S} hosts, or into {@code --workdir}; closed with the run.
     * Before {@link #run}.
     */
    void remotes(Remotes r) {
        this.remotes = r;
        r.onCapacity(this::capacity);
    }

    /**
     * Runs every job (or until {@code --halt} or an interrupt stops it) and waits for the last.
     *
     * @return the exit status, GNU parallel's way
     */
    int run() {
        try {
            dispatchAll(spawner.loops());
            awaitIdle(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupt(Signal.SIGTERM);
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

    /** Dispatcher: starts {@code job} in the slot it reserved. */
    @Override
    void start(Job job) {
        boolean dropped;
        lock.lock();
        try {
            dropped = stopStarting;
            if (dropped) {
                inFlight--;
                changed.signalAll();
            } else if (remotes != null && !remotes.place(job)) {
                // Every host that is up is full: one just went down, and the slots are being cut.
                inFlight--;
                retries.addFirst(job);
                changed.signalAll();
                return;
            } else {
                job.slot = slots.nextClearBit(1);
                slots.set(job.slot);
                starting++;
                if (job.attempt == 0) {
                    tally.started();
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
        Extras extras = settings.extras();
        java.nio.file.Path block = null;
        try {
            List<byte[]> values = values(job);
            job.argv = settings.template().argv(values, job.seq, job.slot);
            job.prefix = extras.prefix(values, job.seq, job.slot);
            if (extras.pipe()) {
                block = Blocks.write(job.inputs.get(0));
                job.sent = job.inputs.get(0).length;
            }
            command = remotes == null ? settings.command(job.argv, programs, job.seq, job.slot, block)
                    : remotes.command(job, settings, programs);
        } catch (IOException | RuntimeException e) {
            if (block != null) {
                Blocks.delete(block);
            }
            failedToStart(job, String.valueOf(e.getMessage()), 126);
            return;
        }
        pace(extras.delay());
        if (extras.verbose() && (pumped() || extras.inherit())) { // grouped, it goes out with the output
            byte[] head = new Bytes.Builder().append(display(job)).append((byte) '\n').toBytes();
            printer.lines(job.seq, false, head, 0, head.length, job.prefix);
        }
        job.startMillis = System.currentTimeMillis();
        job.startNanos = System.nanoTime();
        Child child;
        try {
            child = spawner.spawn(command);
        } catch (SpawnException e) {
            int exitval = e.errnoName().equals("ENOENT") ? 127 : 126;
            // A program that is not there, or cannot run, is said once, not once per job.
            boolean first = !e.step().equals("exec") || unrunnable.add(ByteBuffer.wrap(job.argv.get(0)));
            failedToStart(job, first ? e.getMessage() + (e.step().equals("exec")
                    ? " (said once: every job running it fails with exit value " + exitval + ")" : "") : null,
                    exitval);
            return;
        } catch (RuntimeException e) {
            failedToStart(job, String.valueOf(e.getMessage()), 126);
            return;
        } finally {
            if (block != null) {
                Blocks.delete(block); // the job has it open: its name is no longer needed
            }
        }
        job.child = child;
        lock.lock();
        try {
            starting--;
            running.add(job);
            runningCount = running.size();
            if (killing) {
                job.killedByHalt = true;
                child.signalGroup(Signal.SIGTERM);
            } else if (interruptSignal != 0) {
                child.signalGroup(interruptSignal);
            }
        } finally {
            lock.unlock();
        }
        CompletableFuture<ExitStatus> exit = child.onExit();
        CompletableFuture<?> end = exit;
        if (pumped()) {
            boolean raw = extras.ungroup() && !settings.lineBuffer();
            CompletableFuture<Long> out = LinePump.start(job.seq, child.stdout(), false, printer, job.prefix, raw);
            CompletableFuture<Long> err = LinePump.start(job.seq, child.stderr(), true, printer, job.prefix, raw);
            end = CompletableFuture.allOf(exit, out.thenAccept(n -> job.received = n), err);
        }
        end.whenComplete((v, e) -> ended(job, exit.isCompletedExceptionally() ? null : exit.join()));
    }

    /** @param message why, for stderr, or null to print nothing */
    private void failedToStart(Job job, String message, int exitval) {
        locked(() -> starting--);
        job.startMillis = System.currentTimeMillis();
        job.startNanos = System.nanoTime();
        job.argv = job.argv != null ? job.argv : List.of();
        Printer.Captured out = Printer.Captured.ofBytes(new byte[0],
                message == null ? new byte[0] : Bytes.of(NAME + ": " + message + "\n"));
        complete(job, ExitStatus.exited(exitval), false, out);
    }

    /** A job's leader was reaped (and, line-buffered, its pipes are drained). */
    private void ended(Job job, ExitStatus status) {
        if (status == null) {
            status = ExitStatus.killed(Signal.SIGKILL);
        }
        boolean timedOut = status.timedOut();
        locked(() -> {
            running.remove(job);
            runningCount = running.size();
        });
        if (remotes != null) {
            remotes.ended(job, status);
        }
        byte[] warning = timedOut ? new Bytes.Builder()
                .append(Bytes.of(NAME + ": Warning: This job was killed because it timed out:\n" + NAME + ": Warning: "))
                .append(display(job)).append((byte) '\n').toBytes() : null;
        Extras extras = settings.extras();
        byte[] head = extras.verbose() && !extras.inherit()
                ? new Bytes.Builder().append(display(job)).append((byte) '\n').toBytes() : null;
        complete(job, status, timedOut, pumped() || extras.inherit() ? Printer.Captured.message(warning)
                : new Printer.Captured(job.child.stdoutMemfd(), job.child.stderrMemfd(), warning)
                        .decorate(job.prefix, head));
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
            boolean moved = job.place != null && job.place.moved;
            if (remotes != null && job.place != null) {
                remotes.release(job);
                job.place.moved = false;
            }
            discard = job.killedByHalt;
            retry = !discard && !stopStarting && (moved || (!ok && job.attempt + 1 < settings.tries()));
            if (retry) {
                if (!moved) {
                    job.attempt++;
                }
                retries.add(job);
            }
        } finally {
            lock.unlock();
        }
        if (discard || retry) {
            output.close();
            if (discard) {
                printer.skip(job.seq);
            }
            slotFreed();
            return;
        }
        int exitval = timedOut ? -1 : status.exited() ? status.code() : 0;
        int signal = timedOut ? (status.signaled() ? status.signal() : Signal.SIGTERM) : status.signal();
        if (log != null) {
            // -u: GNU logs 0; -v: GNU counts the command line printed before the output.
            long received = settings.extras().ungroup() ? 0 : pumped() ? job.received : output.stdoutBytes();
            if (settings.extras().verbose() && !settings.extras().ungroup()) {
                received += display(job).length + 1;
            }
            try {
                Remotes.Place p = job.place;
                log.write(job.seq, p == null ? ":" : p.host, job.startMillis, System.nanoTime() - job.startNanos,
                        job.sent + (p == null ? 0 : p.sent), received + (p == null ? 0 : p.returned), exitval, signal,
                        display(job));
            } catch (RuntimeException e) {
                printer.message(NAME + ": writing the joblog: " + e.getMessage() + "\n");
                locked(() -> {
                    error = true;
                    stopStarting = true;
                });
            }
        }
        Stats st = stats;
        if (st != null) {
            try {
                st.write(job.seq, exitval, signal, status, display(job));
            } catch (RuntimeException e) {
                printer.message(NAME + ": writing the stats: " + e.getMessage() + "\n");
                locked(() -> error = true);
            }
        }
        output = saved(job, output);
        printer.finished(job.seq, output);
        List<byte[]> messages = new ArrayList<>();
        locked(() -> {
            if (tally.finished(ok, exitval, signal, display(job), messages)) {
                halt(messages);
            }
            if (printer.failure() != null && !stopStarting) {
                stopStarting = true;
                error = true;
                if (!"Broken pipe".equals(printer.failure().getMessage())) { // a closed pipe is a normal end
                    messages.add(Bytes.of(NAME + ": writing output failed (" + printer.failure().getMessage()
                            + "): starting no more jobs\n"));
                }
            }
        });
        // Printed before the slot is freed: the run may end as soon as the last slot is.
        messages.forEach(printer::message);
        slotFreed();
    }

    /** @return whether jobs' output is read from pipes as it comes */
    private boolean pumped() {
        return settings.extras().pumped(settings.lineBuffer());
    }

    /** @return the values the template is filled with: none with {@code --pipe} (the input is the job's stdin) */
    private List<byte[]> values(Job job) {
        return settings.extras().pipe() ? List.of() : job.inputs;
    }

    @Override
    boolean skipped(long seq) {
        return settings.extras().skip().contains(seq);
    }

    /** {@code --delay}: the time of the next start, guarded by itself. */
    private final long[] nextStart = {0};

    /** Dispatcher: waits until {@code delay} after the previous start ({@code --delay}). */
    private void pace(Duration delay) {
        if (delay == null) {
            return;
        }
        long wait;
        synchronized (nextStart) {
            long now = System.nanoTime();
            long at = nextStart[0] == 0 ? now : Math.max(now, nextStart[0]);
            nextStart[0] = at + delay.toNanos();
            wait = at - now;
        }
        if (wait > 0) {
            try {
                Thread.sleep(Duration.ofNanos(wait));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * {@code --results} and {@code --files}: the job's output saved in files; @return what is
     * printed instead (the stdout file's name with {@code --files}, else nothing)
     */
    private Printer.Captured saved(Job job, Printer.Captured output) {
        Extras extras = settings.extras();
        if (extras.results() == null && !extras.files()) {
            return output;
        }
        try {
            java.nio.file.Path file = extras.results() != null
                    ? extras.writeResults(values(job), job.seq, output) : Extras.writeFile(output);
            byte[] line = extras.files() ? Bytes.of(file + "\n") : new byte[0];
            return Printer.Captured.ofBytes(line, new byte[0]).decorate(job.prefix, null);
        } catch (IOException | RuntimeException e) {
            printer.message(NAME + ": saving the output of job " + job.seq + ": " + e.getMessage() + "\n");
            locked(() -> error = true);
            return Printer.Captured.empty();
        } finally {
            output.close();
        }
    }

    /** {@code --halt}'s condition is met: no new job starts, and with {@code now} the running ones are killed. Caller holds the lock. */
    private void halt(List<byte[]> messages) {
        if (stopStarting) {
            return;
        }
        stopStarting = true;
        if (settings.halt().when() == Halt.When.NOW) {
            killing = true;
            running.forEach(j -> j.killedByHalt = true);
            signalRunning(Signal.SIGTERM);
            scheduleKill(settings.grace());
        } else if (!running.isEmpty()) {
            messages.add(Bytes.of(NAME + ": Starting no more jobs. Waiting for " + running.size() + " jobs to finish.\n"));
        }
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

    private byte[] display(Job job) {
        return job.argv == null || job.argv.isEmpty()
                ? settings.template().display(job.inputs, job.seq, Math.max(1, job.slot))
                : settings.template().describe(job.argv);
    }

    // ---- interrupts (see Interrupts)

    /**
     * First Ctrl-C (or SIGTERM, SIGHUP): sends {@code signal} to every running job's process
     * group, and to any job caught starting once it runs; no new job starts.
     *
     * @return how many jobs it was or will be sent to
     */
    int interrupt(int signal) {
        return withLock(() -> {
            if (interruptSignal == 0) {
                interruptSignal = signal;
            }
            signalRunning(signal);
            return running.size() + starting;
        });
    }

    /** Second Ctrl-C, or the end of {@code --halt now}'s grace: SIGKILL to every running job's group. */
    void killAll() {
        locked(() -> signalRunning(Signal.SIGKILL));
    }

    /**
     * Caller holds the lock: no new job starts, and {@code signal} goes to every running job's
     * group ({@link Child#signalGroup}: nothing to a job already reaped); a SIGKILL to its whole
     * tree ({@link Child#killTree}: its cgroup, else its group), daemons included.
     */
    private int signalRunning(int signal) {
        stopStarting = true;
        for (Job j : running) {
            if (signal == Signal.SIGKILL) {
                j.child.killTree();
            } else {
                j.child.signalGroup(signal);
            }
        }
        changed.signalAll();
        return running.size();
    }

    /** @return whether the run is over (every job ended and the output written) */
    boolean isFinished() {
        return withLock(() -> finished);
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
                tally.abandoned();
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
        Stats st = stats;
        if (st != null) {
            try {
                st.close();
            } catch (IOException e) {
                printer.message(NAME + ": closing the stats: " + e.getMessage() + "\n");
                error = true;
            }
        }
        if (remotes != null) {
            remotes.close();
        }
        spawner.close();
    }

    /** Writes each job's tree usage to {@code stats} ({@code --stats}); before {@link #run}. */
    void stats(Stats stats) {
        this.stats = stats;
    }

    private int exitStatus() {
        return withLock(() -> tally.exitStatus(error));
    }

    @Override
    public ProgressBar.Snapshot snapshot() {
        return new ProgressBar.Snapshot(tally.done(), runningCount, tally.failed(), inputs.total());
    }

}
