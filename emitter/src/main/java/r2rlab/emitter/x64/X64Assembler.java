package r2rlab.emitter.x64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

/**
 * A small x64 (64-bit mode) machine-code encoder for the instruction subset an R2R emitter needs.
 *
 * <p>Bytes are appended to a growable buffer. Branches to {@link Label}s always use rel32 forms and
 * are patched in {@link #finish()}. References to external symbols produce
 * {@link RelocType#IMAGE_REL_BASED_REL32} relocations whose {@code offset} is the offset of the
 * 4-byte field to patch; the field itself is left as zero and the addend is carried in the
 * {@link Relocation} record. Every REL32 field this class emits ends its instruction, so the value
 * S + A − (P + 4) (r2r-format.md §7) is relative to the next instruction; the addend is 0 except for
 * the {@code ...(symbol, addend)} forms, which reach {@code symbol + addend} (e.g. a label in another
 * code fragment, or a record of a table).
 *
 * <p>Notation in the method docs: {@code REX.W} = 0x48 with R/X/B bits added as the operands need,
 * {@code [REX]} = a REX prefix emitted only when a register ≥ R8 (or, for byte registers, SPL/BPL/
 * SIL/DIL) is involved, {@code /r} = ModRM with reg field = the register operand, {@code /n} = ModRM
 * with reg field = opcode extension n, {@code ib/id/iq} = 8/32/64-bit immediate, {@code cd} = rel32.
 *
 * <p>Memory operands {@code [base+disp]} are encoded in the shortest form: mod=00 with no
 * displacement when disp == 0 and base is not RBP/R13 (whose mod=00 encoding means RIP-relative /
 * disp32), mod=01 + disp8 when disp fits in a signed byte, otherwise mod=10 + disp32. RSP and R12 as
 * base always need a SIB byte {@code 0x24} (scale 1, no index, base=100).
 */
public final class X64Assembler {

    /** A branch target. Create with {@link #newLabel()}, place with {@link #bind(Label)}. */
    public static final class Label {
        private final X64Assembler owner;
        private int position = -1;

        private Label(X64Assembler owner) {
            this.owner = owner;
        }

        /** True once bound. */
        public boolean isBound() {
            return position >= 0;
        }

        /** The bound code offset; throws if not bound yet. */
        public int position() {
            if (position < 0) {
                throw new IllegalStateException("label not bound");
            }
            return position;
        }
    }

    private record LabelFixup(int fieldOffset, Label label) {
    }

    private byte[] buf = new byte[64];
    private int size;
    private final List<LabelFixup> fixups = new ArrayList<>();
    private final List<Relocation> relocations = new ArrayList<>();
    private boolean finished;

    // ------------------------------------------------------------------------------------------
    // Buffer, labels, results

    /** Current code offset (= number of bytes emitted so far). */
    public int offset() {
        return size;
    }

    /** A new unbound label owned by this assembler. */
    public Label newLabel() {
        return new Label(this);
    }

    /** Binds {@code label} to the current offset. A label can be bound only once. */
    public void bind(Label label) {
        checkLabel(label);
        if (label.isBound()) {
            throw new IllegalStateException("label already bound at " + label.position);
        }
        label.position = size;
    }

    /**
     * Patches every label branch (rel32 = target − end of the branch instruction). Throws if a
     * referenced label was never bound. Idempotent; no more instructions may be added afterwards.
     */
    public void finish() {
        if (finished) {
            return;
        }
        for (LabelFixup f : fixups) {
            if (!f.label.isBound()) {
                throw new IllegalStateException("branch at field offset " + f.fieldOffset + " to an unbound label");
            }
            putInt(f.fieldOffset, f.label.position - (f.fieldOffset + 4));
        }
        finished = true;
    }

    /** The code bytes; calls {@link #finish()} first. */
    public byte[] code() {
        finish();
        return Arrays.copyOf(buf, size);
    }

    /** Relocations against external symbols, in emission order; calls {@link #finish()} first. */
    public List<Relocation> relocations() {
        finish();
        return Collections.unmodifiableList(new ArrayList<>(relocations));
    }

    /** Appends one raw byte. */
    public void emitByte(int b) {
        if (finished) {
            throw new IllegalStateException("assembler already finished");
        }
        if (size == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        buf[size++] = (byte) b;
    }

    /** Appends a little-endian 32-bit value. */
    public void emitInt(int v) {
        emitByte(v);
        emitByte(v >> 8);
        emitByte(v >> 16);
        emitByte(v >> 24);
    }

    /** Appends a little-endian 64-bit value. */
    public void emitLong(long v) {
        emitInt((int) v);
        emitInt((int) (v >>> 32));
    }

    private void putInt(int at, int v) {
        buf[at] = (byte) v;
        buf[at + 1] = (byte) (v >> 8);
        buf[at + 2] = (byte) (v >> 16);
        buf[at + 3] = (byte) (v >> 24);
    }

    private void checkLabel(Label label) {
        if (label.owner != this) {
            throw new IllegalArgumentException("label belongs to another assembler");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Encoding helpers

    /** Emits a REX prefix if w/r/x/b is set or {@code force}. */
    private void rex(boolean w, int r, int x, int b, boolean force) {
        int rex = 0x40 | (w ? 8 : 0) | (r << 2) | (x << 1) | b;
        if (rex != 0x40 || force) {
            emitByte(rex);
        }
    }

    private void modrmReg(int reg, Register rm) {
        emitByte(0xC0 | ((reg & 7) << 3) | rm.low3());
    }

    /** ModRM (+SIB) (+disp) for [base+disp] with reg field {@code reg}. */
    private void modrmMem(int reg, Register base, int disp) {
        int r = (reg & 7) << 3;
        boolean sib = base.low3() == 4;
        int mod;
        if (disp == 0 && base.low3() != 5) {
            mod = 0x00;
        } else if (disp >= -128 && disp <= 127) {
            mod = 0x40;
        } else {
            mod = 0x80;
        }
        emitByte(mod | r | base.low3());
        if (sib) {
            emitByte(0x24);
        }
        if (mod == 0x40) {
            emitByte(disp);
        } else if (mod == 0x80) {
            emitInt(disp);
        }
    }

    /** ModRM for [rip+disp32] (mod=00, rm=101) followed by a zero disp32 with a REL32 relocation. */
    private void modrmRip(int reg, String symbol) {
        emitByte(((reg & 7) << 3) | 5);
        rel32Symbol(symbol);
    }

    private void rel32Symbol(String symbol) {
        rel32Symbol(symbol, 0);
    }

    private void rel32Symbol(String symbol, long addend) {
        if (symbol == null) {
            throw new IllegalArgumentException("symbol is null");
        }
        relocations.add(new Relocation(size, RelocType.IMAGE_REL_BASED_REL32, symbol, addend));
        emitInt(0);
    }

    /** reg-reg instruction with opcode bytes, ModRM.reg = {@code reg}, ModRM.rm = {@code rm}. */
    private void rr(boolean w, Register reg, Register rm, int... opcode) {
        rex(w, reg.high(), 0, rm.high(), false);
        for (int op : opcode) {
            emitByte(op);
        }
        modrmReg(reg.low3(), rm);
    }

    /** reg-mem instruction with opcode bytes, ModRM.reg = {@code reg}. */
    private void rm(boolean w, Register reg, Register base, int disp, int... opcode) {
        rex(w, reg.high(), 0, base.high(), false);
        for (int op : opcode) {
            emitByte(op);
        }
        modrmMem(reg.low3(), base, disp);
    }

    // ------------------------------------------------------------------------------------------
    // Stack

    /** {@code push r64}: {@code [41] 50+r} (REX.B = 0x41 for R8–R15). */
    public void push(Register r) {
        rex(false, 0, 0, r.high(), false);
        emitByte(0x50 + r.low3());
    }

    /** {@code pop r64}: {@code [41] 58+r}. */
    public void pop(Register r) {
        rex(false, 0, 0, r.high(), false);
        emitByte(0x58 + r.low3());
    }

    /** {@code push imm8} (sign-extended to 64 bits): {@code 6A ib}. */
    public void pushImm8(int imm) {
        checkImm8(imm);
        emitByte(0x6A);
        emitByte(imm);
    }

    /** {@code push qword ptr [rip+symbol]}: {@code FF 35 disp32}, REL32 relocation on disp32. */
    public void pushRipRelative(String symbol) {
        emitByte(0xFF);
        modrmRip(6, symbol);
    }

    /** {@code sub rsp, imm}: {@code 48 83 EC ib} or {@code 48 81 EC id}. */
    public void subRsp(int imm) {
        sub(Register.RSP, imm);
    }

    /** {@code add rsp, imm}: {@code 48 83 C4 ib} or {@code 48 81 C4 id}. */
    public void addRsp(int imm) {
        add(Register.RSP, imm);
    }

    // ------------------------------------------------------------------------------------------
    // Moves

    /** {@code mov dst, src} (64-bit): {@code REX.W 89 /r} (ModRM.reg = src, ModRM.rm = dst). */
    public void mov(Register dst, Register src) {
        rr(true, src, dst, 0x89);
    }

    /** {@code mov dst32, src32} (zero-extends into dst): {@code [REX] 89 /r}. */
    public void mov32(Register dst, Register src) {
        rr(false, src, dst, 0x89);
    }

    /** {@code mov r64, imm64} ("movabs"): {@code REX.W B8+r iq} — always the 10-byte form. */
    public void movImm64(Register dst, long imm) {
        rex(true, 0, 0, dst.high(), false);
        emitByte(0xB8 + dst.low3());
        emitLong(imm);
    }

    /** {@code mov r32, imm32} (zero-extends into the 64-bit register): {@code [41] B8+r id}. */
    public void movImm32(Register dst, int imm) {
        rex(false, 0, 0, dst.high(), false);
        emitByte(0xB8 + dst.low3());
        emitInt(imm);
    }

    /** {@code mov r64, qword ptr [base+disp]}: {@code REX.W 8B /r}. */
    public void load(Register dst, Register base, int disp) {
        rm(true, dst, base, disp, 0x8B);
    }

    /** {@code mov qword ptr [base+disp], r64}: {@code REX.W 89 /r}. */
    public void store(Register base, int disp, Register src) {
        rm(true, src, base, disp, 0x89);
    }

    /** {@code mov r32, dword ptr [base+disp]} (zero-extends to 64 bits): {@code [REX] 8B /r}. */
    public void load32(Register dst, Register base, int disp) {
        rm(false, dst, base, disp, 0x8B);
    }

    /** {@code movsxd r64, dword ptr [base+disp]} (sign-extends to 64 bits): {@code REX.W 63 /r}. */
    public void load32SignExtend(Register dst, Register base, int disp) {
        rm(true, dst, base, disp, 0x63);
    }

    /** {@code mov dword ptr [base+disp], r32}: {@code [REX] 89 /r}. */
    public void store32(Register base, int disp, Register src) {
        rm(false, src, base, disp, 0x89);
    }

    /** {@code mov r64, qword ptr [rip+symbol]}: {@code REX.W 8B /r} with mod=00 rm=101, REL32 on disp32. */
    public void loadRipRelative(Register dst, String symbol) {
        rex(true, dst.high(), 0, 0, false);
        emitByte(0x8B);
        modrmRip(dst.low3(), symbol);
    }

    /**
     * {@code lea r64, [rip+symbol+addend]}: {@code REX.W 8D /r} mod=00 rm=101, REL32 with {@code addend} on disp32
     * (the field ends the instruction, so the addend is exactly the offset from the symbol).
     */
    public void leaRipRelative(Register dst, String symbol, long addend) {
        rex(true, dst.high(), 0, 0, false);
        emitByte(0x8D);
        emitByte((dst.low3() << 3) | 5);
        rel32Symbol(symbol, addend);
    }

    /** {@code lea r64, [base+disp]}: {@code REX.W 8D /r}. */
    public void lea(Register dst, Register base, int disp) {
        rm(true, dst, base, disp, 0x8D);
    }

    /** {@code lea r64, [rip+symbol]}: {@code REX.W 8D /r} mod=00 rm=101 (e.g. 48 8D 05 d32), REL32 on disp32. */
    public void leaRipRelative(Register dst, String symbol) {
        rex(true, dst.high(), 0, 0, false);
        emitByte(0x8D);
        modrmRip(dst.low3(), symbol);
    }

    /** {@code movzx r32, r8} (zero-extends the low byte of src into all 64 bits of dst): {@code [REX] 0F B6 /r}.
     *  A plain REX (0x40) is emitted when src is SPL/BPL/SIL/DIL so that it is not read as AH/CH/DH/BH. */
    public void movzxByte(Register dst, Register src) {
        boolean force = src.encoding() >= 4 && src.encoding() <= 7;
        rex(false, dst.high(), 0, src.high(), force);
        emitByte(0x0F);
        emitByte(0xB6);
        modrmReg(dst.low3(), src);
    }

    // ------------------------------------------------------------------------------------------
    // Arithmetic

    private void alu(int opRmReg, Register dst, Register src) {
        rr(true, src, dst, opRmReg);
    }

    /** Group-1 ALU with immediate: {@code REX.W 83 /ext ib} if imm fits in a signed byte, else {@code REX.W 81 /ext id}. */
    private void aluImm(int ext, Register dst, int imm) {
        rex(true, 0, 0, dst.high(), false);
        if (imm >= -128 && imm <= 127) {
            emitByte(0x83);
            modrmReg(ext, dst);
            emitByte(imm);
        } else {
            emitByte(0x81);
            modrmReg(ext, dst);
            emitInt(imm);
        }
    }

    /** {@code add dst, src}: {@code REX.W 01 /r}. */
    public void add(Register dst, Register src) {
        alu(0x01, dst, src);
    }

    /** {@code or dst, src}: {@code REX.W 09 /r}. */
    public void or(Register dst, Register src) {
        alu(0x09, dst, src);
    }

    /** {@code and dst, src}: {@code REX.W 21 /r}. */
    public void and(Register dst, Register src) {
        alu(0x21, dst, src);
    }

    /** {@code sub dst, src}: {@code REX.W 29 /r}. */
    public void sub(Register dst, Register src) {
        alu(0x29, dst, src);
    }

    /** {@code xor dst, src}: {@code REX.W 31 /r}. */
    public void xor(Register dst, Register src) {
        alu(0x31, dst, src);
    }

    /** {@code xor dst32, src32} (e.g. {@code xor eax,eax} = 31 C0, zeroes the full register): {@code [REX] 31 /r}. */
    public void xor32(Register dst, Register src) {
        rr(false, src, dst, 0x31);
    }

    /** {@code cmp a, b} (flags of a − b): {@code REX.W 39 /r} (ModRM.reg = b, ModRM.rm = a). */
    public void cmp(Register a, Register b) {
        alu(0x39, a, b);
    }

    /** {@code add r64, imm32}: {@code REX.W 83 /0 ib} or {@code REX.W 81 /0 id}. */
    public void add(Register dst, int imm) {
        aluImm(0, dst, imm);
    }

    /** {@code or r64, imm32}: {@code REX.W 83 /1 ib} or {@code REX.W 81 /1 id}. */
    public void or(Register dst, int imm) {
        aluImm(1, dst, imm);
    }

    /** {@code and r64, imm32}: {@code REX.W 83 /4 ib} or {@code REX.W 81 /4 id}. */
    public void and(Register dst, int imm) {
        aluImm(4, dst, imm);
    }

    /** {@code sub r64, imm32}: {@code REX.W 83 /5 ib} or {@code REX.W 81 /5 id}. */
    public void sub(Register dst, int imm) {
        aluImm(5, dst, imm);
    }

    /** {@code xor r64, imm32}: {@code REX.W 83 /6 ib} or {@code REX.W 81 /6 id}. */
    public void xor(Register dst, int imm) {
        aluImm(6, dst, imm);
    }

    /** {@code cmp r64, imm32}: {@code REX.W 83 /7 ib} or {@code REX.W 81 /7 id}. */
    public void cmp(Register a, int imm) {
        aluImm(7, a, imm);
    }

    /** {@code imul dst, src} (64-bit, low half): {@code REX.W 0F AF /r} (ModRM.reg = dst, ModRM.rm = src). */
    public void imul(Register dst, Register src) {
        rr(true, dst, src, 0x0F, 0xAF);
    }

    /** {@code cqo} (sign-extends RAX into RDX:RAX): {@code 48 99}. */
    public void cqo() {
        emitByte(0x48);
        emitByte(0x99);
    }

    /** {@code idiv r64} (RDX:RAX / r: quotient in RAX, remainder in RDX): {@code REX.W F7 /7}. */
    public void idiv(Register r) {
        rex(true, 0, 0, r.high(), false);
        emitByte(0xF7);
        modrmReg(7, r);
    }

    /** {@code cmp qword ptr [base+disp], imm8} (sign-extended): {@code REX.W 83 /7 ib}. */
    public void cmpImm8(Register base, int disp, int imm) {
        if (imm < -128 || imm > 127) {
            throw new IllegalArgumentException("imm8 out of range: " + imm);
        }
        rm(true, Register.RDI /* /7 */, base, disp, 0x83);
        emitByte(imm);
    }

    /** {@code mov qword ptr [base+disp], imm32} (sign-extended): {@code REX.W C7 /0 id}. */
    public void storeImm32(Register base, int disp, int imm) {
        rm(true, Register.RAX /* /0 */, base, disp, 0xC7);
        emitInt(imm);
    }

    /** {@code mov dword ptr [base+disp], imm32}: {@code [REX] C7 /0 id}. */
    public void store32Imm32(Register base, int disp, int imm) {
        rm(false, Register.RAX /* /0 */, base, disp, 0xC7);
        emitInt(imm);
    }

    /** {@code neg r64}: {@code REX.W F7 /3}. */
    public void neg(Register r) {
        rex(true, 0, 0, r.high(), false);
        emitByte(0xF7);
        modrmReg(3, r);
    }

    /** {@code not r64}: {@code REX.W F7 /2}. */
    public void not(Register r) {
        rex(true, 0, 0, r.high(), false);
        emitByte(0xF7);
        modrmReg(2, r);
    }

    /** {@code test a, b} (flags of a &amp; b): {@code REX.W 85 /r} (ModRM.reg = b, ModRM.rm = a). */
    public void test(Register a, Register b) {
        rr(true, b, a, 0x85);
    }

    /** {@code setcc r8}: {@code [REX] 0F 90+cc /0}; a plain REX (0x40) selects SPL/BPL/SIL/DIL. */
    public void setcc(Condition cc, Register r) {
        boolean force = r.encoding() >= 4 && r.encoding() <= 7;
        rex(false, 0, 0, r.high(), force);
        emitByte(0x0F);
        emitByte(0x90 + cc.code());
        modrmReg(0, r);
    }

    /**
     * Materialises a comparison result as 0/1: {@code cmp a, b; setcc dst8; movzx dst32, dst8}
     * (the movzx clears bits 8–63 of dst).
     */
    public void compareAndSet(Condition cc, Register dst, Register a, Register b) {
        cmp(a, b);
        setcc(cc, dst);
        movzxByte(dst, dst);
    }

    // ------------------------------------------------------------------------------------------
    // Control flow

    /** {@code jmp label}: {@code E9 cd} (always rel32, patched at {@link #finish()}). */
    public void jmp(Label target) {
        checkLabel(target);
        emitByte(0xE9);
        labelField(target);
    }

    /** {@code jcc label}: {@code 0F 80+cc cd} (always rel32). */
    public void jcc(Condition cc, Label target) {
        checkLabel(target);
        emitByte(0x0F);
        emitByte(0x80 + cc.code());
        labelField(target);
    }

    private void labelField(Label target) {
        fixups.add(new LabelFixup(size, target));
        emitInt(0);
    }

    /** {@code call symbol} (direct, e.g. to another method body): {@code E8 cd}, REL32 relocation on cd. */
    public void call(String symbol) {
        emitByte(0xE8);
        rel32Symbol(symbol);
    }

    /** {@code jmp symbol} (direct tail jump): {@code E9 cd}, REL32 relocation on cd. */
    public void jmp(String symbol) {
        emitByte(0xE9);
        rel32Symbol(symbol);
    }

    /** {@code jmp symbol+addend} (e.g. into another fragment of the same method): {@code E9 cd}, REL32 with addend. */
    public void jmp(String symbol, long addend) {
        emitByte(0xE9);
        rel32Symbol(symbol, addend);
    }

    /** {@code jcc symbol+addend}: {@code 0F 80+cc cd}, REL32 with {@code addend} on cd. */
    public void jcc(Condition cc, String symbol, long addend) {
        emitByte(0x0F);
        emitByte(0x80 + cc.code());
        rel32Symbol(symbol, addend);
    }

    /**
     * {@code call qword ptr [rip+symbol]}: {@code FF 15 disp32}, REL32 relocation on disp32 — the
     * 6-byte call-through-import-cell form the delay-load helper relies on (r2r-format.md §6.3: the
     * int32 just before the return address is the displacement to the cell).
     */
    public void callIndirectRip(String symbol) {
        emitByte(0xFF);
        modrmRip(2, symbol);
    }

    /** {@code jmp qword ptr [rip+symbol]}: {@code FF 25 disp32}, REL32 relocation on disp32. */
    public void jmpIndirectRip(String symbol) {
        emitByte(0xFF);
        modrmRip(4, symbol);
    }

    /** {@code call r64}: {@code [41] FF /2} (mod=11). */
    public void call(Register target) {
        rex(false, 0, 0, target.high(), false);
        emitByte(0xFF);
        modrmReg(2, target);
    }

    /** {@code jmp r64}: {@code [41] FF /4} (mod=11). */
    public void jmp(Register target) {
        rex(false, 0, 0, target.high(), false);
        emitByte(0xFF);
        modrmReg(4, target);
    }

    /** {@code call qword ptr [base+disp]}: {@code [41] FF /2}. */
    public void callIndirect(Register base, int disp) {
        rm(false, Register.RDX /* /2 */, base, disp, 0xFF);
    }

    /** {@code jmp qword ptr [base+disp]}: {@code [41] FF /4}; {@code jmp qword ptr [rax]} = FF 20. */
    public void jmpIndirect(Register base, int disp) {
        rm(false, Register.RSP /* /4 */, base, disp, 0xFF);
    }

    /** {@code ret}: {@code C3}. */
    public void ret() {
        emitByte(0xC3);
    }

    /** {@code int3}: {@code CC}. */
    public void int3() {
        emitByte(0xCC);
    }

    /** {@code nop}: {@code 90}. */
    public void nop() {
        emitByte(0x90);
    }

    private static void checkImm8(int imm) {
        if (imm < -128 || imm > 127) {
            throw new IllegalArgumentException("imm8 out of range: " + imm);
        }
    }
}
