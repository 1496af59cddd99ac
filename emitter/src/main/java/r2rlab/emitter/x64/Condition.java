package r2rlab.emitter.x64;

/**
 * The sixteen x64 condition codes ("tttn" field): Jcc rel32 is {@code 0F 80+cc cd}, SETcc r/m8 is
 * {@code 0F 90+cc /0}. Aliases (e.g. C = B, Z = E, NAE = B) are not separate constants.
 */
public enum Condition {
    /** Overflow (OF=1). */
    O(0x0),
    /** No overflow (OF=0). */
    NO(0x1),
    /** Below, unsigned &lt; (CF=1); alias C, NAE. */
    B(0x2),
    /** Above or equal, unsigned &gt;= (CF=0); alias NC, NB. */
    AE(0x3),
    /** Equal (ZF=1); alias Z. */
    E(0x4),
    /** Not equal (ZF=0); alias NZ. */
    NE(0x5),
    /** Below or equal, unsigned &lt;= (CF=1 or ZF=1); alias NA. */
    BE(0x6),
    /** Above, unsigned &gt; (CF=0 and ZF=0); alias NBE. */
    A(0x7),
    /** Sign (SF=1). */
    S(0x8),
    /** No sign (SF=0). */
    NS(0x9),
    /** Parity even (PF=1). */
    P(0xA),
    /** Parity odd (PF=0). */
    NP(0xB),
    /** Less, signed &lt; (SF≠OF). */
    L(0xC),
    /** Greater or equal, signed &gt;= (SF=OF). */
    GE(0xD),
    /** Less or equal, signed &lt;= (ZF=1 or SF≠OF). */
    LE(0xE),
    /** Greater, signed &gt; (ZF=0 and SF=OF). */
    G(0xF);

    private final int code;

    Condition(int code) {
        this.code = code;
    }

    /** The 4-bit condition code. */
    public int code() {
        return code;
    }

    /** The condition with the opposite outcome (flips the low bit of the code). */
    public Condition negate() {
        return values()[code ^ 1];
    }
}
