package r2rlab.format.gcinfo;

/**
 * One entry of the GcInfo slot table (gcinfotypes.h {@code GcSlotDesc}): a register, or a stack slot at a byte
 * offset from a base; with its flags; untracked slots (stack only) are live throughout the method and have no bit
 * in the live-state vectors.
 *
 * @param isRegister  a register slot
 * @param register    the register number (x64: 0 RAX … 15 R15; ARM64: 0 X0 … 30 LR), for register slots
 * @param stackBase   {@link #CALLER_SP_REL}, {@link #SP_REL} or {@link #FRAMEREG_REL}, for stack slots
 * @param stackOffset the byte offset from the base (a multiple of 8), for stack slots
 * @param flags       {@link #INTERIOR} | {@link #PINNED}
 * @param untracked   an untracked stack slot
 */
public record GcSlot(boolean isRegister, int register, int stackBase, int stackOffset, int flags, boolean untracked) {
    /** GC_SLOT_INTERIOR: an interior pointer (byref). */
    public static final int INTERIOR = 0x1;
    /** GC_SLOT_PINNED. */
    public static final int PINNED = 0x2;
    /** GC_CALLER_SP_REL: relative to the caller's SP. */
    public static final int CALLER_SP_REL = 0;
    /** GC_SP_REL: relative to the SP. */
    public static final int SP_REL = 1;
    /** GC_FRAMEREG_REL: relative to the stack base register. */
    public static final int FRAMEREG_REL = 2;

    private static final String[] BASE_NAMES = {"GC_CALLER_SP_REL", "GC_SP_REL", "GC_FRAMEREG_REL", "GC_BASE_3"};

    public static GcSlot ofRegister(int register, int flags) {
        return new GcSlot(true, register, 0, 0, flags, false);
    }

    public static GcSlot ofStack(int base, int offset, int flags, boolean untracked) {
        return new GcSlot(false, 0, base, offset, flags, untracked);
    }

    /** r2rdump's flags text: {@code GC_SLOT_BASE}, or the set flags comma-joined (with {@code GC_SLOT_UNTRACKED}). */
    public String flagsText() {
        StringBuilder sb = new StringBuilder();
        if ((flags & INTERIOR) != 0) {
            sb.append("GC_SLOT_INTERIOR");
        }
        if ((flags & PINNED) != 0) {
            sb.append(sb.length() == 0 ? "" : ", ").append("GC_SLOT_PINNED");
        }
        if (untracked) {
            sb.append(sb.length() == 0 ? "" : ", ").append("GC_SLOT_UNTRACKED");
        }
        return sb.length() == 0 ? "GC_SLOT_BASE" : sb.toString();
    }

    /** The location as r2rdump prints it: a register name, or {@code GC_FRAMEREG_REL-0x38} (offsets signed). */
    public String locationText(GcInfoEncoding encoding) {
        if (isRegister) {
            return encoding.registerName(register);
        }
        return BASE_NAMES[stackBase & 3] + (stackOffset < 0 ? String.format("-0x%X", -(long) stackOffset) : String.format("+0x%X", stackOffset));
    }

    /** Flags then location: {@code GC_SLOT_INTERIOR RAX}. */
    public String text(GcInfoEncoding encoding) {
        return flagsText() + " " + locationText(encoding);
    }
}
