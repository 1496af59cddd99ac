package r2rlab.format.unwind.arm64;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One ARM64 Windows-style unwind code (ARM64 exception handling spec, "Unwind codes"). Offsets are
 * in bytes (negative for the pre-indexed {@code _x} forms, which move SP by that amount); registers
 * are numbers: 19..30 for the callee-saved x registers, 8..15 for the d registers of save_freg*.
 *
 * <pre>
 * alloc_s        000xxxxx                    sub sp, sp, #x*16                    (size &lt; 512)
 * save_r19r20_x  001zzzzz                    stp x19, x20, [sp, #-z*8]!
 * save_fplr      01zzzzzz                    stp x29, x30, [sp, #z*8]             (0..504)
 * save_fplr_x    10zzzzzz                    stp x29, x30, [sp, #-(z+1)*8]!       (-512..-8)
 * alloc_m        11000xxx xxxxxxxx           sub sp, sp, #x*16                    (size &lt; 32K)
 * save_regp      110010xx xxzzzzzz           stp x(19+x), x(20+x), [sp, #z*8]
 * save_regp_x    110011xx xxzzzzzz           stp x(19+x), x(20+x), [sp, #-(z+1)*8]!
 * save_reg       110100xx xxzzzzzz           str x(19+x), [sp, #z*8]
 * save_reg_x     1101010x xxxzzzzz           str x(19+x), [sp, #-(z+1)*8]!
 * save_lrpair    1101011x xxzzzzzz           stp x(19+2x), lr, [sp, #z*8]
 * save_fregp     1101100x xxzzzzzz           stp d(8+x), d(9+x), [sp, #z*8]
 * save_fregp_x   1101101x xxzzzzzz           stp d(8+x), d(9+x), [sp, #-(z+1)*8]!
 * save_freg      1101110x xxzzzzzz           str d(8+x), [sp, #z*8]
 * save_freg_x    11011110 xxxzzzzz           str d(8+x), [sp, #-(z+1)*8]!
 * alloc_z        11011111 zzzzzzzz           addvl sp, sp, #-z                    (offset = z, in SVE vector lengths)
 * alloc_l        11100000 x(24 bits)         sub sp, sp, #x*16                    (size &lt; 256M)
 * set_fp         11100001                    mov x29, sp
 * add_fp         11100010 xxxxxxxx           add x29, sp, #x*8
 * nop            11100011                    (an instruction that needs no unwinding)
 * end            11100100
 * end_c          11100101                    end of this scope, the chained scope's codes follow
 * save_next      11100110                    the next register pair after the previous save_regp / save_fregp
 * </pre>
 * The other codes (save_any_reg, the MSFT_OP_* frames, pac_sign_lr, reserved) are kept as
 * {@link Op#OTHER} with their bytes; {@link #lengthOf} knows the length of every code.
 */
public record UnwindCode(Op op, int reg, int offset, byte[] bytes) {

    public enum Op {
        ALLOC_S, SAVE_R19R20_X, SAVE_FPLR, SAVE_FPLR_X, ALLOC_M, SAVE_REGP, SAVE_REGP_X, SAVE_REG, SAVE_REG_X,
        SAVE_LRPAIR, SAVE_FREGP, SAVE_FREGP_X, SAVE_FREG, SAVE_FREG_X, ALLOC_Z, ALLOC_L, SET_FP, ADD_FP, NOP, END,
        END_C, SAVE_NEXT, OTHER
    }

    private static final int END_BYTE = 0xE4;
    static final int END_C_BYTE = 0xE5;
    private static final int SAVE_NEXT_BYTE = 0xE6;

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

    /** end or end_c: the last code of a prolog or epilog scope. */
    public boolean endsScope() {
        return op == Op.END || op == Op.END_C;
    }

    /** Whether the code starting with byte {@code b} is end or end_c. */
    static boolean endsScope(int b) {
        return (b & 0xFF) == END_BYTE || (b & 0xFF) == END_C_BYTE;
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

    /** {@code sub sp, sp, #size} with size a multiple of 16 below 256 MiB (four bytes: E0 and x, big-endian). */
    public static UnwindCode allocL(int size) {
        check(size > 0 && size % 16 == 0 && size / 16 <= 0xFFFFFF, "alloc_l size " + size);
        int x = size / 16;
        return new UnwindCode(Op.ALLOC_L, 0, size, new byte[] {(byte) 0xE0, (byte) (x >> 16), (byte) (x >> 8), (byte) x});
    }

    /** The smallest of alloc_s / alloc_m / alloc_l that encodes {@code size}. */
    public static UnwindCode alloc(int size) {
        return size < 512 ? allocS(size) : size < 32768 ? allocM(size) : allocL(size);
    }

    /** {@code stp x19, x20, [sp, #offset]!}, offset -248..0 step 8. */
    public static UnwindCode saveR19R20X(int offset) {
        check(offset <= 0 && offset >= -248 && offset % 8 == 0, "save_r19r20_x offset " + offset);
        return new UnwindCode(Op.SAVE_R19R20_X, 19, offset, new byte[] {(byte) (0x20 | -offset / 8)});
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
        return SaveForm.SAVE_REGP.encode(firstReg, offset);
    }

    /** {@code stp x(first), x(first+1), [sp, #offset]!}; first 19..28, offset -512..-8 step 8. */
    public static UnwindCode saveRegpX(int firstReg, int offset) {
        return SaveForm.SAVE_REGP_X.encode(firstReg, offset);
    }

    /** {@code str x(reg), [sp, #offset]}; reg 19..30, offset 0..504 step 8. */
    public static UnwindCode saveReg(int reg, int offset) {
        return SaveForm.SAVE_REG.encode(reg, offset);
    }

    /** {@code str x(reg), [sp, #offset]!}; reg 19..30, offset -256..-8 step 8. */
    public static UnwindCode saveRegX(int reg, int offset) {
        return SaveForm.SAVE_REG_X.encode(reg, offset);
    }

    /** {@code stp x(reg), lr, [sp, #offset]}; reg 19, 21, .., 29, offset 0..504 step 8. */
    public static UnwindCode saveLrPair(int reg, int offset) {
        return SaveForm.SAVE_LRPAIR.encode(reg, offset);
    }

    /** {@code stp d(first), d(first+1), [sp, #offset]}; first 8..14, offset 0..504 step 8. */
    public static UnwindCode saveFregp(int firstReg, int offset) {
        return SaveForm.SAVE_FREGP.encode(firstReg, offset);
    }

    /** {@code stp d(first), d(first+1), [sp, #offset]!}; first 8..14, offset -512..-8 step 8. */
    public static UnwindCode saveFregpX(int firstReg, int offset) {
        return SaveForm.SAVE_FREGP_X.encode(firstReg, offset);
    }

    /** {@code str d(reg), [sp, #offset]}; reg 8..15, offset 0..504 step 8. */
    public static UnwindCode saveFreg(int reg, int offset) {
        return SaveForm.SAVE_FREG.encode(reg, offset);
    }

    /** {@code str d(reg), [sp, #offset]!}; reg 8..15, offset -256..-8 step 8. */
    public static UnwindCode saveFregX(int reg, int offset) {
        return SaveForm.SAVE_FREG_X.encode(reg, offset);
    }

    /** {@code addvl sp, sp, #-vectorLengths} (SVE): {@code offset} counts vector lengths, 0..255. */
    public static UnwindCode allocZ(int vectorLengths) {
        check(vectorLengths >= 0 && vectorLengths <= 0xFF, "alloc_z size " + vectorLengths);
        return new UnwindCode(Op.ALLOC_Z, 0, vectorLengths, new byte[] {(byte) 0xDF, (byte) vectorLengths});
    }

    /** {@code mov x29, sp}. */
    public static UnwindCode setFp() {
        return new UnwindCode(Op.SET_FP, 29, 0, new byte[] {(byte) 0xE1});
    }

    /** {@code add x29, sp, #offset}, offset 0..2040 step 8. */
    public static UnwindCode addFp(int offset) {
        check(offset >= 0 && offset <= 0xFF * 8 && offset % 8 == 0, "add_fp offset " + offset);
        return new UnwindCode(Op.ADD_FP, 29, offset, new byte[] {(byte) 0xE2, (byte) (offset / 8)});
    }

    public static UnwindCode nop() {
        return new UnwindCode(Op.NOP, 0, 0, new byte[] {(byte) 0xE3});
    }

    public static UnwindCode end() {
        return new UnwindCode(Op.END, 0, 0, new byte[] {(byte) END_BYTE});
    }

    public static UnwindCode endC() {
        return new UnwindCode(Op.END_C, 0, 0, new byte[] {(byte) END_C_BYTE});
    }

    /** Saves the register pair after the one the previous save_regp / save_fregp (or save_next) saved. */
    public static UnwindCode saveNext() {
        return new UnwindCode(Op.SAVE_NEXT, 0, 0, new byte[] {(byte) SAVE_NEXT_BYTE});
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
        if (pos + len > data.length) {
            throw new IllegalArgumentException("unwind code 0x" + Integer.toHexString(b0) + " needs " + len + " bytes");
        }
        byte[] raw = Arrays.copyOfRange(data, pos, pos + len);
        int b1 = len > 1 ? data[pos + 1] & 0xFF : 0;
        if (b0 < 0x20) return new UnwindCode(Op.ALLOC_S, 0, b0 * 16, raw);
        if (b0 < 0x40) return new UnwindCode(Op.SAVE_R19R20_X, 19, -(b0 & 0x1F) * 8, raw);
        if (b0 < 0x80) return new UnwindCode(Op.SAVE_FPLR, 29, (b0 & 0x3F) * 8, raw);
        if (b0 < 0xC0) return new UnwindCode(Op.SAVE_FPLR_X, 29, -((b0 & 0x3F) + 1) * 8, raw);
        if (b0 < 0xC8) return new UnwindCode(Op.ALLOC_M, 0, ((b0 & 7) << 8 | b1) * 16, raw);
        for (SaveForm f : SaveForm.values()) {
            if ((b0 & f.mask) == f.prefix) return f.decode(raw);
        }
        if (b0 == 0xDF) return new UnwindCode(Op.ALLOC_Z, 0, b1, raw);
        if (b0 == 0xE0) {
            int x = (raw[1] & 0xFF) << 16 | (raw[2] & 0xFF) << 8 | raw[3] & 0xFF;
            return new UnwindCode(Op.ALLOC_L, 0, x * 16, raw);
        }
        if (b0 == 0xE1) return new UnwindCode(Op.SET_FP, 29, 0, raw);
        if (b0 == 0xE2) return new UnwindCode(Op.ADD_FP, 29, b1 * 8, raw);
        if (b0 == 0xE3) return new UnwindCode(Op.NOP, 0, 0, raw);
        if (b0 == END_BYTE) return new UnwindCode(Op.END, 0, 0, raw);
        if (b0 == END_C_BYTE) return new UnwindCode(Op.END_C, 0, 0, raw);
        if (b0 == SAVE_NEXT_BYTE) return new UnwindCode(Op.SAVE_NEXT, 0, 0, raw);
        return new UnwindCode(Op.OTHER, 0, 0, raw);
    }

    void writeTo(ByteArrayOutputStream out) {
        out.write(bytes, 0, bytes.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnwindCode u && u.op == op && u.reg == reg && u.offset == offset
                && Arrays.equals(u.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return switch (op) {
            case ALLOC_S -> "alloc_s " + offset;
            case ALLOC_M -> "alloc_m " + offset;
            case ALLOC_L -> "alloc_l " + offset;
            case ALLOC_Z -> "alloc_z " + offset;
            case SAVE_R19R20_X -> "save_r19r20_x [sp, #" + offset + "]!";
            case SAVE_FPLR -> "save_fplr [sp, #" + offset + "]";
            case SAVE_FPLR_X -> "save_fplr_x [sp, #" + offset + "]!";
            case SAVE_REGP -> "save_regp x" + reg + ", x" + (reg + 1) + ", [sp, #" + offset + "]";
            case SAVE_REGP_X -> "save_regp_x x" + reg + ", x" + (reg + 1) + ", [sp, #" + offset + "]!";
            case SAVE_REG -> "save_reg x" + reg + ", [sp, #" + offset + "]";
            case SAVE_REG_X -> "save_reg_x x" + reg + ", [sp, #" + offset + "]!";
            case SAVE_LRPAIR -> "save_lrpair x" + reg + ", lr, [sp, #" + offset + "]";
            case SAVE_FREGP -> "save_fregp d" + reg + ", d" + (reg + 1) + ", [sp, #" + offset + "]";
            case SAVE_FREGP_X -> "save_fregp_x d" + reg + ", d" + (reg + 1) + ", [sp, #" + offset + "]!";
            case SAVE_FREG -> "save_freg d" + reg + ", [sp, #" + offset + "]";
            case SAVE_FREG_X -> "save_freg_x d" + reg + ", [sp, #" + offset + "]!";
            case SET_FP -> "set_fp";
            case ADD_FP -> "add_fp " + offset;
            case NOP -> "nop";
            case END -> "end";
            case END_C -> "end_c";
            case SAVE_NEXT -> "save_next";
            case OTHER -> "other " + HexFormat.of().formatHex(bytes);
        };
    }

    /**
     * The two-byte register saves: {@code prefix} in the high bits of byte 0, then the register field
     * (its high bits in byte 0, the rest at the top of byte 1), then z in the low {@code zBits} of byte 1.
     * register = {@code firstReg + regStep * field}; offset = z * 8, or -(z + 1) * 8 for the pre-indexed
     * forms (which move SP). One table, so that encoding and decoding cannot disagree.
     */
    private enum SaveForm {
        SAVE_REGP(Op.SAVE_REGP, 0xC8, 0xFC, 6, 19, 28, 1, false),
        SAVE_REGP_X(Op.SAVE_REGP_X, 0xCC, 0xFC, 6, 19, 28, 1, true),
        SAVE_REG(Op.SAVE_REG, 0xD0, 0xFC, 6, 19, 30, 1, false),
        SAVE_REG_X(Op.SAVE_REG_X, 0xD4, 0xFE, 5, 19, 30, 1, true),
        SAVE_LRPAIR(Op.SAVE_LRPAIR, 0xD6, 0xFE, 6, 19, 29, 2, false),
        SAVE_FREGP(Op.SAVE_FREGP, 0xD8, 0xFE, 6, 8, 14, 1, false),
        SAVE_FREGP_X(Op.SAVE_FREGP_X, 0xDA, 0xFE, 6, 8, 14, 1, true),
        SAVE_FREG(Op.SAVE_FREG, 0xDC, 0xFE, 6, 8, 15, 1, false),
        SAVE_FREG_X(Op.SAVE_FREG_X, 0xDE, 0xFF, 5, 8, 15, 1, true);

        final Op op;
        final int prefix;
        final int mask;
        final int zBits;
        final int firstReg;
        final int lastReg;
        final int regStep;
        final boolean preIndexed;

        SaveForm(Op op, int prefix, int mask, int zBits, int firstReg, int lastReg, int regStep, boolean preIndexed) {
            this.op = op;
            this.prefix = prefix;
            this.mask = mask;
            this.zBits = zBits;
            this.firstReg = firstReg;
            this.lastReg = lastReg;
            this.regStep = regStep;
            this.preIndexed = preIndexed;
        }

        UnwindCode encode(int reg, int offset) {
            String what = op.name().toLowerCase();
            check(reg >= firstReg && reg <= lastReg && (reg - firstReg) % regStep == 0, what + " register " + reg);
            int maxZ = (1 << zBits) - 1;
            int z = preIndexed ? -offset / 8 - 1 : offset / 8;
            check(offset % 8 == 0 && (preIndexed ? offset < 0 : offset >= 0) && z <= maxZ, what + " offset " + offset);
            int field = (reg - firstReg) / regStep;
            int b0 = prefix | field >> (8 - zBits);
            int b1 = (field << zBits | z) & 0xFF;
            return new UnwindCode(op, reg, offset, new byte[] {(byte) b0, (byte) b1});
        }

        UnwindCode decode(byte[] raw) {
            int b1 = raw[1] & 0xFF;
            int field = (raw[0] & ~mask & 0xFF) << (8 - zBits) | b1 >> zBits;
            int z = b1 & ((1 << zBits) - 1);
            return new UnwindCode(op, firstReg + regStep * field, preIndexed ? -(z + 1) * 8 : z * 8, raw);
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException("unencodable " + what);
    }
}
