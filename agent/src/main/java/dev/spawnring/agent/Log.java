package dev.spawnring.agent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The agent's only output: one line on stderr per reason, once, and only with {@code -Dspawnring.agent.verbose=true}. */
final class Log {
    private static final boolean VERBOSE = Boolean.getBoolean(Agent.VERBOSE_PROPERTY);
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private Log() {
    }

    static boolean verbose() {
        return VERBOSE;
    }

    /** Says {@code message} unless something was said for {@code reason} already. */
    static void once(String reason, String message) {
        if (VERBOSE && SAID.add(reason)) {
            System.err.println(message);
        }
    }
}
