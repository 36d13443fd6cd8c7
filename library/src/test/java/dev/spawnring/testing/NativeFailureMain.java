package dev.spawnring.testing;

import dev.spawnring.Command;
import dev.spawnring.Spawner;
import dev.spawnring.uring.Ring;

/**
 * What a NativeFailureTest JVM runs, on the exported API only (so that it runs with the
 * library on the module path too): {@code Spawner.create()} and one spawn, then
 * {@code Ring.open}, each printing one line, {@code ok ...} or {@code refused <exception>:
 * <message>}.
 */
public final class NativeFailureMain {
    private NativeFailureMain() {
    }

    public static void main(String[] args) {
        try (Spawner spawner = Spawner.create()) {
            System.out.println("spawner ok " + spawner.spawn(Command.of("true").inheritIO()).waitFor());
        } catch (Throwable t) {
            System.out.println("spawner refused " + t.getClass().getName() + ": " + t.getMessage());
        }
        try (Ring ring = Ring.open(8)) {
            System.out.println("ring ok " + ring.backend());
        } catch (Throwable t) {
            System.out.println("ring refused " + t.getClass().getName() + ": " + t.getMessage());
        }
    }
}
