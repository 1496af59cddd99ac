package r2rlab.emitter.x64;

/** The x64 UNWIND_CODE operations this emitter produces (Windows x64 exception-handling spec). */
public enum UnwindOp {
    /** 0: push of a non-volatile register; OpInfo = register; 1 slot. */
    UWOP_PUSH_NONVOL(0),
    /** 1: large allocation; OpInfo 0 → next slot = size/8 (2 slots), OpInfo 1 → next two slots = size (3 slots). */
    UWOP_ALLOC_LARGE(1),
    /** 2: small allocation of 8–128 bytes; OpInfo = (size − 8)/8; 1 slot. */
    UWOP_ALLOC_SMALL(2),
    /** 3: frame register = RSP + 16·FrameOffset (register and offset are in the header); 1 slot. */
    UWOP_SET_FPREG(3);

    private final int value;

    UnwindOp(int value) {
        this.value = value;
    }

    /** The 4-bit UnwindOp value. */
    public int value() {
        return value;
    }

    static UnwindOp of(int value) {
        for (UnwindOp op : values()) {
            if (op.value == value) {
                return op;
            }
        }
        throw new IllegalArgumentException("unsupported UnwindOp " + value);
    }
}
