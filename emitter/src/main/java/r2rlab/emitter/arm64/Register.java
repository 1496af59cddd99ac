package r2rlab.emitter.arm64;

/**
 * An ARM64 general-purpose register operand: its 5-bit encoding, its width (X = 64-bit, W = 32-bit)
 * and whether encoding 31 means the stack pointer or the zero register. SP/WSP and XZR/WZR share
 * encoding 31; which one an instruction field means depends on the instruction class, so every
 * {@link Arm64Assembler} method checks that it is given the one its field actually encodes.
 */
public final class Register {
    /** What encoding 31 denotes for this operand (or GP for 0..30). */
    public enum Kind { GP, SP, ZR }

    private final String name;
    private final int encoding;
    private final boolean is64;
    private final Kind kind;

    private Register(String name, int encoding, boolean is64, Kind kind) {
        this.name = name;
        this.encoding = encoding;
        this.is64 = is64;
        this.kind = kind;
    }

    /** The 5-bit register number placed in the instruction (31 for SP and XZR). */
    public int encoding() { return encoding; }
    /** True for X registers, SP and XZR; false for W registers, WSP and WZR. */
    public boolean is64() { return is64; }
    public Kind kind() { return kind; }
    public boolean isSp() { return kind == Kind.SP; }
    public boolean isZr() { return kind == Kind.ZR; }
    public String name() { return name; }

    /** The 64-bit register x{@code n}, n in 0..30. */
    public static Register x(int n) {
        if (n < 0 || n > 30) throw new IllegalArgumentException("x" + n);
        return X[n];
    }

    /** The 32-bit register w{@code n}, n in 0..30. */
    public static Register w(int n) {
        if (n < 0 || n > 30) throw new IllegalArgumentException("w" + n);
        return W[n];
    }

    /** The same register number with the other width (x5 -> w5, sp -> wsp, xzr -> wzr). */
    public Register as32() { return is64 ? (kind == Kind.SP ? WSP : kind == Kind.ZR ? WZR : W[encoding]) : this; }
    public Register as64() { return is64 ? this : (kind == Kind.SP ? SP : kind == Kind.ZR ? XZR : X[encoding]); }

    @Override
    public String toString() { return name; }

    private static final Register[] X = new Register[31];
    private static final Register[] W = new Register[31];
    static {
        for (int i = 0; i < 31; i++) {
            X[i] = new Register("x" + i, i, true, Kind.GP);
            W[i] = new Register("w" + i, i, false, Kind.GP);
        }
    }

    public static final Register SP = new Register("sp", 31, true, Kind.SP);
    public static final Register XZR = new Register("xzr", 31, true, Kind.ZR);
    public static final Register WSP = new Register("wsp", 31, false, Kind.SP);
    public static final Register WZR = new Register("wzr", 31, false, Kind.ZR);
    public static final Register X0 = X[0];
    public static final Register X1 = X[1];
    public static final Register X2 = X[2];
    public static final Register X3 = X[3];
    public static final Register X4 = X[4];
    public static final Register X5 = X[5];
    public static final Register X6 = X[6];
    public static final Register X7 = X[7];
    public static final Register X8 = X[8];
    public static final Register X9 = X[9];
    public static final Register X10 = X[10];
    public static final Register X11 = X[11];
    public static final Register X12 = X[12];
    public static final Register X13 = X[13];
    public static final Register X14 = X[14];
    public static final Register X15 = X[15];
    public static final Register X16 = X[16];
    public static final Register X17 = X[17];
    public static final Register X18 = X[18];
    public static final Register X19 = X[19];
    public static final Register X20 = X[20];
    public static final Register X21 = X[21];
    public static final Register X22 = X[22];
    public static final Register X23 = X[23];
    public static final Register X24 = X[24];
    public static final Register X25 = X[25];
    public static final Register X26 = X[26];
    public static final Register X27 = X[27];
    public static final Register X28 = X[28];
    public static final Register X29 = X[29];
    public static final Register X30 = X[30];
    /** Frame pointer (x29). */
    public static final Register FP = X[29];
    /** Link register (x30). */
    public static final Register LR = X[30];
    public static final Register W0 = W[0];
    public static final Register W1 = W[1];
    public static final Register W2 = W[2];
    public static final Register W3 = W[3];
    public static final Register W4 = W[4];
    public static final Register W5 = W[5];
    public static final Register W6 = W[6];
    public static final Register W7 = W[7];
    public static final Register W8 = W[8];
    public static final Register W9 = W[9];
    public static final Register W10 = W[10];
    public static final Register W11 = W[11];
    public static final Register W12 = W[12];
    public static final Register W13 = W[13];
    public static final Register W14 = W[14];
    public static final Register W15 = W[15];
    public static final Register W16 = W[16];
    public static final Register W17 = W[17];
    public static final Register W18 = W[18];
    public static final Register W19 = W[19];
    public static final Register W20 = W[20];
    public static final Register W21 = W[21];
    public static final Register W22 = W[22];
    public static final Register W23 = W[23];
    public static final Register W24 = W[24];
    public static final Register W25 = W[25];
    public static final Register W26 = W[26];
    public static final Register W27 = W[27];
    public static final Register W28 = W[28];
    public static final Register W29 = W[29];
    public static final Register W30 = W[30];
}
