package dev.spawnring;

/**
 * How {@link Child#killTree()} killed a child's process tree: which mechanism was used, so a
 * caller can tell a complete kill (a cgroup's) from a best effort (a process group's).
 *
 * <pre>{@code
 * TreeKill how = child.killTree();
 * if (how == TreeKill.PROCESS_GROUP) {
 *     log.warn("no cgroup here: what left the process group survives");
 * }
 * }</pre>
 */
public enum TreeKill {
    /**
     * {@code cgroup.kill} (Linux 5.14): every process in the child's cgroup, whatever its
     * session or group, got SIGKILL at once, and none can escape by forking meanwhile.
     */
    CGROUP_KILL,
    /**
     * Where {@code cgroup.kill} is missing: the cgroup was frozen ({@code cgroup.freeze}), each
     * process in it sent SIGKILL through a pidfd, then thawed. As complete as
     * {@link #CGROUP_KILL}.
     */
    CGROUP_FREEZE,
    /**
     * No cgroup: SIGKILL to the process group the child leads, sent only while the child is
     * unreaped (or through its pidfd, Linux 6.9+), so no other group is hit. A descendant that
     * left the group ({@code setsid}, a daemon) is not reached.
     */
    PROCESS_GROUP,
    /** No cgroup and no process group of its own: SIGKILL to the child alone, through its pidfd. */
    CHILD,
    /** Nothing was left to kill: the child was reaped and its cgroup, if any, was empty and removed. */
    NONE
}
