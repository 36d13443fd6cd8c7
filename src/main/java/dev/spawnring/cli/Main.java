package dev.spawnring.cli;

/** Placeholder entry point until the CLI lands. */
public final class Main {
    private Main() {
    }

    /** Runs the command line. */
    public static void main(String[] args) {
        System.out.println("spawnring");
    }
}
