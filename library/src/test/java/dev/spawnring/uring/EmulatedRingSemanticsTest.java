package dev.spawnring.uring;

import static dev.spawnring.uring.IoUring.*;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.spawnring.internal.emulated.EmulatedRing;
import dev.spawnring.internal.sys.Errno;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.NativeMemory;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testing.Isolation;
import dev.spawnring.testing.Rings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The FALLBACK ring gives the kernel's completions: every scenario runs the same
 * submissions on {@code Ring.open(16, IO_URING)} and {@code Ring.open(16, FALLBACK)} and
 * asserts the same (user_data, res) sequence for each chain, and the sequence written
 * here (what Linux 6.18 does). Where io_uring is refused, or is older than the semantics
 * written here (its NOP cannot fail on request, {@code IORING_NOP_INJECT_RESULT}, which
 * many scenarios use and which came late, after 6.1), the FALLBACK half still runs against
 * the written sequence, and the class says once on stdout that the kernel half was left out.
 *
 * <p>user_data is {@code chain * 10 + position}; results read {@code "11:ECANCELED"}.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
@Tag(Isolation.TAG)
class EmulatedRingSemanticsTest {
    private static final Duration LONG = Duration.ofSeconds(5);
    private static final int NOP_FLAGS_INVALID = 1 << 31;
    private static final boolean KERNEL = kernelComparable();
    /** Whether the kernel's io_uring has IORING_OP_WAITID (6.7+): where not, WAITID is compared on FALLBACK alone. */
    private static final boolean KERNEL_WAITID = KERNEL && kernelHasWaitid();

    // ---------------------------------------------------------------- prep failures

    @Test
    void a_prep_failure_in_the_middle_of_a_linked_chain_fails_the_whole_chain_and_nothing_runs() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNop().userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().nopFlags(NOP_FLAGS_INVALID).userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("11:ECANCELED", "12:EINVAL", "13:ECANCELED"), r);
    }

    @Test
    void a_prep_failure_in_a_hardlinked_chain_fails_the_whole_chain_too() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNop().userData(11).flags(IOSQE_IO_HARDLINK);
            s.sqe().prepNop().nopFlags(NOP_FLAGS_INVALID).userData(12).flags(IOSQE_IO_HARDLINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("11:ECANCELED", "12:EINVAL", "13:ECANCELED"), r);
    }

    @Test
    void each_prep_failure_of_a_chain_keeps_its_own_error_and_a_bad_link_timeout_is_one() {
        List<String> r = onBoth(s -> {
            s.sqe().prepLinkTimeout(Duration.ofSeconds(1), 0).userData(11).flags(IOSQE_IO_LINK); // at the head
            s.sqe().prepNop().userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepTimeout(Duration.ofSeconds(1), 0, 0).len(2).userData(13).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(14);
            s.submit();
            return s.reap(4);
        });
        assertEquals(List.of("11:EINVAL", "12:ECANCELED", "13:EINVAL", "14:ECANCELED"), r);
    }

    @Test
    void a_prep_failure_completes_the_head_at_once_and_the_rest_after_other_chains() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNop().userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().nopFlags(NOP_FLAGS_INVALID).userData(12);
            s.sqe().prepNop().userData(21);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("11:ECANCELED", "21:0", "12:EINVAL"), r);
    }

    @Test
    void prep_checks_answer_as_the_kernel_does() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepNop().flags(0x80).userData(11);                       // unknown IOSQE bit
            s.sqe().prepNop().flags(IOSQE_BUFFER_SELECT).userData(21);        // op without buffer select
            s.sqe().prepNop().ioprio(1).userData(31);
            s.sqe().prepNop().personality(1).userData(41);
            s.sqe().prepRw(100, -1, 0, 0, 0).userData(51);                    // past IORING_OP_LAST
            s.sqe().prepWaitid(P_PID, 1, null, WEXITED, 0).addr(8).userData(61);
            s.sqe().prepOpenat(AT_FDCWD, "", Linux.O_CLOEXEC, 0).userData(71);
            s.sqe().prepRead(p[0], s.buf, 8, -1).flags(IOSQE_FIXED_FILE).userData(81); // at issue: EBADF
            s.sqe().prepNop().flags(IOSQE_FIXED_FILE).userData(91);           // NOP ignores it
            s.sqe().prepCancel(0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_FD).userData(101);
            s.submit();
            return s.reap(10);
        });
        assertEquals(List.of("11:EINVAL", "21:EOPNOTSUPP", "31:EINVAL", "41:EINVAL", "51:EINVAL", "61:EINVAL",
                "71:ENOENT", "81:EBADF", "91:0", "101:EINVAL"), r);
    }

    // ---------------------------------------------------------------- run-time failures and links

    @Test
    void a_failing_nop_cancels_the_rest_of_a_linked_chain() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNopInject(-Errno.EIO).userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("11:EIO", "12:ECANCELED", "13:ECANCELED"), r);
    }

    @Test
    void a_failing_nop_with_hardlink_lets_the_chain_go_on() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNopInject(-Errno.EIO).userData(11).flags(IOSQE_IO_HARDLINK);
            s.sqe().prepNopInject(7).userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNopInject(-Errno.EPERM).userData(13).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(14);
            s.submit();
            return s.reap(4);
        });
        assertEquals(List.of("11:EIO", "12:7", "13:EPERM", "14:ECANCELED"), r);
    }

    @Test
    void chain_steps_complete_after_the_other_chains_of_the_same_submission() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNop().userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.sqe().prepNop().userData(21);
            s.sqe().prepNopInject(5).userData(31);
            s.submit();
            return s.reap(5);
        });
        assertEquals(List.of("11:0", "21:0", "31:5", "12:0", "13:0"), r);
    }

    @Test
    void a_short_read_breaks_the_link_and_a_full_one_does_not() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.write(p[1], 5);
            s.sqe().prepRead(p[0], s.buf, 100, -1).userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(12);
            s.submit();
            List<String> out = new ArrayList<>(s.reap(2));
            s.write(p[1], 5);
            s.sqe().prepRead(p[0], s.buf, 5, 0).userData(21).flags(IOSQE_IO_LINK); // a pipe ignores the offset
            s.sqe().prepNop().userData(22);
            s.submit();
            out.addAll(s.reap(2));
            return out;
        });
        assertEquals(List.of("11:5", "12:ECANCELED", "21:5", "22:0"), r);
    }

    @Test
    void skip_success_hides_successes_and_a_failing_skip_request_hides_the_links_it_cancels() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNop().flags(IOSQE_CQE_SKIP_SUCCESS).userData(11);
            s.sqe().prepNopInject(-Errno.EPERM).flags(IOSQE_CQE_SKIP_SUCCESS | IOSQE_IO_LINK).userData(21);
            s.sqe().prepNop().userData(22);
            s.sqe().prepNop().userData(31);
            s.submit();
            return s.reap(2);
        });
        assertEquals(List.of("21:EPERM", "31:0"), r);
    }

    // ---------------------------------------------------------------- LINK_TIMEOUT

    @Test
    void a_link_timeout_fires_on_a_read_of_an_empty_pipe_and_completes_before_the_read() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 10, -1).userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepLinkTimeout(Duration.ofMillis(30), 0).userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            return s.reap(3);
        });
        // The kernel posts the timeout's -ETIME first: the read's cancellation is task work it queues.
        assertEquals(List.of("12:ETIME", "11:ECANCELED", "13:ECANCELED"), r);
    }

    @Test
    void after_a_link_timeout_fires_a_hardlinked_chain_goes_on() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 10, -1).userData(11).flags(IOSQE_IO_HARDLINK);
            s.sqe().prepLinkTimeout(Duration.ofMillis(30), 0).userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("12:ETIME", "11:ECANCELED", "13:0"), r);
    }

    @Test
    void a_link_timeout_does_not_fire_on_a_nop_and_the_chain_goes_on() {
        List<String> r = onBoth(s -> {
            s.sqe().prepNop().userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepLinkTimeout(Duration.ofSeconds(1), 0).userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("11:0", "12:ECANCELED", "13:0"), r);
    }

    @Test
    void a_link_timeout_is_disarmed_when_the_read_gets_data_in_time() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 3, -1).userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepLinkTimeout(Duration.ofSeconds(2), 0).userData(12).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(13);
            s.submit();
            s.quiet(Duration.ofMillis(20));
            s.write(p[1], 3);
            return s.reap(3);
        });
        assertEquals(List.of("11:3", "12:ECANCELED", "13:0"), r);
    }

    @Test
    void a_link_timeout_can_be_given_a_new_time() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 3, -1).userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepLinkTimeout(Duration.ofSeconds(30), 0).userData(12);
            s.submit();
            s.quiet(Duration.ofMillis(10));
            MemorySegment ts = s.timespec(Duration.ofMillis(20));
            s.sqe().prepTimeoutRemove(12, IORING_TIMEOUT_UPDATE | (1 << 4)).addr2(ts.address()).userData(21);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("21:0", "12:ETIME", "11:ECANCELED"), r);
    }

    // ---------------------------------------------------------------- cancel

    @Test
    void async_cancel_of_a_blocked_read_completes_before_the_read() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 10, -1).userData(11);
            s.submit();
            s.quiet(Duration.ofMillis(10));
            s.sqe().prepCancel(11, 0).userData(21);
            s.sqe().prepCancel(99, 0).userData(31);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("21:0", "31:ENOENT", "11:ECANCELED"), r);
    }

    @Test
    void async_cancel_any_counts_what_it_cancelled() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 10, -1).userData(11);
            s.sqe().prepPollAdd(p[0], Linux.POLLIN).userData(21);
            s.sqe().prepTimeout(Duration.ofSeconds(30), 0, 0).userData(31);
            s.submit();
            s.quiet(Duration.ofMillis(10));
            s.sqe().prepCancel(0, IORING_ASYNC_CANCEL_ANY).userData(41);
            s.sqe().prepCancel(0, IORING_ASYNC_CANCEL_ANY).userData(51);
            s.submit();
            List<String> out = s.reap(5);
            // Which armed request the kernel takes down first depends on its hash table: compare as a set.
            return List.of(out.get(0), out.get(1), new TreeSet<>(out.subList(2, 5)).toString());
        });
        // The second finds the READ and the POLL again: their cancellation has not run yet (the
        // kernel's poll table still holds them), and it counts them.
        assertEquals(List.of("41:3", "51:2", "[11:ECANCELED, 21:ECANCELED, 31:ECANCELED]"), r);
    }

    @Test
    void a_chain_left_open_at_the_end_of_a_submission_blocks_like_an_io_wq_worker() {
        // The kernel punts a chain whose last SQE still carries IOSQE_IO_LINK to io-wq, where a pipe
        // READ blocks in the call: a cancel answers -EALREADY and the read ends with -EINTR.
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepRead(p[0], s.buf, 10, -1).userData(11).flags(IOSQE_IO_LINK);
            s.submit();
            s.quiet(Duration.ofMillis(20));
            s.sqe().prepCancel(11, 0).userData(21);
            s.submit();
            return s.reap(2);
        });
        assertEquals(List.of("21:EALREADY", "11:EINTR"), r);
    }

    @Test
    void poll_remove_takes_down_a_poll_and_only_a_poll() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepPollAdd(p[0], Linux.POLLIN).userData(11);
            s.sqe().prepRead(p[0], s.buf, 10, -1).userData(21);
            s.submit();
            s.quiet(Duration.ofMillis(10));
            s.sqe().prepPollRemove(21).userData(31);
            s.sqe().prepPollRemove(11).userData(41);
            s.sqe().prepCancel(21, 0).userData(51);
            s.submit();
            return s.reap(5);
        });
        assertEquals(List.of("31:ENOENT", "41:0", "51:0", "11:ECANCELED", "21:ECANCELED"), r);
    }

    // ---------------------------------------------------------------- poll

    @Test
    void poll_add_on_a_pipe_completes_when_it_is_made_readable() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepPollAdd(p[0], Linux.POLLIN).userData(11);
            s.submit();
            List<String> out = new ArrayList<>(s.quiet(Duration.ofMillis(20)));
            s.write(p[1], 1);
            out.addAll(s.reap(1));
            // Ready at once: completes in the submission. A closed writer is POLLHUP, asked or not.
            s.sqe().prepPollAdd(p[1], Linux.POLLOUT).userData(21);
            s.submit();
            out.addAll(s.reap(1));
            s.read(p[0], 1);
            s.sqe().prepPollAdd(p[0], Linux.POLLIN).userData(31);
            s.submit();
            s.quiet(Duration.ofMillis(10));
            s.close(p[1]);
            out.addAll(s.reap(1));
            return out;
        });
        assertEquals(List.of("11:" + Linux.POLLIN, "21:" + Linux.POLLOUT, "31:" + Linux.POLLHUP), r);
    }

    @Test
    void a_multishot_poll_posts_one_completion_per_wakeup_until_cancelled() {
        List<String> r = onBoth(s -> {
            int[] p = s.pipe();
            s.sqe().prepPollAdd(p[0], Linux.POLLIN).len(IORING_POLL_ADD_MULTI).userData(11);
            s.submit();
            List<String> out = new ArrayList<>(s.quiet(Duration.ofMillis(10)));
            s.write(p[1], 1);
            out.addAll(s.reap(1));
            s.write(p[1], 1);
            out.addAll(s.reap(1));
            s.sqe().prepCancel(11, 0).userData(21);
            s.submit();
            out.addAll(s.reap(2));
            return out;
        });
        int more = IORING_CQE_F_MORE;
        assertEquals(List.of("11:1/f" + more, "11:1/f" + more, "21:0", "11:ECANCELED"), r);
    }

    // ---------------------------------------------------------------- timeouts

    @Test
    void a_timeout_completes_with_etime_and_cancels_what_is_linked_to_it() {
        List<String> r = onBoth(s -> {
            s.sqe().prepTimeout(Duration.ofMillis(20), 0, 0).userData(11).flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(12);
            s.sqe().prepTimeout(Duration.ofMillis(40), 0, IORING_TIMEOUT_ETIME_SUCCESS).userData(21)
                    .flags(IOSQE_IO_LINK);
            s.sqe().prepNop().userData(22);
            s.submit();
            return s.reap(4);
        });
        assertEquals(List.of("11:ETIME", "12:ECANCELED", "21:ETIME", "22:0"), r);
    }

    @Test
    void a_timeout_with_a_count_completes_after_that_many_other_completions() {
        List<String> r = onBoth(s -> {
            s.sqe().prepTimeout(LONG, 3, 0).userData(11);
            s.submit();
            List<String> out = new ArrayList<>(s.quiet(Duration.ofMillis(10)));
            s.sqe().prepNop().userData(21);
            s.sqe().prepNop().userData(22);
            s.submit();
            out.addAll(s.reap(2));
            out.addAll(s.quiet(Duration.ofMillis(10)));
            s.sqe().prepNop().userData(31);
            s.submit();
            out.addAll(s.reap(2));
            // Completions in the same submission before it count; timeouts that end do not.
            s.sqe().prepNop().userData(41);
            s.sqe().prepTimeout(LONG, 1, 0).userData(42);
            s.sqe().prepTimeout(Duration.ofMillis(50), 2, 0).userData(43);
            s.submit();
            out.addAll(s.reap(3));
            return out;
        });
        assertEquals(List.of("21:0", "22:0", "31:0", "11:0", "41:0", "42:0", "43:ETIME"), r);
    }

    @Test
    void timeout_remove_cancels_a_timeout_and_an_update_gives_it_a_new_time() {
        List<String> r = onBoth(s -> {
            s.sqe().prepTimeout(LONG, 0, 0).userData(11);
            s.sqe().prepTimeout(LONG, 0, 0).userData(21);
            s.submit();
            s.quiet(Duration.ofMillis(10));
            s.sqe().prepTimeoutRemove(11, 0).userData(31);
            s.sqe().prepTimeoutRemove(99, 0).userData(41);
            MemorySegment ts = s.timespec(Duration.ofMillis(20));
            s.sqe().prepTimeoutRemove(21, IORING_TIMEOUT_UPDATE).addr2(ts.address()).userData(51);
            s.submit();
            return s.reap(5);
        });
        assertEquals(List.of("31:0", "41:ENOENT", "51:0", "11:ECANCELED", "21:ETIME"), r);
    }

    @Test
    void a_multishot_timeout_fires_as_often_as_asked() {
        List<String> r = onBoth(s -> {
            s.sqe().prepTimeout(Duration.ofMillis(10), 3, 1 << 6).userData(11);
            s.submit();
            return s.reap(3);
        });
        int more = IORING_CQE_F_MORE;
        assertEquals(List.of("11:ETIME/f" + more, "11:ETIME/f" + more, "11:ETIME"), r);
    }

    @Test
    void a_drained_request_waits_for_everything_before_it_and_holds_back_what_follows() {
        List<String> r = onBoth(s -> {
            s.sqe().prepTimeout(Duration.ofMillis(30), 0, 0).userData(11);
            s.sqe().prepTimeout(Duration.ofMillis(10), 0, 0).flags(IOSQE_IO_DRAIN).userData(21);
            s.sqe().prepNop().userData(31);
            s.submit();
            return s.reap(3);
        });
        assertEquals(List.of("11:ETIME", "21:ETIME", "31:0"), r);
    }

    // ---------------------------------------------------------------- WAITID

    @Test
    void waitid_on_a_pidfd_completes_when_the_child_exits_and_fills_siginfo() {
        Map<Backend, int[]> pids = new EnumMap<>(Backend.class);
        List<String> r = onBothWithWaitid(s -> {
            int pid = spawn("/bin/sh", "-c", "sleep 0.2; exit 3");
            int pidfd = Sys.pidfdOpen(pid, 0);
            assertTrue(pidfd >= 0, "pidfd_open");
            MemorySegment info = s.owned(NativeMemory.calloc(Linux.SIGINFO_SIZE));
            try {
                // WNOWAIT first: it reports the exit and leaves the child to reap.
                s.sqe().prepWaitid(P_PIDFD, pidfd, info, WEXITED | Linux.WNOWAIT, 0).userData(11);
                s.submit();
                List<String> out = new ArrayList<>(s.quiet(Duration.ofMillis(50)));
                out.addAll(s.reap(1));
                int code1 = info.get(JAVA_INT, Linux.SI_CODE);
                info.fill((byte) 0);
                s.sqe().prepWaitid(P_PID, pid, info, WEXITED, 0).userData(21);
                s.sqe().prepWaitid(P_PIDFD, pidfd, null, WEXITED | Linux.WNOHANG, 0).userData(31);
                s.submit();
                out.addAll(s.reap(2));
                pids.put(s.ring.backend(), new int[] {pid, info.get(JAVA_INT, Linux.SI_PID),
                    info.get(JAVA_INT, Linux.SI_CODE), info.get(JAVA_INT, Linux.SI_STATUS), code1,
                    info.get(JAVA_INT, Linux.SI_SIGNO)});
                return out;
            } finally {
                Sys.close(pidfd);
            }
        });
        assertEquals(List.of("11:0", "21:0", "31:ECHILD"), r);
        for (int[] p : pids.values()) {
            assertEquals(p[0], p[1], "si_pid");
            assertEquals(Linux.CLD_EXITED, p[2], "si_code");
            assertEquals(3, p[3], "si_status");
            assertEquals(Linux.CLD_EXITED, p[4], "si_code of the WNOWAIT wait");
            assertEquals(Linux.SIGCHLD, p[5], "si_signo");
        }
    }

    @Test
    void waitid_can_be_cancelled_and_answers_echild_for_a_process_that_is_not_a_child() {
        List<String> r = onBothWithWaitid(s -> {
            int pid = spawn("/bin/sleep", "30");
            int pidfd = Sys.pidfdOpen(pid, 0);
            try {
                s.sqe().prepWaitid(P_PIDFD, pidfd, null, WEXITED, 0).userData(11);
                s.sqe().prepWaitid(P_PID, 1, null, WEXITED, 0).userData(21);
                s.submit();
                List<String> out = new ArrayList<>(s.reap(1));
                out.addAll(s.quiet(Duration.ofMillis(20)));
                s.sqe().prepCancel(11, 0).userData(31);
                s.submit();
                out.addAll(s.reap(2));
                return out;
            } finally {
                Sys.pidfdSendSignal(pidfd, Linux.SIGKILL, 0);
                Sys.waitid(P_PIDFD, pidfd, s.owned(NativeMemory.calloc(Linux.SIGINFO_SIZE)), WEXITED);
                Sys.close(pidfd);
            }
        });
        // A cancelled WAITID makes ASYNC_CANCEL answer 1, not 0: io_waitid_cancel returns a count.
        assertEquals(List.of("21:ECHILD", "31:1", "11:ECANCELED"), r);
    }

    @Test
    void a_link_timeout_on_a_waitid_completes_with_the_count_the_cancel_answered() {
        List<String> r = onBothWithWaitid(s -> {
            int pid = spawn("/bin/sleep", "30");
            int pidfd = Sys.pidfdOpen(pid, 0);
            try {
                s.sqe().prepWaitid(P_PIDFD, pidfd, null, WEXITED, 0).userData(11).flags(IOSQE_IO_LINK);
                s.sqe().prepLinkTimeout(Duration.ofMillis(20), 0).userData(12).flags(IOSQE_IO_LINK);
                s.sqe().prepNop().userData(13);
                s.submit();
                return s.reap(3);
            } finally {
                Sys.pidfdSendSignal(pidfd, Linux.SIGKILL, 0);
                Sys.waitid(P_PIDFD, pidfd, s.owned(NativeMemory.calloc(Linux.SIGINFO_SIZE)), WEXITED);
                Sys.close(pidfd);
            }
        });
        // io_req_task_link_timeout posts "io_try_cancel() ?: -ETIME", and a WAITID cancel answers 1.
        assertEquals(List.of("12:1", "11:ECANCELED", "13:ECANCELED"), r);
    }

    // ---------------------------------------------------------------- what the emulation does not run

    @Test
    void an_op_the_emulation_does_not_run_completes_eopnotsupp_on_fallback_only() throws Exception {
        // FSYNC is not emulated: the kernel syncs (0), FALLBACK answers -EOPNOTSUPP when issued, so the
        // request before it in the chain has run and the one after is cancelled.
        assertTrue(!EmulatedRing.PROBE.supports(IORING_OP_FSYNC));
        int fd = Sys.memfdCreate("fsync", Linux.MFD_CLOEXEC);
        try {
            Map<Backend, List<String>> got = new EnumMap<>(Backend.class);
            for (Backend b : backends()) {
                try (Session s = new Session(b)) {
                    s.sqe().prepNop().userData(11).flags(IOSQE_IO_LINK);
                    s.sqe().prepRw(IORING_OP_FSYNC, fd, 0, 0, 0).userData(12).flags(IOSQE_IO_LINK);
                    s.sqe().prepNop().userData(13);
                    s.submit();
                    got.put(b, s.reap(3));
                }
            }
            assertEquals(List.of("11:0", "12:EOPNOTSUPP", "13:ECANCELED"), got.get(Backend.FALLBACK));
            if (KERNEL) {
                assertEquals(List.of("11:0", "12:0", "13:0"), got.get(Backend.IO_URING));
            }
        } finally {
            Sys.close(fd);
        }
    }

    // ---------------------------------------------------------------- the CQ, close

    @Test
    void three_times_the_cq_entries_without_reaping_lose_nothing() {
        List<String> r = onBoth(s -> {
            int total = 3 * s.ring.cqEntries();
            assertEquals(32, s.ring.cqEntries());
            for (int i = 0; i < total; ) {
                Sqe sqe = s.ring.getSqe();
                if (sqe == null) {
                    assertTrue(s.ring.submit() >= 0);
                    continue;
                }
                sqe.prepNopInject(i).userData(i);
                i++;
            }
            s.submit();
            List<String> out = s.reap(total);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                expected.add(i + ":" + i);
            }
            assertEquals(expected, out);
            return List.of(String.valueOf(out.size()));
        });
        assertEquals(List.of("96"), r);
    }

    @Test
    void closing_a_ring_with_requests_waiting_is_prompt_and_leaks_no_fd_and_no_thread() throws Exception {
        for (Backend b : backends()) {
            Set<Thread> before = fallbackThreads();
            long fds = openFds();
            int[] p = new int[2];
            assertEquals(0, Sys.pipe2(p, Linux.O_CLOEXEC));
            int pid = spawn("/bin/sleep", "30");
            int pidfd = Sys.pidfdOpen(pid, 0);
            MemorySegment buf = NativeMemory.calloc(64);
            MemorySegment info = NativeMemory.calloc(Linux.SIGINFO_SIZE);
            try {
                Ring ring = Ring.open(16, b);
                ring.getSqe().prepRead(p[0], buf, 64, -1).userData(1);
                ring.getSqe().prepPollAdd(p[0], Linux.POLLIN).userData(2);
                ring.getSqe().prepTimeout(Duration.ofSeconds(60), 0, 0).userData(3);
                boolean waitid = b == Backend.FALLBACK || KERNEL_WAITID;
                if (waitid) {
                    ring.getSqe().prepWaitid(P_PIDFD, pidfd, null, WEXITED, 0).userData(4);
                }
                ring.getSqe().prepRead(p[0], buf, 64, -1).userData(5).flags(IOSQE_IO_LINK);
                ring.getSqe().prepLinkTimeout(Duration.ofSeconds(60), 0).userData(6);
                ring.submit();
                Thread.sleep(20);
                assertEquals(waitid ? 6 : 5, ring.inFlight(), "all wait");
                long t0 = System.nanoTime();
                ring.close();
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 1000, b + ": close took " + ms + " ms");
            } finally {
                Sys.pidfdSendSignal(pidfd, Linux.SIGKILL, 0);
                Sys.waitid(P_PIDFD, pidfd, info, WEXITED);
                Sys.close(pidfd);
                Sys.close(p[0]);
                Sys.close(p[1]);
                NativeMemory.free(buf);
                NativeMemory.free(info);
            }
            long fdsAfter = openFds(); // exactly as many: no other test runs in this JVM
            assertEquals(fds, fdsAfter, b + ": open fds before and after close");
            Set<Thread> after = fallbackThreads();
            after.removeAll(before);
            assertTrue(after.isEmpty(), b + ": threads left " + after);
        }
    }

    @Test
    void the_fallback_ring_says_what_it_is() throws IOException {
        try (Ring ring = Ring.open(16, Backend.FALLBACK)) {
            assertEquals(Backend.FALLBACK, ring.backend());
            assertEquals(16, ring.sqEntries());
            assertEquals(32, ring.cqEntries());
            assertEquals(0, ring.setupFlags());
            assertEquals(IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE | IORING_FEAT_RW_CUR_POS, ring.features());
            Probe probe = ring.probe();
            assertEquals(List.of("NOP", "POLL_ADD", "POLL_REMOVE", "TIMEOUT", "TIMEOUT_REMOVE", "ASYNC_CANCEL",
                    "LINK_TIMEOUT", "OPENAT", "CLOSE", "READ", "WRITE", "WAITID"), probe.supportedNames());
        }
    }

    // ================================================================ harness

    @FunctionalInterface
    interface Scenario {
        List<String> run(Session s) throws Exception;
    }

    private static List<Backend> backends() {
        return KERNEL ? List.of(Backend.IO_URING, Backend.FALLBACK) : List.of(Backend.FALLBACK);
    }

    /** Whether the kernel's io_uring is there and has the semantics written here (see the class comment). */
    private static boolean kernelComparable() {
        String refused = Ring.ioUringUnavailableReason();
        if (refused != null) {
            System.out.println("EmulatedRingSemanticsTest: FALLBACK alone, io_uring is refused: " + refused);
            return false;
        }
        if (!Rings.kernelNopInjects()) {
            System.out.println("EmulatedRingSemanticsTest: FALLBACK alone against Linux 6.18's sequences: this kernel's"
                    + " io_uring (" + System.getProperty("os.version") + ") has no IORING_NOP_INJECT_RESULT");
            return false;
        }
        return true;
    }

    private static boolean kernelHasWaitid() {
        try (Ring ring = Ring.open(2, Backend.IO_URING)) {
            return ring.probe().supports(IORING_OP_WAITID);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@link #onBoth}, or on FALLBACK alone where the kernel's io_uring has no WAITID (before 6.7). */
    private static List<String> onBothWithWaitid(Scenario scenario) {
        return KERNEL_WAITID || !KERNEL ? onBoth(scenario) : on(List.of(Backend.FALLBACK), scenario);
    }

    /**
     * Runs {@code scenario} on each backend, asserts that each chain (user_data / 10) saw the
     * same sequence on both, and returns what FALLBACK saw.
     */
    private static List<String> onBoth(Scenario scenario) {
        return on(backends(), scenario);
    }

    private static List<String> on(List<Backend> backends, Scenario scenario) {
        Map<Backend, List<String>> got = new EnumMap<>(Backend.class);
        for (Backend b : backends) {
            try (Session s = new Session(b)) {
                got.put(b, scenario.run(s));
            } catch (Exception e) {
                throw new AssertionError(b + ": " + e, e);
            }
        }
        if (got.size() == 2) {
            List<String> k = got.get(Backend.IO_URING);
            List<String> f = got.get(Backend.FALLBACK);
            assertEquals(byChain(k), byChain(f), "per-chain completions, IO_URING vs FALLBACK");
            assertEquals(k, f, "completion order, IO_URING vs FALLBACK");
        }
        return got.get(Backend.FALLBACK);
    }

    private static Map<String, List<String>> byChain(List<String> cqes) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (String c : cqes) {
            String ud = c.indexOf(':') < 0 ? c : c.substring(0, c.indexOf(':'));
            String chain = ud.length() > 1 ? ud.substring(0, ud.length() - 1) : ud;
            m.computeIfAbsent(chain, x -> new ArrayList<>()).add(c);
        }
        return m;
    }

    /** One ring plus what a scenario opens, all closed at the end. */
    static final class Session implements AutoCloseable {
        final Ring ring;
        final MemorySegment buf = NativeMemory.calloc(1 << 16);
        private final List<Integer> fds = new ArrayList<>();
        private final List<MemorySegment> memory = new ArrayList<>();

        Session(Backend b) throws IOException {
            this.ring = Ring.open(16, b);
        }

        Sqe sqe() {
            Sqe s = ring.getSqe();
            assertNotNull(s, "SQ full");
            return s;
        }

        void submit() throws IOException {
            ring.submit();
        }

        int[] pipe() {
            int[] p = new int[2];
            assertEquals(0, Sys.pipe2(p, Linux.O_CLOEXEC));
            fds.add(p[0]);
            fds.add(p[1]);
            return p;
        }

        void write(int fd, int n) {
            assertEquals(n, Sys.write(fd, buf, n));
        }

        void read(int fd, int n) {
            assertEquals(n, Sys.read(fd, buf, n));
        }

        void close(int fd) {
            if (fds.remove((Integer) fd)) {
                Sys.close(fd);
            }
        }

        MemorySegment owned(MemorySegment m) {
            memory.add(m);
            return m;
        }

        MemorySegment timespec(Duration d) {
            MemorySegment ts = owned(NativeMemory.calloc(16));
            ts.set(JAVA_LONG, 0, d.getSeconds());
            ts.set(JAVA_LONG, 8, d.getNano());
            return ts;
        }

        /** Reaps exactly {@code n} completions (failing after 5 s), then checks that no more come at once. */
        List<String> reap(int n) throws IOException, InterruptedException {
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + LONG.toNanos();
            while (out.size() < n) {
                Cqe c = ring.peekCqe();
                if (c == null) {
                    if (System.nanoTime() > deadline) {
                        fail(ring.backend() + ": " + out.size() + " of " + n + " completions in " + LONG + ": " + out);
                    }
                    Thread.sleep(1);
                    continue;
                }
                out.add(format(c));
                ring.cqeSeen(c);
            }
            return out;
        }

        /** What completes within {@code d} (usually nothing). */
        List<String> quiet(Duration d) throws IOException, InterruptedException {
            List<String> out = new ArrayList<>();
            long deadline = System.nanoTime() + d.toNanos();
            while (System.nanoTime() < deadline) {
                Cqe c = ring.peekCqe();
                if (c == null) {
                    Thread.sleep(1);
                    continue;
                }
                out.add(format(c));
                ring.cqeSeen(c);
            }
            return out;
        }

        private static String format(Cqe c) {
            String res = c.res() < 0 ? Errno.name(-c.res()) : String.valueOf(c.res());
            return c.userData() + ":" + res + (c.flags() != 0 ? "/f" + c.flags() : "");
        }

        @Override
        public void close() {
            ring.close();
            for (int fd : fds) {
                Sys.close(fd);
            }
            NativeMemory.free(buf);
            for (MemorySegment m : memory) {
                NativeMemory.free(m);
            }
        }
    }

    // ---- processes the JDK does not know about (so that it does not reap them first)

    private static final MethodHandle POSIX_SPAWN = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("posix_spawn").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));

    /** posix_spawn(path, argv) with an empty environment: a child only the caller reaps. */
    static int spawn(String path, String... args) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment argv = arena.allocate(ADDRESS, args.length + 2);
            argv.setAtIndex(ADDRESS, 0, arena.allocateFrom(path));
            for (int i = 0; i < args.length; i++) {
                argv.setAtIndex(ADDRESS, i + 1, arena.allocateFrom(args[i]));
            }
            MemorySegment envp = arena.allocate(ADDRESS, 1);
            MemorySegment pid = arena.allocate(JAVA_INT);
            int r = (int) POSIX_SPAWN.invokeExact(pid, arena.allocateFrom(path), MemorySegment.NULL,
                    MemorySegment.NULL, argv, envp);
            assertEquals(0, r, "posix_spawn " + path);
            return pid.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    private static Set<Thread> fallbackThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("spawnring-fallback-") && t.isAlive())
                .collect(Collectors.toSet());
    }
}
