package dev.spawnring.internal.emulated;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.internal.sys.SysException;
import java.lang.foreign.MemorySegment;
import java.util.PriorityQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread of an {@link EmulatedRing} that waits: an epoll loop over the files its
 * requests wait for (one registration per waiting request, see {@link Waits#armFd}), an
 * eventfd to wake it, and the ring's timers in a priority queue that sets the
 * {@code epoll_wait} timeout. What it sees it hands to the waiting requests
 * ({@link Waits#onReady}, {@link Timer#fired}) under the ring's lock, then runs the
 * completions and task work that made; {@code epoll_wait} itself runs without the lock.
 *
 * <p>Everything here except {@link #run} is called with the ring's lock held, and every
 * field but the final ones is guarded by it.
 */
final class Reactor implements Runnable {
    private static final AtomicInteger THREADS = new AtomicInteger();
    /** epoll data of the wake-up eventfd; waiting requests get ids from 1 up. */
    static final long WAKE_ID = 0;
    private static final int MAX_EVENTS = 64;
    private static final int EVENT_SIZE = Linux.EPOLL_EVENT_SIZE;

    /** What a request does when its timer fires (reactor thread, ring lock held). */
    @FunctionalInterface
    interface Fired {
        void fired(EmulatedRing ring, Request req);
    }

    /** A point in time (System.nanoTime) at which a request must hear about it. */
    static final class Timer implements Comparable<Timer> {
        final long deadline;
        final long seq;
        final Request request;
        final Fired fired;
        boolean cancelled;

        Timer(long deadline, long seq, Request request, Fired fired) {
            this.deadline = deadline;
            this.seq = seq;
            this.request = request;
            this.fired = fired;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(deadline - o.deadline, 0); // nanoTime may wrap: compare differences
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final EmulatedRing ring;
    private final IoCalls io;
    final int epfd;
    final int evfd;
    /** Started on the first wait; written under the ring's lock, read by close() after stop() under it. */
    private Thread thread;
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private int cancelledTimers;
    private long timerSeq;
    /**
     * When the thread will wake up by itself (nanoTime) while it sits in epoll_wait;
     * {@code Long.MIN_VALUE} while it is busy (it looks at the timers before it sleeps again),
     * {@code Long.MAX_VALUE} while it sleeps without a timeout.
     */
    private long sleepUntil = Long.MIN_VALUE;
    private boolean sleepingForever;
    private boolean stopping;

    Reactor(EmulatedRing ring, IoCalls io) throws SysException {
        this.ring = ring;
        this.io = io;
        int ep = Errno.check("epoll_create1", Sys.epollCreate1(Linux.EPOLL_CLOEXEC));
        int ev = Sys.eventfd(0, Linux.EFD_CLOEXEC | Linux.EFD_NONBLOCK);
        if (ev < 0) {
            Sys.close(ep);
            throw new SysException("eventfd", -ev);
        }
        int r = io.epollCtl(ep, Linux.EPOLL_CTL_ADD, ev, Linux.POLLIN, WAKE_ID);
        if (r < 0) {
            Sys.close(ev);
            Sys.close(ep);
            throw new SysException("epoll_ctl(eventfd)", -r);
        }
        this.epfd = ep;
        this.evfd = ev;
    }

    /** Starts the thread, the first time a request waits (ring lock held). */
    void start() {
        if (thread != null || stopping) {
            return;
        }
        thread = new Thread(this, "spawnring-fallback-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
    }

    // ---- timers (ring lock held)

    Timer addTimer(long deadline, Request request, Fired fired) {
        Timer t = new Timer(deadline, timerSeq++, request, fired);
        timers.add(t);
        // The thread computed its epoll_wait timeout from the earliest timer before it slept:
        // wake it when this one is earlier, so that it computes it again.
        if (sleepingForever || (sleepUntil != Long.MIN_VALUE && deadline - sleepUntil < 0)) {
            wake();
        }
        return t;
    }

    void cancelTimer(Timer t) {
        if (t.cancelled) {
            return;
        }
        t.cancelled = true;
        cancelledTimers++;
        // Lazy removal, but never let cancelled timers (a long TIMEOUT removed early) pile up.
        if (cancelledTimers > 64 && cancelledTimers > timers.size() / 2) {
            timers.removeIf(x -> x.cancelled);
            cancelledTimers = 0;
        }
    }

    void wake() {
        io.eventfdWrite(evfd);
        sleepUntil = Long.MIN_VALUE;
        sleepingForever = false;
    }

    /** Asks the thread to stop (it does at its next look at the lock). */
    void stop() {
        stopping = true;
        wake();
    }

    /** Waits for the thread (if it was started) to end; call without the ring's lock, after {@link #stop}. */
    void join() {
        Thread t;
        ring.lock.lock();
        try {
            t = thread;
        } finally {
            ring.lock.unlock();
        }
        if (t == null) {
            return;
        }
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    void closeFds() {
        Sys.close(evfd);
        Sys.close(epfd);
    }

    // ---- the loop

    @Override
    public void run() {
        MemorySegment events = NativeMemory.calloc((long) MAX_EVENTS * EVENT_SIZE);
        try {
            while (true) {
                int timeoutMillis;
                ring.lock.lock();
                try {
                    if (stopping) {
                        return;
                    }
                    timeoutMillis = timeoutMillis();
                } finally {
                    ring.lock.unlock();
                }
                int n = Sys.epollWait(epfd, events, MAX_EVENTS, timeoutMillis);
                if (n < 0 && n != -Errno.EINTR) {
                    throw new SysException("epoll_wait", -n);
                }
                ring.lock.lock();
                try {
                    sleepUntil = Long.MIN_VALUE;
                    sleepingForever = false;
                    if (stopping) {
                        return;
                    }
                    fireTimers();
                    for (int i = 0; i < n; i++) {
                        long at = (long) i * EVENT_SIZE;
                        int ev = events.get(JAVA_INT_UNALIGNED, at);
                        long id = events.get(JAVA_LONG_UNALIGNED, at + Linux.EPOLL_EVENT_DATA);
                        if (id == WAKE_ID) {
                            io.eventfdDrain(evfd);
                        } else {
                            ring.waits.onReady(id, ev);
                        }
                    }
                    // Completions and chain steps made above are posted before the lock is released:
                    // the reaping thread takes the same lock, so it sees them (and the bytes the
                    // syscalls wrote into the caller's buffers before them) once it holds it.
                    ring.completions.drive();
                } finally {
                    ring.lock.unlock();
                }
            }
        } catch (Throwable t) {
            ring.reactorFailed(t);
        } finally {
            NativeMemory.free(events);
        }
    }

    /** The epoll_wait timeout for the earliest timer (ring lock held); records it in sleepUntil. */
    private int timeoutMillis() {
        Timer first;
        while ((first = timers.peek()) != null && first.cancelled) {
            timers.poll();
            cancelledTimers--;
        }
        if (first == null) {
            sleepingForever = true;
            sleepUntil = Long.MAX_VALUE;
            return -1;
        }
        long wait = first.deadline - System.nanoTime();
        sleepUntil = first.deadline;
        if (wait <= 0) {
            return 0;
        }
        // Round up: waking a little late is right, waking early only costs another turn.
        long ms = (wait + 999_999) / 1_000_000;
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    private void fireTimers() {
        long now = System.nanoTime();
        Timer t;
        while ((t = timers.peek()) != null && (t.cancelled || t.deadline - now <= 0)) {
            timers.poll();
            if (t.cancelled) {
                cancelledTimers--;
                continue;
            }
            t.cancelled = true; // fired: a later cancel is a no-op
            Request r = t.request;
            if (r.timer == t) {
                r.timer = null;
                t.fired.fired(ring, r);
            }
        }
    }
}
