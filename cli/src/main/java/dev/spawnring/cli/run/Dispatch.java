package dev.spawnring.cli.run;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The half of a {@link Runner} that feeds it jobs: dispatcher threads take the next input (or
 * a job to retry) while fewer than {@code -j} jobs are in flight, and hand it to
 * {@link #start}. Here too is the state every thread of a run shares, under one lock.
 */
abstract class Dispatch {
    static final String NAME = "spawnring run";

    final ReentrantLock lock = new ReentrantLock();
    /** Signalled whenever a slot frees up, the run stops, or the input ends. */
    final Condition changed = lock.newCondition();
    final Printer printer;
    private int jobs;
    private final Inputs inputs;
    // Guarded by lock.
    /** Jobs reserved a slot: being read, started, running or ending. */
    int inFlight;
    boolean readingInput;
    boolean inputsDone;
    boolean stopStarting;
    boolean error;
    private long nextSeq;
    /** Jobs whose failed attempt runs again, before any new input. */
    final ArrayDeque<Job> retries = new ArrayDeque<>();

    Dispatch(int jobs, Inputs inputs, Printer printer) {
        this.jobs = jobs;
        this.inputs = inputs;
        this.printer = printer;
    }

    /** @return whether job {@code seq} is not run ({@code --resume}); called under the lock */
    boolean skipped(long seq) {
        return false;
    }

    /** Dispatcher: starts {@code job} in the slot it reserved; its end calls {@link #slotFreed} or frees it so. */
    abstract void start(Job job);

    /**
     * The calling thread dispatches, and {@code dispatchers - 1} platform threads more (one per
     * further loop of the Spawner: a spawn returns only once its child has exec'd, so one
     * dispatcher would keep all but one loop idle). They share the input (one reads at a time)
     * and the slots. Returns when the calling thread's dispatching is over.
     */
    void dispatchAll(int dispatchers) throws InterruptedException {
        for (int i = 2; i <= dispatchers; i++) {
            Thread.ofPlatform().daemon().name("spawnring-run-dispatch-" + i).start(() -> {
                try {
                    dispatch();
                } catch (InterruptedException e) {
                    // Nobody interrupts these threads; if someone does, the others go on.
                } catch (RuntimeException | Error e) {
                    printer.message(NAME + ": dispatcher failed: " + e + "\n");
                    locked(() -> {
                        error = true;
                        stopStarting = true;
                        changed.signalAll();
                    });
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
                    if (inFlight < jobs) {
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
                List<byte[]> in = readInput();
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
                    if (skipped(job.seq)) { // --resume: read, numbered, not run
                        inFlight--;
                        changed.signalAll();
                        printer.skip(job.seq);
                        continue;
                    }
                } finally {
                    lock.unlock();
                }
            }
            start(job);
        }
    }

    private List<byte[]> readInput() {
        try {
            return inputs.next();
        } catch (IOException e) {
            printer.message(NAME + ": reading the input: " + e.getMessage() + "\n");
            locked(() -> error = true);
            return null;
        }
    }

    /**
     * The run's job slots changed: a host went down ({@link Remotes}). With none left, no job
     * starts and the run ends in error.
     */
    void capacity(int slots) {
        locked(() -> {
            jobs = slots;
            if (slots == 0 && !stopStarting) {
                stopStarting = true;
                error = true;
                printer.message(NAME + ": no host is up: starting no more jobs\n");
            }
            changed.signalAll();
        });
    }

    /** A job's slot is free again (it ended, or will run again from {@link #retries}). */
    void slotFreed() {
        locked(() -> {
            inFlight--;
            changed.signalAll();
        });
    }

    /**
     * Waits until no job is running, starting or ending (a dispatcher may still be blocked
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

    /** Runs {@code r} under the lock. */
    final void locked(Runnable r) {
        lock.lock();
        try {
            r.run();
        } finally {
            lock.unlock();
        }
    }

    /** @return what {@code s} gives, under the lock */
    final <T> T withLock(Supplier<T> s) {
        lock.lock();
        try {
            return s.get();
        } finally {
            lock.unlock();
        }
    }
}
