package dev.spawnring.uring;

final class SpawnContract {
    private SpawnContract() {
    }

    static void run(Sqe[] chain) {
        throw new UnsupportedOperationException("spawn contract: being written");
    }
}
