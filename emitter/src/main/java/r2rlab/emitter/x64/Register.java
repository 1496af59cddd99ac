package r2rlab.emitter.x64;

/**
 * The sixteen x64 general-purpose 64-bit registers, with their hardware encodings (0–15). The low
 * three bits go into ModRM.reg / ModRM.rm / SIB.base or the opcode's "+r" field; bit 3 goes into the
 * REX prefix (REX.R, REX.X or REX.B). The same numbering is used by UNWIND_CODE OpInfo and by
 * UNWIND_INFO.FrameRegister.
 */
public enum Register {
    RAX(0), RCX(1), RDX(2), RBX(3), RSP(4), RBP(5), RSI(6), RDI(7),
    R8(8), R9(9), R10(10), R11(11), R12(12), R13(13), R14(14), R15(15);

    private final int encoding;

    Register(int encoding) {
        this.encoding = encoding;
    }

    /** Hardware register number, 0–15. */
    public int encoding() {
        return encoding;
    }

    /** The low three bits (what goes into ModRM/SIB/opcode). */
    int low3() {
        return encoding & 7;
    }

    /** Bit 3 of the encoding (what goes into REX.R/X/B). */
    int high() {
        return encoding >> 3;
    }

    /** The register with hardware number {@code encoding}. */
    public static Register of(int encoding) {
        if (encoding < 0 || encoding > 15) {
            throw new IllegalArgumentException("register encoding out of range: " + encoding);
        }
        return values()[encoding];
    }
}
