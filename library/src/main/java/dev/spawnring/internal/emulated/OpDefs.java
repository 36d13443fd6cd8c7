package dev.spawnring.internal.emulated;

import static dev.spawnring.uring.IoUring.*;

import dev.spawnring.internal.ring.Layouts;
import dev.spawnring.internal.ring.RingBackend.OpProbe;
import dev.spawnring.internal.sys.Errno;
import java.util.Arrays;

/**
 * What each opcode is to the emulation, as the kernel's {@code io_issue_defs}: whether
 * it takes {@code ioprio} and {@code IOSQE_BUFFER_SELECT}, and the functions that prep
 * and issue it. An opcode the emulation does not run has no functions: it passes the
 * common checks and completes {@code -EOPNOTSUPP} when issued.
 */
final class OpDefs {
    /** The op's prep: records what it needs later; returns 0 or the error that fails the chain. */
    @FunctionalInterface
    interface Prep {
        int prep(EmulatedRing ring, Request req, Request prev);
    }

    /** Issues the op: it completes at once, or waits (poll, timer, waitid) and completes later. */
    @FunctionalInterface
    interface Issue {
        void issue(EmulatedRing ring, Request req);
    }

    record Def(boolean ioprio, boolean bufferSelect, Prep prep, Issue issue) {
        boolean runs() {
            return issue != null;
        }
    }

    /** The kernel's {@code IORING_OP_LAST - 1} on Linux 6.18: higher opcodes are {@code -EINVAL} at prep. */
    static final int LAST_OP = IORING_OP_PIPE;

    private static final Def NOT_RUN = new Def(false, false, null, null);
    /** Ops the emulation does not run, but which take IOSQE_BUFFER_SELECT in the kernel. */
    private static final Def NOT_RUN_BUFFER_SELECT = new Def(false, true, null, null);

    private static final Def[] DEFS = new Def[LAST_OP + 1];

    static {
        Arrays.fill(DEFS, NOT_RUN);
        for (int op : new int[] {IORING_OP_READV, IORING_OP_RECV, IORING_OP_RECVMSG, IORING_OP_READ_MULTISHOT,
                IORING_OP_SEND, IORING_OP_SENDMSG}) {
            DEFS[op] = NOT_RUN_BUFFER_SELECT;
        }
        DEFS[IORING_OP_NOP] = new Def(false, false, Nop::prep, Nop::issue);
        DEFS[IORING_OP_READ] = new Def(true, true, Rw::prep, Rw::issue);
        DEFS[IORING_OP_WRITE] = new Def(true, false, Rw::prep, Rw::issue);
        DEFS[IORING_OP_OPENAT] = new Def(false, false, OpenClose::openatPrep, OpenClose::openat);
        DEFS[IORING_OP_CLOSE] = new Def(false, false, OpenClose::closePrep, OpenClose::close);
        DEFS[IORING_OP_POLL_ADD] = new Def(false, false, Poll::addPrep, Poll::add);
        DEFS[IORING_OP_POLL_REMOVE] = new Def(false, false, Poll::removePrep, Poll::remove);
        DEFS[IORING_OP_TIMEOUT] = new Def(false, false, Timeout::prep, Timeout::timeout);
        DEFS[IORING_OP_LINK_TIMEOUT] = new Def(false, false, Timeout::prep, OpDefs::noIssue);
        DEFS[IORING_OP_TIMEOUT_REMOVE] = new Def(false, false, Timeout::removePrep, Timeout::remove);
        DEFS[IORING_OP_ASYNC_CANCEL] = new Def(false, false, Cancel::prep, Cancel::cancel);
        DEFS[IORING_OP_WAITID] = new Def(false, false, Waitid::prep, Waitid::waitid);
    }

    /** The ops this emulation runs. */
    static final OpProbe PROBE;

    static {
        boolean[] ops = new boolean[Layouts.PROBE_OPS];
        for (int op = 0; op <= LAST_OP; op++) {
            ops[op] = DEFS[op].runs();
        }
        PROBE = new OpProbe(LAST_OP, ops);
    }

    private OpDefs() {
    }

    /** io_no_issue: a LINK_TIMEOUT is never issued itself; it hangs on the request before it. */
    private static void noIssue(EmulatedRing ring, Request req) {
        ring.completions.complete(req, -Errno.ECANCELED);
    }

    /** @return the definition of {@code op}, which must be at most {@link #LAST_OP} */
    static Def def(int op) {
        return DEFS[op];
    }
}
