package r2rlab.format.unwind.x64;

/**
 * The UNWIND_CODE operations of UNWIND_INFO version 1 (Windows x64 exception-handling spec). Values 6
 * and 7 have no meaning in version 1.
 */
public enum UnwindOp {
    /** 0: push of a non-volatile register; OpInfo = register; 1 slot. */
    UWOP_PUSH_NONVOL(0),
    /** 1: large allocation; OpInfo 0 → next slot = size/8 (2 slots), OpInfo 1 → next two slots = size (3 slots). */
    UWOP_ALLOC_LARGE(1),
    /** 2: small allocation of 8–128 bytes; OpInfo = (size − 8)/8; 1 slot. */
    UWOP_ALLOC_SMALL(2),
    /** 3: frame register = RSP + 16·FrameOffset (register and offset are in the header); 1 slot. */
    UWOP_SET_FPREG(3),
    /** 4: {@code mov [rsp+offset], reg}; OpInfo = register, next slot = offset/8; 2 slots. */
    UWOP_SAVE_NONVOL(4),
    /** 5: as SAVE_NONVOL with the unscaled 32-bit offset in the next two slots; 3 slots. */
    UWOP_SAVE_NONVOL_FAR(5),
    /** 8: {@code movaps [rsp+offset], xmmN}; OpInfo = N, next slot = offset/16; 2 slots. */
    UWOP_SAVE_XMM128(8),
    /** 9: as SAVE_XMM128 with the unscaled 32-bit offset in the next two slots; 3 slots. */
    UWOP_SAVE_XMM128_FAR(9),
    /** 10: a machine frame pushed by hardware; OpInfo 1 if an error code was pushed too; 1 slot. */
    UWOP_PUSH_MACHFRAME(10);

    private static final UnwindOp[] BY_VALUE = new UnwindOp[16];

    static {
        for (UnwindOp op : values()) {
            BY_VALUE[op.value] = op;
        }
    }

    private final int value;

    UnwindOp(int value) {
        this.value = value;
    }

    /** The 4-bit UnwindOp value. */
    public int value() {
        return value;
    }

    /** The operation with 4-bit value {@code value}, or null if version 1 defines none. */
    static UnwindOp of(int value) {
        return BY_VALUE[value & 0xF];
    }
}
