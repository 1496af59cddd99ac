package r2rlab.format.unwind.x64;

/**
 * One logical x64 unwind code (which may occupy 1–3 16-bit slots).
 *
 * @param codeOffset offset from the function start of the end of the prolog instruction (UNWIND_CODE.CodeOffset)
 * @param op         the operation
 * @param opInfo     the 4-bit OpInfo as stored: register for PUSH_NONVOL and SAVE_NONVOL*, XMM register
 *                   for SAVE_XMM128*, (size−8)/8 for ALLOC_SMALL, 0/1 for ALLOC_LARGE, 0/1 (error
 *                   code pushed) for PUSH_MACHFRAME, 0 for SET_FPREG
 * @param size       the code's operand in bytes: the allocation size for ALLOC_SMALL/ALLOC_LARGE, the
 *                   save slot's offset from RSP for SAVE_NONVOL* and SAVE_XMM128* (an unsigned 32-bit
 *                   value for the _FAR forms), else 0
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
            case UWOP_SAVE_NONVOL -> checkScaled(size, 8);
            case UWOP_SAVE_XMM128 -> checkScaled(size, 16);
            case UWOP_SAVE_NONVOL_FAR, UWOP_SAVE_XMM128_FAR -> {
                // any unsigned 32-bit offset
            }
            case UWOP_PUSH_MACHFRAME -> {
                if (opInfo > 1 || size != 0) {
                    throw new IllegalArgumentException("PUSH_MACHFRAME takes opInfo 0 or 1 and no size: " + opInfo + ", " + size);
                }
            }
            default -> throw new AssertionError(op);
        }
    }

    private static void checkScaled(int offset, int scale) {
        if (offset < 0 || offset % scale != 0 || offset / scale > 0xFFFF) {
            throw new IllegalArgumentException("save offset must be a multiple of " + scale + " up to 0xFFFF*" + scale + ": " + offset);
        }
    }

    /** UWOP_PUSH_NONVOL of the register numbered {@code register} (0–15, as OpInfo names it). */
    public static UnwindCode pushNonvol(int codeOffset, int register) {
        return new UnwindCode(codeOffset, UnwindOp.UWOP_PUSH_NONVOL, register, 0);
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

    /** {@code mov [rsp+offset], register}: SAVE_NONVOL when offset/8 fits 16 bits, else SAVE_NONVOL_FAR. */
    public static UnwindCode saveNonvol(int codeOffset, int register, int offset) {
        boolean near = offset >= 0 && offset % 8 == 0 && offset / 8 <= 0xFFFF;
        return new UnwindCode(codeOffset, near ? UnwindOp.UWOP_SAVE_NONVOL : UnwindOp.UWOP_SAVE_NONVOL_FAR, register, offset);
    }

    /** {@code movaps [rsp+offset], xmm}: SAVE_XMM128 when offset/16 fits 16 bits, else SAVE_XMM128_FAR. */
    public static UnwindCode saveXmm128(int codeOffset, int xmm, int offset) {
        boolean near = offset >= 0 && offset % 16 == 0 && offset / 16 <= 0xFFFF;
        return new UnwindCode(codeOffset, near ? UnwindOp.UWOP_SAVE_XMM128 : UnwindOp.UWOP_SAVE_XMM128_FAR, xmm, offset);
    }

    /** UWOP_PUSH_MACHFRAME; {@code errorCode}: the hardware pushed an error code below the frame. */
    public static UnwindCode pushMachframe(int codeOffset, boolean errorCode) {
        return new UnwindCode(codeOffset, UnwindOp.UWOP_PUSH_MACHFRAME, errorCode ? 1 : 0, 0);
    }

    /** Number of 16-bit slots this code occupies. */
    public int slots() {
        return slots(op, opInfo);
    }

    static int slots(UnwindOp op, int opInfo) {
        return switch (op) {
            case UWOP_ALLOC_LARGE -> opInfo == 0 ? 2 : 3;
            case UWOP_SAVE_NONVOL, UWOP_SAVE_XMM128 -> 2;
            case UWOP_SAVE_NONVOL_FAR, UWOP_SAVE_XMM128_FAR -> 3;
            default -> 1;
        };
    }

    /** The value stored in the extra slots (scaled for the 2-slot forms); 0 for 1-slot codes. */
    int slotOperand() {
        return switch (op) {
            case UWOP_ALLOC_LARGE -> opInfo == 0 ? size / 8 : size;
            case UWOP_SAVE_NONVOL -> size / 8;
            case UWOP_SAVE_XMM128 -> size / 16;
            case UWOP_SAVE_NONVOL_FAR, UWOP_SAVE_XMM128_FAR -> size;
            default -> 0;
        };
    }

    /** The inverse of {@link #slotOperand()}: the code whose extra slots hold {@code operand}. */
    static UnwindCode fromSlots(int codeOffset, UnwindOp op, int opInfo, int operand) {
        int size = switch (op) {
            case UWOP_ALLOC_SMALL -> 8 + 8 * opInfo;
            case UWOP_ALLOC_LARGE -> opInfo == 0 ? operand * 8 : operand;
            case UWOP_SAVE_NONVOL -> operand * 8;
            case UWOP_SAVE_XMM128 -> operand * 16;
            case UWOP_SAVE_NONVOL_FAR, UWOP_SAVE_XMM128_FAR -> operand;
            default -> 0;
        };
        return new UnwindCode(codeOffset, op, opInfo, size);
    }
}
