package dev.spawnring.internal.process;

import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The children of one loop whose exit nobody watches yet. A child that a waiter may reap
 * ({@link ChildState}) is not watched by the loop when it starts: its caller usually waits for
 * it at once, on its own thread, and reaps it there; a loop that watched too would be woken at
 * the exit for nothing, and telling it about the child would wake it at the start. So the
 * thread that cloned the child only adds it here, and the loop, at a sweep at most
 * {@link #DELAY} later, watches each child still unwatched and unreaped with no waiter. A child
 * nobody waits for is so reaped at most {@code DELAY} after its exit; {@code onExit()} and the
 * waits that go through the loop ask for the watch at once ({@link ChildState#watchNow}).
 *
 * <p>One timer serves every child that starts while it runs, and a sweep that found children
 * arms the next one itself: while children keep starting, the loop is woken once per
 * {@code DELAY}, by the timer. Only the first child after a sweep that found none wakes the loop
 * to arm it. Any thread adds; the loop thread arms and sweeps.
 */
final class LateWatches {
    /** How long a child may go unwatched by the loop. */
    static final Duration DELAY = Duration.ofMillis(10);

    private final EventLoop loop;
    private final ConcurrentLinkedQueue<ExitWatch> children = new ConcurrentLinkedQueue<>();
    /** A sweep is armed (or about to be): set by the adder that must arm it, cleared by the sweep. */
    private final AtomicBoolean armed = new AtomicBoolean();

    LateWatches(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * Any thread: {@code child} is to be watched at the next sweep.
     *
     * @return true when no sweep was armed: the caller must have {@link #arm} run on the loop
     */
    boolean add(ExitWatch child) {
        children.add(child);
        // The add comes first: a sweep that clears the flag after this CAS failed drains it.
        return armed.compareAndSet(false, true);
    }

    /** Loop thread: the next sweep, after {@link #DELAY}; at once when the loop is ending. */
    void arm() {
        try {
            loop.sqe().prepTimeout(DELAY, 0, 0).userData(loop.register(cqe -> sweep()));
        } catch (IllegalStateException ending) {
            sweep(); // its ring is closed: what is left is given up (ExitWatch#watchIfUnwatched)
        }
    }

    /** Loop thread: the timer fired (or was cancelled by the ending loop). */
    private void sweep() {
        ExitWatch child = children.poll();
        if (child == null) {
            armed.set(false); // volatile write, then a last look: a child added before it is swept now
            child = children.poll();
            if (child == null || !armed.compareAndSet(false, true)) {
                drain(child); // none, or a child whose adder arms the next sweep
                return;
            }
        }
        drain(child);
        arm(); // children keep coming, likely: the next sweep needs no wake-up to arm
    }

    private void drain(ExitWatch first) {
        for (ExitWatch child = first; child != null; child = children.poll()) {
            child.watchIfUnwatched();
        }
    }
}
