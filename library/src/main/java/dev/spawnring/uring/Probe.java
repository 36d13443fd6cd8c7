package dev.spawnring.uring;

import java.util.ArrayList;
import java.util.List;

/**
 * What {@code IORING_REGISTER_PROBE} reports: the last opcode the kernel knows and
 * which opcodes it supports. For the FALLBACK ring, the ops the emulation runs.
 */
public final class Probe {
    private final int lastOp;
    private final boolean[] supported;

    Probe(int lastOp, boolean[] supported) {
        this.lastOp = lastOp;
        this.supported = supported.clone();
    }

    /**
     * Returns the highest opcode the kernel knows (for FALLBACK, the emulation), supported or
     * not.
     *
     * @return the last opcode
     */
    public int lastOp() {
        return lastOp;
    }

    /**
     * Returns whether an opcode is supported.
     *
     * @param opcode an {@code IORING_OP_*} value
     * @return true when the ring runs it; false for an unknown one, and for spawnring's
     *         private opcodes, which are not listed
     */
    public boolean supports(int opcode) {
        return opcode >= 0 && opcode < supported.length && supported[opcode];
    }

    /**
     * Returns the supported opcodes' names, without the {@code IORING_OP_} prefix.
     *
     * @return the names ({@link IoUring#opName}), in opcode order
     */
    public List<String> supportedNames() {
        List<String> names = new ArrayList<>();
        for (int op = 0; op < supported.length; op++) {
            if (supported[op]) {
                names.add(IoUring.opName(op));
            }
        }
        return names;
    }
}
