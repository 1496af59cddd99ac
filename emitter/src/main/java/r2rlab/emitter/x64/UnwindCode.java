package r2rlab.emitter.x64;

/**
 * One logical x64 unwind code (which may occupy 1–3 16-bit slots).
 *
 * @param codeOffset offset from the function start of the end of the prolog instruction (UNWIND_CODE.CodeOffset)
 * @param op         the operation
 * @param opInfo     the 4-bit OpInfo as stored: register for PUSH_NONVOL, (size−8)/8 for ALLOC_SMALL,
 *                   0/1 for ALLOC_LARGE, 0 for SET_FPREG
 * @param size       allocation size in bytes for ALLOC_SMALL/ALLOC_LARGE, else 0
 */
public record UnwindCode(int codeOffset, UnwindOp op, int opInfo, int size) {

    public UnwindCode {
        if (codeOffset < 0 || codeOffset > 0xFF) {
            throw new IllegalArgumentException("code offset out of range 0..255: " + codeOffset);
        }
        if (opInfo < 0 || opInfo > 15) {
            throw new IllegalArgumentException("opInfo out of range: " + opInfo);
        }
        switch (op) {
            case UWOP_PUSH_NONVOL, UWOP_SET_FPREG -> {
                if (size != 0) {
                    throw new IllegalArgumentException(op + " has no size");
                }
            }
            case UWOP_ALLOC_SMALL -> {
                if (size != 8 + 8 * opInfo) {
                    throw new IllegalArgumentException("ALLOC_SMALL size " + size + " does not match opInfo " + opInfo);
                }
            }
            case UWOP_ALLOC_LARGE -> {
                if (opInfo == 0) {
                    if (size <= 0 || size % 8 != 0 || size / 8 > 0xFFFF) {
                        throw new IllegalArgumentException("ALLOC_LARGE/0 size must be a multiple of 8 up to 512K-8: " + size);
                    }
                } else if (opInfo == 1) {
                    if (size <= 0) {
                        throw new IllegalArgumentException("ALLOC_LARGE/1 size must be positive: " + size);
                    }
                } else {
                    throw new IllegalArgumentException("ALLOC_LARGE opInfo must be 0 or 1: " + opInfo);
                }
            }
            default -> throw new AssertionError(op);
        }
    }

    /** UWOP_PUSH_NONVOL of {@code reg}. */
    public static UnwindCode pushNonvol(int codeOffset, Register reg) {
        return new UnwindCode(codeOffset, UnwindOp.UWOP_PUSH_NONVOL, reg.encoding(), 0);
    }

    /**
     * The smallest code for an RSP allocation of {@code size} bytes (a positive multiple of 8):
     * ALLOC_SMALL for 8–128, ALLOC_LARGE/0 up to 512K−8, else ALLOC_LARGE/1.
     */
    public static UnwindCode alloc(int codeOffset, int size) {
        if (size <= 0 || size % 8 != 0) {
            throw new IllegalArgumentException("stack allocation must be a positive multiple of 8: " + size);
        }
        if (size <= 128) {
            return new UnwindCode(codeOffset, UnwindOp.UWOP_ALLOC_SMALL, (size - 8) / 8, size);
        }
        if (size / 8 <= 0xFFFF) {
            return new UnwindCode(codeOffset, UnwindOp.UWOP_ALLOC_LARGE, 0, size);
        }
        return new UnwindCode(codeOffset, UnwindOp.UWOP_ALLOC_LARGE, 1, size);
    }

    /** UWOP_ALLOC_LARGE with an explicit form: {@code scaled} → OpInfo 0 (size/8 in 16 bits), else OpInfo 1 (32-bit size). */
    public static UnwindCode allocLarge(int codeOffset, int size, boolean scaled) {
        return new UnwindCode(codeOffset, UnwindOp.UWOP_ALLOC_LARGE, scaled ? 0 : 1, size);
    }

    /** UWOP_SET_FPREG (register and offset go into the UNWIND_INFO header). */
    public static UnwindCode setFpreg(int codeOffset) {
        return new UnwindCode(codeOffset, UnwindOp.UWOP_SET_FPREG, 0, 0);
    }

    /** Number of 16-bit slots this code occupies. */
    public int slots() {
        return switch (op) {
            case UWOP_ALLOC_LARGE -> opInfo == 0 ? 2 : 3;
            default -> 1;
        };
    }
}
