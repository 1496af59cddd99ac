package r2rlab.emitter.arm64;

/** ARM64 condition codes (the 4-bit {@code cond} field of b.cond, csel, csinc, ...). */
public enum Condition {
    EQ(0), NE(1), HS(2), LO(3), MI(4), PL(5), VS(6), VC(7),
    HI(8), LS(9), GE(10), LT(11), GT(12), LE(13), AL(14), NV(15);

    /** Aliases: CS = HS, CC = LO. */
    public static final Condition CS = HS;
    public static final Condition CC = LO;

    private final int code;

    Condition(int code) {
        this.code = code;
    }

    /** The 4-bit encoding. */
    public int code() {
        return code;
    }

    /** The opposite condition (encoding with bit 0 flipped); AL and NV have no usable inverse. */
    public Condition invert() {
        if (this == AL || this == NV) throw new IllegalArgumentException("cannot invert " + this);
        return values()[code ^ 1];
    }
}
