package dev.spawnring;

import java.time.Duration;

/**
 * What a child's whole process tree used, read from its cgroup (see
 * {@link Command#inNewCgroup()}) when the child exited: the child and every descendant, those
 * that ended before it included. CPU time comes from {@code cpu.stat}, which every cgroup v2
 * has; the peaks from {@code memory.peak} (Linux 5.19) and {@code pids.peak} (6.1), which exist
 * only where the memory and pids controllers are enabled for the cgroup.
 *
 * <pre>{@code
 * ExitStatus s = spawner.spawn(Command.of("make", "-j8").inNewCgroup()).waitFor();
 * if (s.usage() != null) {
 *     System.out.println("user " + s.usage().userCpu() + ", system " + s.usage().systemCpu());
 * }
 * }</pre>
 *
 * @param userCpu    CPU time spent in user mode ({@code cpu.stat user_usec}), or null when unknown
 * @param systemCpu  CPU time spent in the kernel ({@code cpu.stat system_usec}), or null when unknown
 * @param memoryPeak the most memory the tree held at once, in bytes ({@code memory.peak}), or -1
 *                   where the memory controller is not enabled
 * @param pidsPeak   the most processes and threads the tree had at once ({@code pids.peak}), or -1
 *                   where the pids controller is not enabled
 */
public record TreeUsage(Duration userCpu, Duration systemCpu, long memoryPeak, long pidsPeak) {
    /**
     * Returns user and system CPU time together.
     *
     * @return their sum, or null when either is unknown
     */
    public Duration totalCpu() {
        return userCpu == null || systemCpu == null ? null : userCpu.plus(systemCpu);
    }
}
