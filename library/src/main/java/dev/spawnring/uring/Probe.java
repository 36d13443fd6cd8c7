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

    /** @return the highest opcode the kernel knows (supported or not) */
    public int lastOp() {
        return lastOp;
    }

    /** @return whether {@code opcode} is supported */
    public boolean supports(int opcode) {
        return opcode >= 0 && opcode < supported.length && supported[opcode];
    }

    /** @return the supported opcodes' names, in opcode order */
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
