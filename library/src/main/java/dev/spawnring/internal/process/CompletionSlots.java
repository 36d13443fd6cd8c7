package dev.spawnring.internal.process;

import java.util.Arrays;

/**
 * The requests a loop has in flight, by {@code user_data}, with no map and no boxing: a
 * request's {@code user_data} says where its completion is, as Netty's io_uring transport
 * encodes what completes in it. The low 32 bits are a slot index, the high 32 bits the slot's
 * generation, bumped each time the slot is taken, so a stale {@code user_data} (a request
 * whose slot was given back and taken again) finds nothing. No {@code user_data} this class
 * hands out is 0 (a generation is never 0), the one that requests nobody waits for use.
 *
 * <p>Loop thread only: no locking, no memory-order concern.
 *
 * @param <C> what runs when a request completes
 */
final class CompletionSlots<C> {
    private Object[] slots = new Object[64];
    private int[] generations = new int[64];
    /** Free slot indexes, a stack; {@code free[0..freeCount)}. */
    private int[] free = new int[64];
    private int freeCount;
    /** Slots ever used: {@code [0, used)}; the ones above are untouched. */
    private int used;
    private int live;

    /** @return the {@code user_data} whose completion {@link #take}s {@code c} */
    long put(C c) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == slots.length) {
                slots = Arrays.copyOf(slots, used * 2);
                generations = Arrays.copyOf(generations, used * 2);
                free = Arrays.copyOf(free, used * 2);
            }
            slot = used++;
        }
        int g = generations[slot] + 1;
        generations[slot] = g == 0 ? 1 : g;
        slots[slot] = c;
        live++;
        return ((long) generations[slot] << 32) | slot;
    }

    /**
     * @param keep true for a completion that is not the request's last ({@code IORING_CQE_F_MORE})
     * @return what {@code userData} was registered with, or null (not one of ours, or done)
     */
    @SuppressWarnings("unchecked")
    C take(long userData, boolean keep) {
        int slot = (int) userData;
        if (slot < 0 || slot >= used || generations[slot] != (int) (userData >>> 32)) {
            return null;
        }
        Object c = slots[slot];
        if (c != null && !keep) {
            slots[slot] = null;
            free[freeCount++] = slot;
            live--;
        }
        return (C) c;
    }

    /** @return whether no request is registered */
    boolean isEmpty() {
        return live == 0;
    }

    /** @return the {@code user_data} of every request registered, in slot order */
    long[] userData() {
        long[] out = new long[live];
        int n = 0;
        for (int i = 0; i < used; i++) {
            if (slots[i] != null) {
                out[n++] = ((long) generations[i] << 32) | i;
            }
        }
        return out;
    }
}
