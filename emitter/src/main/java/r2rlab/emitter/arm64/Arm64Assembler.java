package r2rlab.emitter.arm64;

import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_BRANCH26;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import r2rlab.emitter.codegen.BranchOutOfRangeException;
import r2rlab.format.pe.Relocation;

/**
 * A small ARM64 (A64) encoder. Instructions are appended as 32-bit little-endian words; label
 * branches are recorded and patched by {@link #finish()}; references to symbols produce
 * {@link Relocation}s whose offset is the offset of the instruction word, with the immediate field
 * left 0 (the addend is carried in the relocation, see {@code RelocationResolver}).
 *
 * <p>Operand width: data-processing and load/store methods take the width from their registers
 * (X = 64-bit, sf = 1; W = 32-bit, sf = 0) and reject mixed widths. Register 31 means SP in some
 * fields and XZR in others; each method documents which and rejects the other.
 *
 * <p>Not thread-safe. After {@link #finish()} the assembler must not be used again.
 */
public final class Arm64Assembler {

    /** A branch target. Create with {@link #newLabel()}, place with {@link #bind(Label)}. */
    public static final class Label {
        private int position = -1;

        private Label() {
        }

        public boolean isBound() {
            return position >= 0;
        }

        /** Byte offset the label is bound to; -1 while unbound. */
        public int position() {
            return position;
        }
    }

    private enum FixupKind { IMM26, IMM19 }

    private record Fixup(int offset, Label label, FixupKind kind) {
    }

    private byte[] buf = new byte[256];
    private int size;
    private final List<Fixup> fixups = new ArrayList<>();
    private final List<Relocation> relocations = new ArrayList<>();
    private boolean finished;

    /** Current size in bytes = offset of the next instruction. */
    public int offset() {
        return size;
    }

    /** Appends a raw instruction word (little-endian). */
    public void emit(int word) {
        if (finished) throw new IllegalStateException("assembler already finished");
        if (size + 4 > buf.length) buf = Arrays.copyOf(buf, buf.length * 2);
        buf[size] = (byte) word;
        buf[size + 1] = (byte) (word >>> 8);
        buf[size + 2] = (byte) (word >>> 16);
        buf[size + 3] = (byte) (word >>> 24);
        size += 4;
    }

    // ------------------------------------------------------------------ labels and branches

    public Label newLabel() {
        return new Label();
    }

    /** Binds {@code label} to the current offset. A label can be bound only once. */
    public void bind(Label label) {
        if (label.isBound()) throw new IllegalStateException("label already bound at " + label.position);
        label.position = size;
    }

    /** {@code b label}: {@code 000101 imm26} = 0x14000000 | ((target - pc) >> 2 & 0x3FFFFFF); range ±128 MiB. */
    public void b(Label label) {
        fixups.add(new Fixup(size, label, FixupKind.IMM26));
        emit(0x14000000);
    }

    /** {@code b.cond label}: 0x54000000 | imm19 << 5 | cond; range ±1 MiB. */
    public void bCond(Condition cond, Label label) {
        fixups.add(new Fixup(size, label, FixupKind.IMM19));
        emit(0x54000000 | cond.code());
    }

    /** {@code cbz rt, label}: sf 011010 0 imm19 Rt = 0xB4000000 (X) / 0x34000000 (W); Rt 31 = ZR. */
    public void cbz(Register rt, Label label) {
        zr(rt);
        fixups.add(new Fixup(size, label, FixupKind.IMM19));
        emit(sf(rt) | 0x34000000 | rt.encoding());
    }

    /** {@code cbnz rt, label}: 0xB5000000 (X) / 0x35000000 (W) | imm19 << 5 | Rt; Rt 31 = ZR. */
    public void cbnz(Register rt, Label label) {
        zr(rt);
        fixups.add(new Fixup(size, label, FixupKind.IMM19));
        emit(sf(rt) | 0x35000000 | rt.encoding());
    }

    /** {@code bl symbol}: 0x94000000 with imm26 = 0 and an ARM64_BRANCH26 relocation (S + 0 - P). */
    public void bl(String symbol) {
        bl(symbol, 0);
    }

    /** {@code bl symbol+addend}: 0x94000000 with an ARM64_BRANCH26 relocation carrying {@code addend}. */
    public void bl(String symbol, long addend) {
        emit(0x94000000);
        relocations.add(new Relocation(size - 4, IMAGE_REL_BASED_ARM64_BRANCH26, symbol, addend));
    }

    /** {@code b symbol}: 0x14000000 with an ARM64_BRANCH26 relocation (tail branch to a symbol). */
    public void b(String symbol) {
        emit(0x14000000);
        relocations.add(new Relocation(size - 4, IMAGE_REL_BASED_ARM64_BRANCH26, symbol, 0));
    }

    /** {@code blr xn}: 0xD63F0000 | Rn << 5 (blr x16 = D63F0200). */
    public void blr(Register rn) {
        emit(0xD63F0000 | gp64(rn) << 5);
    }

    /** {@code br xn}: 0xD61F0000 | Rn << 5 (br x16 = D61F0200). */
    public void br(Register rn) {
        emit(0xD61F0000 | gp64(rn) << 5);
    }

    /** {@code ret} (x30): 0xD65F03C0. */
    public void ret() {
        ret(Register.LR);
    }

    /** {@code ret xn}: 0xD65F0000 | Rn << 5. */
    public void ret(Register rn) {
        emit(0xD65F0000 | gp64(rn) << 5);
    }

    /** {@code brk #imm16}: 0xD4200000 | imm16 << 5. */
    public void brk(int imm16) {
        checkUnsigned(imm16, 16, "brk immediate");
        emit(0xD4200000 | imm16 << 5);
    }

    /** {@code nop}: 0xD503201F. */
    public void nop() {
        emit(0xD503201F);
    }

    // ------------------------------------------------------------------ moves

    /** {@code movz rd, #imm16, lsl #shift}: sf 10 100101 hw imm16 Rd = 0xD2800000 (X) / 0x52800000 (W); Rd 31 = ZR. */
    public void movz(Register rd, int imm16, int shift) {
        emit(sf(rd) | 0x52800000 | hw(rd, shift) << 21 | checkUnsigned(imm16, 16, "movz immediate") << 5 | zr(rd));
    }

    /** {@code movk rd, #imm16, lsl #shift}: 0xF2800000 (X) / 0x72800000 (W) | hw << 21 | imm16 << 5 | Rd. */
    public void movk(Register rd, int imm16, int shift) {
        emit(sf(rd) | 0x72800000 | hw(rd, shift) << 21 | checkUnsigned(imm16, 16, "movk immediate") << 5 | zr(rd));
    }

    /** {@code movn rd, #imm16, lsl #shift} (rd = ~(imm16 << shift)): 0x92800000 (X) / 0x12800000 (W). */
    public void movn(Register rd, int imm16, int shift) {
        emit(sf(rd) | 0x12800000 | hw(rd, shift) << 21 | checkUnsigned(imm16, 16, "movn immediate") << 5 | zr(rd));
    }

    /**
     * Loads a constant with the shortest movz/movk (or movn/movk, when more halfwords are 0xFFFF than
     * 0x0000) sequence. For a W register only the low 32 bits of {@code value} are used.
     */
    public void mov(Register rd, long value) {
        zr(rd);
        int halves = rd.is64() ? 4 : 2;
        if (!rd.is64()) value &= 0xFFFFFFFFL;
        int zeros = 0;
        int ones = 0;
        for (int i = 0; i < halves; i++) {
            int h = (int) (value >>> (16 * i)) & 0xFFFF;
            if (h == 0) zeros++;
            if (h == 0xFFFF) ones++;
        }
        boolean inverted = ones > zeros;
        int fill = inverted ? 0xFFFF : 0;
        boolean first = true;
        for (int i = 0; i < halves; i++) {
            int h = (int) (value >>> (16 * i)) & 0xFFFF;
            if (h == fill) continue;
            if (first) {
                if (inverted) movn(rd, ~h & 0xFFFF, 16 * i);
                else movz(rd, h, 16 * i);
                first = false;
            } else {
                movk(rd, h, 16 * i);
            }
        }
        if (first) { // every halfword equals the fill: 0 or all ones
            if (inverted) movn(rd, 0, 0);
            else movz(rd, 0, 0);
        }
    }

    /**
     * {@code mov rd, rm}. If either is SP: {@code add rd, rn, #0} (0x91000000 | Rn << 5 | Rd, 31 = SP);
     * otherwise {@code orr rd, xzr, rm}: 0xAA0003E0 (X) / 0x2A0003E0 (W) | Rm << 16 | Rd (31 = ZR).
     */
    public void mov(Register rd, Register rm) {
        sameWidth(rd, rm);
        if (rd.isSp() || rm.isSp()) {
            addImm(0x11000000, rd, rm, 0, false, true);
        } else {
            emit(sf(rd) | 0x2A0003E0 | zr(rm) << 16 | zr(rd));
        }
    }

    // ------------------------------------------------------------------ arithmetic

    /** {@code add rd, rn, #imm12}: 0x91000000 (X) / 0x11000000 (W) | imm12 << 10 | Rn << 5 | Rd; Rd and Rn 31 = SP. */
    public void add(Register rd, Register rn, int imm12) {
        add(rd, rn, imm12, false);
    }

    /** {@code add rd, rn, #imm12{, lsl #12}}: as {@link #add(Register, Register, int)} with sh (bit 22) = lsl12. */
    public void add(Register rd, Register rn, int imm12, boolean lsl12) {
        addImm(0x11000000, rd, rn, imm12, lsl12, true);
    }

    /** {@code sub rd, rn, #imm12{, lsl #12}}: 0xD1000000 (X) / 0x51000000 (W); Rd and Rn 31 = SP. */
    public void sub(Register rd, Register rn, int imm12, boolean lsl12) {
        addImm(0x51000000, rd, rn, imm12, lsl12, true);
    }

    public void sub(Register rd, Register rn, int imm12) {
        sub(rd, rn, imm12, false);
    }

    /** {@code adds rd, rn, #imm12{, lsl #12}}: 0xB1000000 (X) / 0x31000000 (W); Rd 31 = ZR, Rn 31 = SP. */
    public void adds(Register rd, Register rn, int imm12, boolean lsl12) {
        addImm(0x31000000, rd, rn, imm12, lsl12, false);
    }

    /** {@code subs rd, rn, #imm12{, lsl #12}}: 0xF1000000 (X) / 0x71000000 (W); Rd 31 = ZR, Rn 31 = SP. */
    public void subs(Register rd, Register rn, int imm12, boolean lsl12) {
        addImm(0x71000000, rd, rn, imm12, lsl12, false);
    }

    /** {@code cmp rn, #imm12} = {@code subs xzr, rn, #imm12}. */
    public void cmp(Register rn, int imm12) {
        subs(rn.is64() ? Register.XZR : Register.WZR, rn, imm12, false);
    }

    /** {@code add rd, rn, rm} (shifted register, LSL #0): 0x8B000000 (X) / 0x0B000000 (W) | Rm << 16 | Rn << 5 | Rd; 31 = ZR. */
    public void add(Register rd, Register rn, Register rm) {
        addReg(0x0B000000, rd, rn, rm);
    }

    /** {@code sub rd, rn, rm}: 0xCB000000 (X) / 0x4B000000 (W); 31 = ZR. */
    public void sub(Register rd, Register rn, Register rm) {
        addReg(0x4B000000, rd, rn, rm);
    }

    /** {@code adds rd, rn, rm}: 0xAB000000 (X) / 0x2B000000 (W); 31 = ZR. */
    public void adds(Register rd, Register rn, Register rm) {
        addReg(0x2B000000, rd, rn, rm);
    }

    /** {@code subs rd, rn, rm}: 0xEB000000 (X) / 0x6B000000 (W); 31 = ZR. */
    public void subs(Register rd, Register rn, Register rm) {
        addReg(0x6B000000, rd, rn, rm);
    }

    /** {@code cmp rn, rm} = {@code subs xzr, rn, rm}. */
    public void cmp(Register rn, Register rm) {
        subs(rn.is64() ? Register.XZR : Register.WZR, rn, rm);
    }

    /** {@code neg rd, rm} = {@code sub rd, xzr, rm}: 0xCB0003E0 (X) / 0x4B0003E0 (W) | Rm << 16 | Rd. */
    public void neg(Register rd, Register rm) {
        addReg(0x4B000000, rd, rd.is64() ? Register.XZR : Register.WZR, rm);
    }

    /** {@code mul rd, rn, rm} = {@code madd rd, rn, rm, xzr}: 0x9B007C00 (X) / 0x1B007C00 (W) | Rm << 16 | Rn << 5 | Rd. */
    public void mul(Register rd, Register rn, Register rm) {
        sameWidth(rd, rn, rm);
        emit(sf(rd) | 0x1B007C00 | zr(rm) << 16 | zr(rn) << 5 | zr(rd));
    }

    /** {@code sdiv rd, rn, rm}: 0x9AC00C00 (X) / 0x1AC00C00 (W) | Rm << 16 | Rn << 5 | Rd. */
    public void sdiv(Register rd, Register rn, Register rm) {
        sameWidth(rd, rn, rm);
        emit(sf(rd) | 0x1AC00C00 | zr(rm) << 16 | zr(rn) << 5 | zr(rd));
    }

    /**
     * {@code cset rd, cond} = {@code csinc rd, xzr, xzr, invert(cond)}:
     * 0x9A9F07E0 (X) / 0x1A9F07E0 (W) | invert(cond) << 12 | Rd. AL and NV are rejected.
     */
    public void cset(Register rd, Condition cond) {
        emit(sf(rd) | 0x1A9F07E0 | cond.invert().code() << 12 | zr(rd));
    }

    // ------------------------------------------------------------------ loads and stores

    /**
     * {@code ldr rt, [rn, #offset]} (unsigned scaled offset): 0xF9400000 (X, offset/8) /
     * 0xB9400000 (W, offset/4) | imm12 << 10 | Rn << 5 | Rt. Rn 31 = SP, Rt 31 = ZR; Rn is 64-bit.
     */
    public void ldr(Register rt, Register rn, int offset) {
        ldst(rt.is64() ? 0xF9400000 : 0xB9400000, rt, rn, offset);
    }

    /** {@code str rt, [rn, #offset]}: 0xF9000000 (X) / 0xB9000000 (W), as {@link #ldr(Register, Register, int)}. */
    public void str(Register rt, Register rn, int offset) {
        ldst(rt.is64() ? 0xF9000000 : 0xB9000000, rt, rn, offset);
    }

    /**
     * {@code ldr rt, [rn, rm]} (register offset, LSL #0): 0xF8606800 (X) / 0xB8606800 (W) | Rm << 16 | Rn << 5 |
     * Rt. Rn 31 = SP, Rt 31 = ZR (a load into wzr is the JIT's stack probe); Rn and Rm are 64-bit.
     */
    public void ldr(Register rt, Register rn, Register rm) {
        ldstRegister(rt.is64() ? 0xF8606800 : 0xB8606800, rt, rn, rm);
    }

    /** {@code str rt, [rn, rm]}: 0xF8206800 (X) / 0xB8206800 (W), as {@link #ldr(Register, Register, Register)}. */
    public void str(Register rt, Register rn, Register rm) {
        ldstRegister(rt.is64() ? 0xF8206800 : 0xB8206800, rt, rn, rm);
    }

    /** {@code ldr rt, [rn]}. */
    public void ldr(Register rt, Register rn) {
        ldr(rt, rn, 0);
    }

    /** {@code ldur rt, [rn, #simm9]}: 0xF8400000 (X) / 0xB8400000 (W) | (simm9 & 0x1FF) << 12 | Rn << 5 | Rt. */
    public void ldur(Register rt, Register rn, int simm9) {
        ldstUnscaled(rt.is64() ? 0xF8400000 : 0xB8400000, rt, rn, simm9);
    }

    /** {@code stur rt, [rn, #simm9]}: 0xF8000000 (X) / 0xB8000000 (W) | (simm9 & 0x1FF) << 12 | Rn << 5 | Rt. */
    public void stur(Register rt, Register rn, int simm9) {
        ldstUnscaled(rt.is64() ? 0xF8000000 : 0xB8000000, rt, rn, simm9);
    }

    /** Addressing mode of ldp/stp. */
    public enum PairMode {
        /** {@code [rn, #off]}: bits 23-24 = 10. */
        SIGNED_OFFSET(0x01000000),
        /** {@code [rn, #off]!}: bits 23-24 = 11. */
        PRE_INDEX(0x01800000),
        /** {@code [rn], #off}: bits 23-24 = 01. */
        POST_INDEX(0x00800000);

        final int bits;

        PairMode(int bits) {
            this.bits = bits;
        }
    }

    /**
     * {@code stp rt, rt2, <address>}: opc 101 0 mode L=0 imm7 Rt2 Rn Rt; X: 0xA8000000 | mode, imm7 =
     * offset/8 in [-512, 504]; W: 0x28000000 | mode, imm7 = offset/4. E.g. {@code stp fp, lr, [sp, #-16]!}
     * = A9BF7BFD. Rn 31 = SP, Rt/Rt2 31 = ZR.
     */
    public void stp(Register rt, Register rt2, Register rn, int offset, PairMode mode) {
        pair(0x28000000, rt, rt2, rn, offset, mode, false);
    }

    /** {@code ldp rt, rt2, <address>}: as {@link #stp} with L (bit 22) = 1: X 0xA8400000 | mode, W 0x28400000 | mode. */
    public void ldp(Register rt, Register rt2, Register rn, int offset, PairMode mode) {
        pair(0x28400000, rt, rt2, rn, offset, mode, true);
    }

    // ------------------------------------------------------------------ symbol references

    /**
     * {@code adrp xd, symbol}: 1 immlo 10000 immhi Rd = 0x90000000 | Rd (imm = 0) with an
     * ARM64_PAGEBASE_REL21 relocation; Rd 31 = ZR (rejected: pointless).
     */
    public void adrp(Register rd, String symbol) {
        adrp(rd, symbol, 0);
    }

    /** {@code adrp xd, symbol+addend}; the page is that of symbol + addend. */
    public void adrp(Register rd, String symbol, long addend) {
        emit(0x90000000 | gp64(rd));
        relocations.add(new Relocation(size - 4, IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, symbol, addend));
    }

    /** {@code add xd, xn, :lo12:symbol}: 0x91000000 | Rn << 5 | Rd (imm12 = 0) with ARM64_PAGEOFFSET_12A. */
    public void addLo12(Register rd, Register rn, String symbol) {
        addLo12(rd, rn, symbol, 0);
    }

    /** {@code add xd, xn, :lo12:(symbol+addend)}. */
    public void addLo12(Register rd, Register rn, String symbol, long addend) {
        if (!rd.is64() || !rn.is64()) throw new IllegalArgumentException("add :lo12: needs 64-bit registers");
        addImm(0x11000000, rd, rn, 0, false, true);
        relocations.add(new Relocation(size - 4, IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, symbol, addend));
    }

    /**
     * {@code ldr rt, [xn, :lo12:symbol]}: 0xF9400000 (X) / 0xB9400000 (W) | Rn << 5 | Rt (imm12 = 0)
     * with ARM64_PAGEOFFSET_12L (the resolver scales the offset by the access size).
     */
    public void ldrLo12(Register rt, Register rn, String symbol) {
        ldrLo12(rt, rn, symbol, 0);
    }

    public void ldrLo12(Register rt, Register rn, String symbol, long addend) {
        ldr(rt, rn, 0);
        relocations.add(new Relocation(size - 4, IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L, symbol, addend));
    }

    /**
     * Call through an import cell exactly as RyuJIT/crossgen2 emit it (r2r-format.md §6.3), leaving
     * x11 = cell address for the delay-load helper:
     * {@code adrp x11, cell; add x11, x11, :lo12:cell; ldr x16, [x11]; blr x16} (16 bytes, 3 relocations).
     */
    public void callThroughCell(String cellSymbol) {
        loadCell(cellSymbol);
        blr(Register.X16);
    }

    /** As {@link #callThroughCell(String)} but ending in {@code br x16} (tail jump; x11 still = cell). */
    public void tailJumpThroughCell(String cellSymbol) {
        loadCell(cellSymbol);
        br(Register.X16);
    }

    private void loadCell(String cellSymbol) {
        adrp(Register.X11, cellSymbol);
        addLo12(Register.X11, Register.X11, cellSymbol);
        ldr(Register.X16, Register.X11, 0);
    }

    // ------------------------------------------------------------------ finish

    /**
     * Resolves all label branches (range-checked) and returns the code and relocations.
     *
     * @throws IllegalStateException if a label is unbound or an unconditional branch is out of range
     * @throws BranchOutOfRangeException if a conditional branch is out of range
     */
    public AssembledCode finish() {
        if (finished) throw new IllegalStateException("assembler already finished");
        for (Fixup f : fixups) {
            if (!f.label.isBound()) throw new IllegalStateException("unbound label used at offset " + f.offset);
            int delta = f.label.position - f.offset;
            int word = readWord(f.offset);
            if (f.kind == FixupKind.IMM26) {
                if (delta < -(1 << 27) || delta >= (1 << 27)) {
                    throw new IllegalStateException("branch at offset " + f.offset + " out of range (±128 MiB): " + delta);
                }
                word |= (delta >> 2) & 0x3FFFFFF;
            } else {
                if (delta < -(1 << 20) || delta >= (1 << 20)) {
                    throw new BranchOutOfRangeException("conditional branch at offset " + f.offset + " out of range (±1 MiB): " + delta);
                }
                word |= ((delta >> 2) & 0x7FFFF) << 5;
            }
            writeWord(f.offset, word);
        }
        finished = true;
        return new AssembledCode(Arrays.copyOf(buf, size), relocations);
    }

    // ------------------------------------------------------------------ helpers

    private int readWord(int off) {
        return (buf[off] & 0xFF) | (buf[off + 1] & 0xFF) << 8 | (buf[off + 2] & 0xFF) << 16 | (buf[off + 3] & 0xFF) << 24;
    }

    private void writeWord(int off, int w) {
        buf[off] = (byte) w;
        buf[off + 1] = (byte) (w >>> 8);
        buf[off + 2] = (byte) (w >>> 16);
        buf[off + 3] = (byte) (w >>> 24);
    }

    private void addImm(int base, Register rd, Register rn, int imm12, boolean lsl12, boolean rdIsSp) {
        sameWidth(rd, rn);
        checkUnsigned(imm12, 12, "add/sub immediate");
        int d = rdIsSp ? sp(rd) : zr(rd);
        emit(sf(rd) | base | (lsl12 ? 1 << 22 : 0) | imm12 << 10 | sp(rn) << 5 | d);
    }

    private void addReg(int base, Register rd, Register rn, Register rm) {
        sameWidth(rd, rn, rm);
        emit(sf(rd) | base | zr(rm) << 16 | zr(rn) << 5 | zr(rd));
    }

    private void ldst(int base, Register rt, Register rn, int offset) {
        base64(rn);
        int scale = rt.is64() ? 3 : 2;
        if (offset < 0 || (offset & ((1 << scale) - 1)) != 0 || (offset >> scale) > 0xFFF) {
            throw new IllegalArgumentException("unsigned offset " + offset + " not encodable for " + rt);
        }
        emit(base | (offset >> scale) << 10 | sp(rn) << 5 | zr(rt));
    }

    private void ldstRegister(int base, Register rt, Register rn, Register rm) {
        base64(rn);
        base64(rm);
        emit(base | zr(rm) << 16 | sp(rn) << 5 | zr(rt));
    }

    private void ldstUnscaled(int base, Register rt, Register rn, int simm9) {
        base64(rn);
        if (simm9 < -256 || simm9 > 255) throw new IllegalArgumentException("ldur/stur offset out of range: " + simm9);
        emit(base | (simm9 & 0x1FF) << 12 | sp(rn) << 5 | zr(rt));
    }

    private void pair(int base, Register rt, Register rt2, Register rn, int offset, PairMode mode, boolean load) {
        sameWidth(rt, rt2);
        base64(rn);
        int scale = rt.is64() ? 3 : 2;
        if ((offset & ((1 << scale) - 1)) != 0) throw new IllegalArgumentException("pair offset not scaled: " + offset);
        int imm7 = offset >> scale;
        if (imm7 < -64 || imm7 > 63) throw new IllegalArgumentException("pair offset out of range: " + offset);
        if (load && rt.encoding() == rt2.encoding()) throw new IllegalArgumentException("ldp with Rt == Rt2 is unpredictable");
        if (mode != PairMode.SIGNED_OFFSET && !rn.isSp()
                && (rn.encoding() == rt.encoding() || rn.encoding() == rt2.encoding())) {
            throw new IllegalArgumentException("writeback pair with base register among the transfer registers");
        }
        emit((rt.is64() ? 0x80000000 : 0) | base | mode.bits | (imm7 & 0x7F) << 15 | zr(rt2) << 10 | sp(rn) << 5 | zr(rt));
    }

    private static int sf(Register r) {
        return r.is64() ? 0x80000000 : 0;
    }

    private static int hw(Register rd, int shift) {
        if (shift < 0 || shift % 16 != 0 || shift >= (rd.is64() ? 64 : 32)) {
            throw new IllegalArgumentException("bad shift " + shift + " for " + rd);
        }
        return shift / 16;
    }

    private static int checkUnsigned(int v, int bits, String what) {
        if (v < 0 || v >= (1 << bits)) throw new IllegalArgumentException(what + " out of range: " + v);
        return v;
    }

    /** Field where 31 means SP: reject XZR/WZR. */
    private static int sp(Register r) {
        if (r.isZr()) throw new IllegalArgumentException(r + " not allowed here (register 31 means SP in this field)");
        return r.encoding();
    }

    /** Field where 31 means ZR: reject SP/WSP. */
    private static int zr(Register r) {
        if (r.isSp()) throw new IllegalArgumentException(r + " not allowed here (register 31 means ZR in this field)");
        return r.encoding();
    }

    /** A 64-bit general register x0..x30 (no SP, no XZR). */
    private static int gp64(Register r) {
        if (!r.is64() || r.kind() != Register.Kind.GP) throw new IllegalArgumentException("need x0..x30, got " + r);
        return r.encoding();
    }

    private static void base64(Register rn) {
        if (!rn.is64()) throw new IllegalArgumentException("base register must be 64-bit: " + rn);
    }

    private static void sameWidth(Register... regs) {
        for (Register r : regs) {
            if (r.is64() != regs[0].is64()) throw new IllegalArgumentException("mixed register widths: " + Arrays.toString(regs));
        }
    }
}
