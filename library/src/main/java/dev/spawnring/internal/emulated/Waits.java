package dev.spawnring.internal.emulated;

import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * How a request of an {@link EmulatedRing} waits for a file: its registration with the
 * reactor's epoll, the private fds the emulation holds for it, and taking a waiting
 * request down again (the kernel's async poll, {@code io_arm_poll_handler}). Everything
 * here runs under the ring's lock.
 */
final class Waits {
    /** What a request does when the file it waits for is ready (reactor thread, lock held). */
    @FunctionalInterface
    interface Ready {
        void ready(EmulatedRing ring, Request req, int events);
    }

    private final EmulatedRing ring;
    private long nextWaiterId = 1;
    private final Map<Long, Request> waiters = new HashMap<>();
    /** fds the emulation holds: in the kernel's world they do not exist (EBADF for the caller). */
    private final HashSet<Integer> internalFds = new HashSet<>();
    /** The caller's fds registered with epoll as they are, one request each (see {@link #armFd}). */
    private final HashSet<Integer> directFds = new HashSet<>();

    Waits(EmulatedRing ring) {
        this.ring = ring;
    }

    /** @return whether {@code fd} is one of the emulation's own (the reactor's, a dup, a pidfd) */
    boolean internal(int fd) {
        return internalFds.contains(fd);
    }

    void addInternal(int fd) {
        internalFds.add(fd);
    }

    /** Is {@code fd} an open fd of the caller's (not one of ours)? */
    boolean userFd(int fd) {
        return fd >= 0 && !internalFds.contains(fd) && IoCalls.isOpen(fd);
    }

    /**
     * Registers {@code r} with the reactor's epoll for {@code events} on {@code fd}, or on
     * {@code r.waitFd} when it already holds one (a pidfd opened for a WAITID by pid);
     * {@code ready} runs when the file is ready.
     *
     * <p>The caller's fd is registered as it is, so that waiting costs no fd (the kernel's
     * reference to the file costs none either, and fd-counting code sees no difference).
     * epoll takes an fd once: a second request waiting on the same fd gets a private
     * close-on-exec dup. Two differences with the kernel's file reference follow, both
     * only for a caller that closes an fd while a request still waits on it: the request
     * then waits until it is cancelled (epoll forgets a file once it is closed), or, if the
     * number was reused for another file meanwhile, it completes with -EBADF when woken
     * (checked with fstat) rather than act on the wrong file.
     *
     * @return 0, or -errno (-EPERM: epoll does not watch this kind of file)
     */
    int armFd(Request r, int fd, int events, boolean oneshot, Ready ready) {
        ring.reactor.start();
        if (r.waitFd < 0) {
            if (!directFds.contains(fd)) {
                int err = ring.io.fileId(fd, r.fileId);
                if (err < 0) {
                    return err;
                }
                directFds.add(fd);
                r.waitFd = fd;
                r.waitFdOwned = false;
            } else {
                int d = IoCalls.dupCloexec(fd);
                if (d < 0) {
                    return d;
                }
                internalFds.add(d);
                r.waitFd = d;
                r.waitFdOwned = true;
            }
        }
        long id = nextWaiterId++;
        int e = events | (oneshot ? Linux.EPOLLONESHOT : 0);
        int err = ring.io.epollCtl(ring.reactor.epfd, Linux.EPOLL_CTL_ADD, r.waitFd, e, id);
        if (err < 0) {
            closeWaitFd(r);
            return err;
        }
        r.waiterId = id;
        r.ready = ready;
        waiters.put(id, r);
        return 0;
    }

    /** The reactor saw the file of waiter {@code id} ready (reactor thread, lock held). */
    void onReady(long id, int events) {
        Request r = waiters.get(id);
        if (r == null) {
            return; // taken down since (cancelled)
        }
        if (!sameFile(r)) {
            // The caller closed the fd and its number now names another file: never touch that one.
            disarm(r);
            ring.completions.complete(r, -Errno.EBADF);
            return;
        }
        r.ready.ready(ring, r, events);
    }

    /** Does the caller's fd a request watches still name the file it named when the wait began? */
    private boolean sameFile(Request r) {
        if (r.waitFdOwned) {
            return true;
        }
        long[] now = new long[2];
        return ring.io.fileId(r.waitFd, now) == 0 && now[0] == r.fileId[0] && now[1] == r.fileId[1];
    }

    /** Waits (one shot) for {@code events} again; a failure completes the request. */
    void rearm(Request r, int events) {
        int err = ring.io.epollCtl(ring.reactor.epfd, Linux.EPOLL_CTL_MOD, r.waitFd, events | Linux.EPOLLONESHOT,
                r.waiterId);
        if (err < 0) {
            disarm(r);
            ring.completions.complete(r, err);
        }
    }

    /** Takes a request out of the list it waits in, and {@link #detach}es it. */
    void disarm(Request r) {
        switch (r.waitList) {
            case Request.LIST_POLL -> ring.pollArmed.remove(r);
            case Request.LIST_IOWQ -> ring.iowqBlocked.remove(r);
            case Request.LIST_WAITID -> ring.waitidArmed.remove(r);
            case Request.LIST_TIMEOUT -> ring.timeouts.remove(r);
            case Request.LIST_LINK_TIMEOUT -> ring.linkTimeoutsArmed.remove(r);
            default -> {
            }
        }
        r.waitList = Request.LIST_NONE;
        detach(r);
    }

    /** Stops a request's timer and epoll registration and closes its private fd. */
    void detach(Request r) {
        if (r.timer != null) {
            ring.reactor.cancelTimer(r.timer);
            r.timer = null;
        }
        if (r.waiterId != 0) {
            waiters.remove(r.waiterId);
            ring.io.epollDel(ring.reactor.epfd, r.waitFd);
            r.waiterId = 0;
        }
        closeWaitFd(r);
    }

    void closeWaitFd(Request r) {
        if (r.waitFd >= 0) {
            if (r.waitFdOwned) {
                internalFds.remove(r.waitFd);
                Sys.close(r.waitFd);
            } else {
                directFds.remove(r.waitFd);
            }
            r.waitFd = -1;
        }
    }

    /** The ring is closing: requests still waiting are dropped, their private fds closed. */
    void dropAll(int keepFd1, int keepFd2) {
        for (Request r : List.copyOf(waiters.values())) {
            disarm(r);
        }
        for (Request r : List.copyOf(ring.waitidArmed)) {
            disarm(r);
        }
        for (Request r : List.copyOf(ring.timeouts)) {
            disarm(r);
        }
        for (Request r : List.copyOf(ring.linkTimeoutsArmed)) {
            disarm(r);
        }
        for (int fd : internalFds) {
            if (fd != keepFd1 && fd != keepFd2) {
                Sys.close(fd);
            }
        }
        internalFds.clear();
    }
}
