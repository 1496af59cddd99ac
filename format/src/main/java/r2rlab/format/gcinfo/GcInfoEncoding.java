package r2rlab.format.gcinfo;

/**
 * The per-architecture constants of the JIT's GcInfo encoding (gcinfotypes.h, {@code AMD64GcInfoEncoding} and
 * {@code ARM64GcInfoEncoding}): the var-length bases that differ between x64 and ARM64, how code lengths, code
 * offsets and the stack base register are normalized, and the register names slots print with. The bases the two
 * share are the constants of {@link GcInfo}.
 */
public enum GcInfoEncoding {
    /** AMD64: code in bytes; RBP (5) is the normalized stack base register 0. */
    X64(3, 2, 2, 0, 5, new String[] {"RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI", "R8", "R9", "R10", "R11", "R12",
        "R13", "R14", "R15"}),
    /** ARM64: code lengths in instructions (÷4); X29 (FP) is the normalized stack base register 0. */
    ARM64(2, 3, 3, 2, 29, arm64Registers());

    /** STACK_BASE_REGISTER_ENCBASE. */
    public final int stackBaseRegisterEncBase;
    /** NUM_REGISTERS_ENCBASE. */
    public final int numRegistersEncBase;
    /** NUM_SAFE_POINTS_ENCBASE. */
    public final int numSafePointsEncBase;
    /** NORMALIZE_CODE_LENGTH's shift (code length in instructions on ARM64). */
    public final int codeLengthShift;
    /** The register NORMALIZE_STACK_BASE_REGISTER maps to 0 (it XORs with it). */
    public final int frameRegister;
    private final String[] registers;

    GcInfoEncoding(int stackBaseRegisterEncBase, int numRegistersEncBase, int numSafePointsEncBase, int codeLengthShift,
                   int frameRegister, String[] registers) {
        this.stackBaseRegisterEncBase = stackBaseRegisterEncBase;
        this.numRegistersEncBase = numRegistersEncBase;
        this.numSafePointsEncBase = numSafePointsEncBase;
        this.codeLengthShift = codeLengthShift;
        this.frameRegister = frameRegister;
        this.registers = registers;
    }

    private static String[] arm64Registers() {
        String[] r = new String[32];
        for (int i = 0; i < 32; i++) {
            r[i] = "X" + i;
        }
        r[31] = "SP";
        return r;
    }

    /**
     * NORMALIZE_CODE_OFFSET's shift for safepoints, interruptible ranges, transitions and prolog/epilog sizes: ARM64
     * offsets are in instructions from GcInfo v4 on; v1-v3 stored ARM64 byte offsets (their safepoints were the
     * return address - 1, not 4-aligned).
     */
    public int codeOffsetShift(int version) {
        return this == ARM64 && version >= 4 ? 2 : 0;
    }

    /** The register's name as r2rdump prints it ({@code RAX}, {@code X19}), or {@code r<n>} outside the file. */
    public String registerName(int register) {
        return register >= 0 && register < registers.length ? registers[register] : "r" + register;
    }
}
