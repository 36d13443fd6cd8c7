package dev.spawnring.uring;

import dev.spawnring.internal.sys.NativeMemory;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The requests a ring has in flight. The kernel sees a token in {@code user_data};
 * this table maps it back to the caller's {@code user_data} and holds the native
 * memory the request's prep copied (paths, timespecs, siginfo), freed when the
 * completion is seen. Tokens are {@code generation << 32 | slot}, so a stale token
 * is never taken for a newer request.
 *
 * <p>Not thread-safe: used under the ring's own discipline (one submitter/reaper at a time).
 */
final class Requests {
    private static final MemorySegment[] NONE = new MemorySegment[0];

    private long[] userData = new long[64];
    private MemorySegment[][] owned = new MemorySegment[64][];
    private int[] generation = new int[64];
    private int[] nextFree = new int[64];
    private boolean[] live = new boolean[64];
    private int freeHead = -1;
    private int used;
    private int inFlight;

    /** Starts tracking a request; returns its token. */
    long add(long callerUserData, MemorySegment[] ownedMemory) {
        int slot;
        if (freeHead >= 0) {
            slot = freeHead;
            freeHead = nextFree[slot];
        } else {
            if (used == userData.length) {
                grow();
            }
            slot = used++;
        }
        userData[slot] = callerUserData;
        owned[slot] = ownedMemory == null ? NONE : ownedMemory;
        live[slot] = true;
        inFlight++;
        return ((long) generation[slot] << 32) | slot;
    }

    /** @return the caller's {@code user_data} for {@code token} */
    long userData(long token) {
        int slot = slotOf(token);
        return userData[slot];
    }

    /** Ends a request: frees its memory and recycles its slot. */
    void release(long token) {
        int slot = slotOf(token);
        for (MemorySegment m : owned[slot]) {
            NativeMemory.free(m);
        }
        owned[slot] = null;
        live[slot] = false;
        generation[slot]++;
        nextFree[slot] = freeHead;
        freeHead = slot;
        inFlight--;
    }

    /**
     * @return the token of the oldest request in flight submitted with {@code callerUserData},
     *         or {@code -1} when there is none (then a cancel of it answers {@code -ENOENT})
     */
    long find(long callerUserData, long excludeToken) {
        for (int slot = 0; slot < used; slot++) {
            if (live[slot] && userData[slot] == callerUserData) {
                long token = ((long) generation[slot] << 32) | slot;
                if (token != excludeToken) {
                    return token;
                }
            }
        }
        return -1;
    }

    /** @return how many requests are in flight */
    int inFlight() {
        return inFlight;
    }

    /** Frees everything (the ring is closing; the kernel no longer uses the memory). */
    void releaseAll() {
        for (int slot = 0; slot < used; slot++) {
            if (live[slot]) {
                release(((long) generation[slot] << 32) | slot);
            }
        }
    }

    private int slotOf(long token) {
        int slot = (int) token;
        if (slot < 0 || slot >= used || !live[slot] || generation[slot] != (int) (token >>> 32)) {
            throw new IllegalStateException("completion for an unknown request (token " + token + ")");
        }
        return slot;
    }

    private void grow() {
        int n = userData.length * 2;
        userData = Arrays.copyOf(userData, n);
        owned = Arrays.copyOf(owned, n);
        generation = Arrays.copyOf(generation, n);
        nextFree = Arrays.copyOf(nextFree, n);
        live = Arrays.copyOf(live, n);
    }
}
