package dev.spawnring.internal.emulated;

import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.uring.IoUring;
import java.lang.foreign.MemorySegment;

/**
 * One request of an {@link EmulatedRing}: its SQE's fields, copied at submission (the
 * SQE is reused as soon as submit returns, as with {@code IORING_FEAT_SUBMIT_STABLE}),
 * what prep made of them, and where it is in its chain and in its wait.
 *
 * <p>Mutable, and guarded by the ring's lock like the rest of the ring's state.
 */
final class Request {
    // ---- the SQE
    long userData;
    int opcode;
    final int sqeFlags;
    final int ioprio;
    final int fd;
    final long off;
    final long addr;
    final int len;
    final int opFlags;
    final int bufIndex;
    final int personality;
    final int fileIndex;
    final long addr3;

    // ---- what prep made of it
    /** A failure found at prep (the whole chain is failed at submit), 0 when none. */
    int prepError;
    /** A failure the request completes with when it is issued (links apply), 0 when none. */
    int issueError;
    /** TIMEOUT/LINK_TIMEOUT: the time, in ns (relative, or absolute on the request's clock). */
    long nanos;
    /** TIMEOUT: the completion count ({@code off}, 0 for none); multishot: the repeats. */
    int count;
    int repeats;
    /** OPENAT: the path, copied at prep as the kernel's getname() does. */
    byte[] path;
    /** POLL_ADD: the events asked for; multishot or not. */
    int pollEvents;
    boolean multishot;

    // ---- the chain
    Request next;
    /** The LINK_TIMEOUT guarding this request (taken out of the chain at submit). */
    Request linkTimeout;
    /** For a LINK_TIMEOUT: the request it guards. */
    Request guarded;
    boolean hardlink;
    boolean drain;
    /** How many requests the chain holds (set on its head, for IOSQE_IO_DRAIN accounting). */
    int chainSize;
    /** The kernel's REQ_F_FAIL: the rest of the chain is cancelled unless hardlinked. */
    boolean failed;
    /** The kernel's REQ_F_CQE_SKIP (IOSQE_CQE_SKIP_SUCCESS, cleared when the request fails). */
    boolean skipCqe;
    /** The kernel's REQ_F_SKIP_LINK_CQES: a skip-success request failed; the links it cancels post nothing. */
    boolean skipLinkCqes;
    /**
     * Runs the way the kernel's io-wq worker runs a chain punted to it at the end of a
     * submission: a READ or WRITE blocks there, so it cannot be cancelled (a cancel
     * answers -EALREADY and the call ends with -EINTR), and its LINK_TIMEOUT is not armed.
     */
    boolean iowq;
    /** Waited asynchronously (poll, timer, waitid): its chain goes on as task work. */
    boolean async;
    boolean posted;
    /** Cancelled, its -ECANCELED (or -EINTR) completion queued but not run yet. */
    boolean cancelling;
    int res;

    // ---- the wait
    /** epoll data of its registration, 0 when none. */
    long waiterId;
    /** The fd it waits on: the caller's, a private dup of it, or a pidfd opened for it; -1 when none. */
    int waitFd = -1;
    /** {@code waitFd} is ours to close (a dup, a pidfd we opened), not the caller's fd. */
    boolean waitFdOwned;
    /** For the caller's own fd: st_dev and st_ino of the file it named when the wait began. */
    final long[] fileId = new long[2];
    /** What it does when the file it waits for is ready. */
    Waits.Ready ready;
    Reactor.Timer timer;
    /** READ/WRITE: bytes done so far (a blocking write goes on until all is written). */
    long progress;
    /** The file does not do RWF_NOWAIT: readiness comes from poll(). */
    boolean noNowait;
    /** A pipe or socket: the offset is ignored. */
    boolean stream;
    /** TIMEOUT with a count: the CQ position that completes it. */
    long targetSeq;
    /** WAITID polled on a timer: the current interval. */
    long backoffNanos;
    /** Where it is kept while it waits (a cancel looks there). */
    int waitList;

    static final int LIST_NONE = 0;
    static final int LIST_POLL = 1;
    static final int LIST_IOWQ = 2;
    static final int LIST_WAITID = 3;
    static final int LIST_TIMEOUT = 4;
    static final int LIST_LINK_TIMEOUT = 5;

    Request(MemorySegment sqe) {
        this.opcode = Layouts.opcode(sqe);
        this.sqeFlags = Layouts.flags(sqe);
        this.ioprio = Layouts.ioprio(sqe);
        this.fd = Layouts.fd(sqe);
        this.off = Layouts.off(sqe);
        this.addr = Layouts.addr(sqe);
        this.len = Layouts.len(sqe);
        this.opFlags = Layouts.opFlags(sqe);
        this.userData = Layouts.userData(sqe);
        this.bufIndex = Layouts.bufIndex(sqe);
        this.personality = Layouts.personality(sqe);
        this.fileIndex = Layouts.fileIndex(sqe);
        this.addr3 = Layouts.addr3(sqe);
    }

    /** {@code addr2} is the same field as {@code off}. */
    long addr2() {
        return off;
    }

    boolean linked() {
        return (sqeFlags & (IoUring.IOSQE_IO_LINK | IoUring.IOSQE_IO_HARDLINK)) != 0;
    }

    /** {@code IOSQE_FIXED_FILE}: {@code fd} indexes a registered file table (none is, here). */
    boolean fixedFile() {
        return (sqeFlags & IoUring.IOSQE_FIXED_FILE) != 0;
    }

    /** The first request of {@code list} submitted with {@code userData}, or null. */
    static Request find(Iterable<Request> list, long userData) {
        for (Request r : list) {
            if (r.userData == userData) {
                return r;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return IoUring.opName(opcode) + "[userData=" + userData + ", res=" + res + "]";
    }
}
