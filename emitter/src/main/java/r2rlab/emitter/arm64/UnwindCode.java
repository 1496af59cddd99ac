package r2rlab.emitter.arm64;

import java.io.ByteArrayOutputStream;

/**
 * One ARM64 Windows-style unwind code (ARM64 exception handling spec, "Unwind codes"). Offsets are
 * in bytes; registers are numbers (19..30 for the callee-saved x registers).
 *
 * <pre>
 * alloc_s     000xxxxx                      sub sp, sp, #x*16            (size &lt; 512)
 * save_fplr   01zzzzzz                      stp x29, x30, [sp, #z*8]     (0..504)
 * save_fplr_x 10zzzzzz                      stp x29, x30, [sp, #-(z+1)*8]!  (-512..-8)
 * alloc_m     11000xxx xxxxxxxx             sub sp, sp, #x*16            (size &lt; 32K)
 * save_regp   110010xx xxzzzzzz             stp x(19+x), x(20+x), [sp, #z*8]
 * save_reg    110100xx xxzzzzzz             str x(19+x), [sp, #z*8]
 * set_fp      11100001                      mov x29, sp
 * nop         11100011                      (an instruction that needs no unwinding)
 * end         11100100
 * </pre>
 * Codes the decoder meets but this class does not model are kept as {@link Op#OTHER} with their bytes.
 */
public record UnwindCode(Op op, int reg, int offset, byte[] bytes) {

    public enum Op { ALLOC_S, ALLOC_M, SAVE_FPLR, SAVE_FPLR_X, SAVE_REGP, SAVE_REG, SET_FP, NOP, END, OTHER }

    public UnwindCode {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Encoded length in bytes. */
    public int length() {
        return bytes.length;
    }

    /** {@code sub sp, sp, #size} with size a multiple of 16 below 512. */
    public static UnwindCode allocS(int size) {
        check(size > 0 && size % 16 == 0 && size < 512, "alloc_s size " + size);
        return new UnwindCode(Op.ALLOC_S, 0, size, new byte[] {(byte) (size / 16)});
    }

    /** {@code sub sp, sp, #size} with size a multiple of 16 below 32 KiB (two bytes: 11000xxx xxxxxxxx). */
    public static UnwindCode allocM(int size) {
        check(size > 0 && size % 16 == 0 && size < 32768, "alloc_m size " + size);
        int x = size / 16;
        return new UnwindCode(Op.ALLOC_M, 0, size, new byte[] {(byte) (0xC0 | x >> 8), (byte) x});
    }

    /** The smaller of alloc_s / alloc_m that encodes {@code size}. */
    public static UnwindCode alloc(int size) {
        return size < 512 ? allocS(size) : allocM(size);
    }

    /** {@code stp x29, x30, [sp, #offset]}, offset 0..504 step 8. */
    public static UnwindCode saveFpLr(int offset) {
        check(offset >= 0 && offset <= 504 && offset % 8 == 0, "save_fplr offset " + offset);
        return new UnwindCode(Op.SAVE_FPLR, 29, offset, new byte[] {(byte) (0x40 | offset / 8)});
    }

    /** {@code stp x29, x30, [sp, #offset]!}, offset -512..-8 step 8 (z = -offset/8 - 1). */
    public static UnwindCode saveFpLrX(int offset) {
        check(offset < 0 && offset >= -512 && offset % 8 == 0, "save_fplr_x offset " + offset);
        return new UnwindCode(Op.SAVE_FPLR_X, 29, offset, new byte[] {(byte) (0x80 | (-offset / 8 - 1))});
    }

    /** {@code stp x(first), x(first+1), [sp, #offset]}; first 19..28, offset 0..504 step 8. */
    public static UnwindCode saveRegp(int firstReg, int offset) {
        check(firstReg >= 19 && firstReg <= 28, "save_regp register x" + firstReg);
        check(offset >= 0 && offset <= 504 && offset % 8 == 0, "save_regp offset " + offset);
        int x = firstReg - 19;
        int z = offset / 8;
        return new UnwindCode(Op.SAVE_REGP, firstReg, offset, new byte[] {(byte) (0xC8 | x >> 2), (byte) ((x & 3) << 6 | z)});
    }

    /** {@code str x(reg), [sp, #offset]}; reg 19..30, offset 0..504 step 8. */
    public static UnwindCode saveReg(int reg, int offset) {
        check(reg >= 19 && reg <= 30, "save_reg register x" + reg);
        check(offset >= 0 && offset <= 504 && offset % 8 == 0, "save_reg offset " + offset);
        int x = reg - 19;
        int z = offset / 8;
        return new UnwindCode(Op.SAVE_REG, reg, offset, new byte[] {(byte) (0xD0 | x >> 2), (byte) ((x & 3) << 6 | z)});
    }

    /** {@code mov x29, sp}. */
    public static UnwindCode setFp() {
        return new UnwindCode(Op.SET_FP, 29, 0, new byte[] {(byte) 0xE1});
    }

    public static UnwindCode nop() {
        return new UnwindCode(Op.NOP, 0, 0, new byte[] {(byte) 0xE3});
    }

    public static UnwindCode end() {
        return new UnwindCode(Op.END, 0, 0, new byte[] {(byte) 0xE4});
    }

    /** Length in bytes of the unwind code starting with byte {@code b} (full ARM64 code table). */
    public static int lengthOf(int b) {
        b &= 0xFF;
        if (b < 0xC0) return 1;            // alloc_s, save_r19r20_x, save_fplr, save_fplr_x
        if (b < 0xE0) return 2;            // alloc_m, save_regp(_x), save_reg(_x), save_lrpair, save_freg*, alloc_z
        if (b == 0xE0) return 4;           // alloc_l
        if (b == 0xE2) return 2;           // add_fp
        if (b == 0xE7) return 3;           // save_any_reg
        return 1;                          // set_fp, nop, end, end_c, save_next, frames, pac_sign_lr, ...
    }

    /** Decodes the code at {@code data[pos]} (which must hold {@link #lengthOf} bytes). */
    public static UnwindCode decode(byte[] data, int pos) {
        int b0 = data[pos] & 0xFF;
        int len = lengthOf(b0);
        byte[] raw = java.util.Arrays.copyOfRange(data, pos, pos + len);
        int b1 = len > 1 ? data[pos + 1] & 0xFF : 0;
        if (b0 < 0x20) return new UnwindCode(Op.ALLOC_S, 0, b0 * 16, raw);
        if ((b0 & 0xC0) == 0x40) return new UnwindCode(Op.SAVE_FPLR, 29, (b0 & 0x3F) * 8, raw);
        if ((b0 & 0xC0) == 0x80) return new UnwindCode(Op.SAVE_FPLR_X, 29, -((b0 & 0x3F) + 1) * 8, raw);
        if ((b0 & 0xF8) == 0xC0) return new UnwindCode(Op.ALLOC_M, 0, ((b0 & 7) << 8 | b1) * 16, raw);
        if ((b0 & 0xFC) == 0xC8) return new UnwindCode(Op.SAVE_REGP, 19 + ((b0 & 3) << 2 | b1 >> 6), (b1 & 0x3F) * 8, raw);
        if ((b0 & 0xFC) == 0xD0) return new UnwindCode(Op.SAVE_REG, 19 + ((b0 & 3) << 2 | b1 >> 6), (b1 & 0x3F) * 8, raw);
        if (b0 == 0xE1) return new UnwindCode(Op.SET_FP, 29, 0, raw);
        if (b0 == 0xE3) return new UnwindCode(Op.NOP, 0, 0, raw);
        if (b0 == 0xE4) return new UnwindCode(Op.END, 0, 0, raw);
        return new UnwindCode(Op.OTHER, 0, 0, raw);
    }

    void writeTo(ByteArrayOutputStream out) {
        out.write(bytes, 0, bytes.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnwindCode u && u.op == op && u.reg == reg && u.offset == offset
                && java.util.Arrays.equals(u.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return switch (op) {
            case ALLOC_S -> "alloc_s " + offset;
            case ALLOC_M -> "alloc_m " + offset;
            case SAVE_FPLR -> "save_fplr [sp, #" + offset + "]";
            case SAVE_FPLR_X -> "save_fplr_x [sp, #" + offset + "]!";
            case SAVE_REGP -> "save_regp x" + reg + ", x" + (reg + 1) + ", [sp, #" + offset + "]";
            case SAVE_REG -> "save_reg x" + reg + ", [sp, #" + offset + "]";
            case SET_FP -> "set_fp";
            case NOP -> "nop";
            case END -> "end";
            case OTHER -> "other " + java.util.HexFormat.of().formatHex(bytes);
        };
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException("unencodable " + what);
    }
}
