package dev.spawnring.conformance;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code Process}'s {@code ProcessHandle}: equal to {@code ProcessHandle.of(pid)} and to the
 * handles {@code ProcessHandle.current().children()} and {@code descendants()} list, its parent,
 * info, children, exit and termination; after the exit, no handle for the pid. After the OpenJDK's
 * {@code ProcessHandle/Basic.java}, {@code TreeTest}, {@code OnExitTest}, {@code InfoTest}.
 */
class HandleTest {
    @Conformance
    void toHandleEqualsTheJdksHandleOfThePidBothWays(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sleep", "600"));
        try {
            ProcessHandle h = p.toHandle();
            ProcessHandle of = ProcessHandle.of(p.pid()).orElseThrow();
            assertEquals(of, h);
            assertEquals(h, of);
            assertEquals(of.hashCode(), h.hashCode());
            assertEquals(0, h.compareTo(of));
            assertEquals(p.pid(), h.pid());
            assertSame(h, p.toHandle());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void theProcessIsAmongThisJvmsChildrenAndDescendants(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sleep", "600"));
        try {
            List<ProcessHandle> children = ProcessHandle.current().children().toList();
            assertTrue(children.contains(p.toHandle()), children + " holds " + p.toHandle());
            assertTrue(ProcessHandle.current().descendants().anyMatch(p.toHandle()::equals));
            assertEquals(ProcessHandle.current(), p.toHandle().parent().orElseThrow());
            assertTrue(p.toHandle().isAlive());
            assertTrue(p.info().command().orElse("").endsWith("sleep"), p.info().toString());
            assertEquals(p.toHandle().info().command(), p.info().command());
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void theProcessesChildrenAreItsHandlesChildren(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sh", "-c", "sleep 600 & echo $!; wait"));
        long grandchild = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream())).readLine());
        try {
            assertEquals(List.of(grandchild), p.children().map(ProcessHandle::pid).toList());
            assertEquals(List.of(grandchild), p.descendants().map(ProcessHandle::pid).toList());
            assertTrue(ProcessHandle.current().descendants().anyMatch(h -> h.pid() == grandchild));
        } finally {
            ProcessHandle.of(grandchild).ifPresent(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
        }
    }

    @Conformance
    void theHandleEndsWithTheProcessAndThePidHasNoHandleAfterwards(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("sleep", "600"));
        ProcessHandle h = p.toHandle();
        var exit = h.onExit();
        assertTrue(h.destroy(), "destroy() on a live handle");
        assertEquals(143, p.waitFor());
        assertEquals(h, exit.get(10, TimeUnit.SECONDS));
        assertFalse(h.isAlive());
        assertFalse(h.destroyForcibly(), "nothing to destroy any more");
        assertTrue(ProcessHandle.of(p.pid()).isEmpty(), "no handle for a pid whose process was reaped");
        assertFalse(ProcessHandle.current().children().anyMatch(h::equals));
    }

    @Conformance
    void aProcessThatExitedAtOnceStillHasItsHandle(Mode m) throws Exception {
        Process p = m.start(new ProcessBuilder("true"));
        p.waitFor();
        ProcessHandle h = p.toHandle();
        assertEquals(p.pid(), h.pid());
        assertFalse(h.isAlive());
        assertSame(h, p.toHandle());
        assertTrue(h.onExit().get(10, TimeUnit.SECONDS) == h);
    }
}
