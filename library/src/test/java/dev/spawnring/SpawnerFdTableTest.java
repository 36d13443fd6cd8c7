package dev.spawnring;

import static org.junit.jupiter.api.Assertions.*;

import dev.spawnring.testing.KernelSuiteMain;
import dev.spawnring.testing.Spawners;
import dev.spawnring.internal.sys.Linux;
import dev.spawnring.internal.sys.Sys;
import dev.spawnring.testkit.Procs;
import dev.spawnring.uring.Backend;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The fd table a Spawner's child starts with. By default the chain clones with
 * {@code CLONE_FILES} and unshares the table first thing, copying only the fds up to the
 * highest one the chain uses; with {@code closeOtherFds(false)} the whole table is copied,
 * so that inherited fds survive.
 */
@Tag(KernelSuiteMain.TAG)
class SpawnerFdTableTest {
    private final List<Integer> toClose = new ArrayList<>();

    @AfterEach
    void closeFds() {
        toClose.forEach(Sys::close);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theChildSeesOnlyItsStdioAndMappedFdsWhileTheParentHoldsThousandsOfFds(Backend backend) throws Exception {
        int devNull = open("/dev/null");
        for (int i = 0; i < 2000; i++) {
            keep(Sys.fcntl(devNull, 0 /* F_DUPFD: not close-on-exec */, 0));
        }
        int[] extra = pipe();
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of(Spawners.nativeBin("sr-list-fds")).fd(7, extra[0])).get();
            assertEquals("0\n1\n2\n7\n", r.stdoutText());
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void anFdMappedOntoANumberTheParentUsesChangesOnlyTheChilds(Backend backend) throws Exception {
        int parentFd = open("/dev/null");
        int[] extra = pipe();
        String before = Procs.fdTarget(parentFd);
        try (Spawner s = Spawners.create(backend)) {
            Result r = s.run(Command.of(Spawners.nativeBin("sr-list-fds")).fd(parentFd, extra[1])).get();
            assertEquals("0\n1\n2\n" + parentFd + "\n", r.stdoutText());
        }
        assertEquals(before, Procs.fdTarget(parentFd));
        assertEquals("/dev/null", before);
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void withoutCloseOtherFdsAnInheritedFdAboveEveryMappedOneSurvives(Backend backend) throws Exception {
        int devNull = open("/dev/null");
        int inherited = keep(Sys.fcntl(devNull, 0 /* F_DUPFD: not close-on-exec */, 1000));
        int[] extra = pipe();
        try (Spawner s = Spawners.create(backend)) {
            Command c = Command.of(Spawners.nativeBin("sr-list-fds")).fd(7, extra[0]).closeOtherFds(false);
            List<String> fds = s.run(c).get().stdoutText().lines().toList();
            assertTrue(fds.containsAll(List.of("0", "1", "2", "7", Integer.toString(inherited))), fds.toString());
        }
    }

    private int open(String path) {
        return keep(Sys.openat(Linux.AT_FDCWD, path, Linux.O_RDONLY | Linux.O_CLOEXEC, 0));
    }

    private int[] pipe() {
        int[] p = new int[2];
        assertEquals(0, Sys.pipe2(p, Linux.O_CLOEXEC), "pipe2");
        keep(p[0]);
        keep(p[1]);
        return p;
    }

    private int keep(int fd) {
        assertTrue(fd >= 0, "fd " + fd);
        toClose.add(fd);
        return fd;
    }
}
