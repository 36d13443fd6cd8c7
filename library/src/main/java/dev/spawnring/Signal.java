package dev.spawnring;

/**
 * Linux signal numbers under their kernel names (x86_64), for {@link Child#signal},
 * {@link Child#signalGroup}, {@link Command#parentDeathSignal} and reading an
 * {@link ExitStatus#signal()}.
 *
 * <pre>{@code
 * child.signalGroup(Signal.SIGINT);
 * System.out.println(Signal.name(status.signal()));   // "SIGTERM"
 * }</pre>
 *
 * Do not change a value: each one is what the kernel expects.
 */
public final class Signal {
    /** Hangup. */
    public static final int SIGHUP = 1;
    /** Interrupt from the keyboard (Ctrl-C). */
    public static final int SIGINT = 2;
    /** Quit from the keyboard; dumps core. */
    public static final int SIGQUIT = 3;
    /** Illegal instruction; dumps core. */
    public static final int SIGILL = 4;
    /** Trace or breakpoint trap; dumps core. */
    public static final int SIGTRAP = 5;
    /** Abort ({@code abort(3)}); dumps core. */
    public static final int SIGABRT = 6;
    /** Bus error; dumps core. */
    public static final int SIGBUS = 7;
    /** Floating-point exception; dumps core. */
    public static final int SIGFPE = 8;
    /** Kill: cannot be caught, blocked or ignored. */
    public static final int SIGKILL = 9;
    /** User-defined signal 1. */
    public static final int SIGUSR1 = 10;
    /** Invalid memory reference; dumps core. */
    public static final int SIGSEGV = 11;
    /** User-defined signal 2. */
    public static final int SIGUSR2 = 12;
    /** Write to a pipe nobody reads. */
    public static final int SIGPIPE = 13;
    /** Timer signal from {@code alarm(2)}. */
    public static final int SIGALRM = 14;
    /** Termination: what {@link Child#destroy()} sends. */
    public static final int SIGTERM = 15;
    /** Stack fault on a coprocessor (unused). */
    public static final int SIGSTKFLT = 16;
    /** A child stopped or ended. */
    public static final int SIGCHLD = 17;
    /** Continue if stopped. */
    public static final int SIGCONT = 18;
    /** Stop: cannot be caught, blocked or ignored. */
    public static final int SIGSTOP = 19;
    /** Stop typed at the terminal (Ctrl-Z). */
    public static final int SIGTSTP = 20;
    /** Terminal input for a background process. */
    public static final int SIGTTIN = 21;
    /** Terminal output for a background process. */
    public static final int SIGTTOU = 22;
    /** Urgent condition on a socket. */
    public static final int SIGURG = 23;
    /** CPU time limit exceeded ({@link Rlimit#RLIMIT_CPU}); dumps core. */
    public static final int SIGXCPU = 24;
    /** File size limit exceeded ({@link Rlimit#RLIMIT_FSIZE}); dumps core. */
    public static final int SIGXFSZ = 25;
    /** Virtual alarm clock. */
    public static final int SIGVTALRM = 26;
    /** Profiling timer expired. */
    public static final int SIGPROF = 27;
    /** Window resize. */
    public static final int SIGWINCH = 28;
    /** I/O now possible. */
    public static final int SIGIO = 29;
    /** Power failure. */
    public static final int SIGPWR = 30;
    /** Bad system call; dumps core. */
    public static final int SIGSYS = 31;
    /** The lowest real-time signal as the kernel numbers them (glibc keeps 32 and 33 for itself). */
    public static final int SIGRTMIN = 32;
    /** The highest signal number ({@code _NSIG - 1}). */
    public static final int SIGRTMAX = 64;

    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
    };

    private Signal() {
    }

    /**
     * The kernel name of a signal number: {@code "SIGTERM"} for 15; real-time signals are
     * named from the kernel's {@link #SIGRTMIN}: {@code "SIGRTMIN+2"} for 34, {@code "SIGRTMAX"} for 64.
     *
     * @param signal a signal number, 1 to {@link #SIGRTMAX}
     * @return its name
     * @throws IllegalArgumentException when {@code signal} names no signal
     */
    public static String name(int signal) {
        if (signal < 1 || signal > SIGRTMAX) {
            throw new IllegalArgumentException("not a signal: " + signal);
        }
        if (signal < NAMES.length) {
            return NAMES[signal];
        }
        return signal == SIGRTMAX ? "SIGRTMAX" : signal == SIGRTMIN ? "SIGRTMIN" : "SIGRTMIN+" + (signal - SIGRTMIN);
    }

    /**
     * The number of a signal named as the kernel and {@code kill -l} name it, with or without
     * its {@code SIG} prefix, in any case: {@code "TERM"}, {@code "sigint"}, {@code "SIGRTMIN+2"}.
     *
     * @param name a signal's name
     * @return its number
     * @throws IllegalArgumentException when {@code name} names no signal
     */
    public static int number(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT);
        if (!n.startsWith("SIG")) {
            n = "SIG" + n;
        }
        for (int s = 1; s <= SIGRTMAX; s++) {
            if (name(s).equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("not a signal name: " + name);
    }

    /**
     * Returns whether a number is a signal number, 1 to {@link #SIGRTMAX}: those
     * {@link Child#signal} and {@link Command#parentDeathSignal} take.
     *
     * @param signal a number
     * @return true for a signal number
     */
    public static boolean isSignal(int signal) {
        return signal >= 1 && signal <= SIGRTMAX;
    }
}
