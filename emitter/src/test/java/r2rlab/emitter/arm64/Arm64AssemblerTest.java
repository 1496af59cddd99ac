package r2rlab.emitter.arm64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emitter.arm64.Register.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.arm64.Arm64Assembler.Label;
import r2rlab.emitter.arm64.Arm64Assembler.PairMode;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

class Arm64AssemblerTest {

    private record Case(Consumer<Arm64Assembler> action, String[] expected) {
    }

    private static Case c(Consumer<Arm64Assembler> action, String... expected) {
        return new Case(action, expected);
    }

    /** Every instruction form, each assembled alone, then disassembled together by llvm-mc-14. */
    @Test
    void everyFormMatchesLlvmDisassembly() {
        List<Case> cases = List.of(
                // moves
                c(a -> a.movz(X0, 0x1234, 0), "mov x0, #4660"),
                c(a -> a.movk(X1, 0x5678, 16), "movk x1, #22136, lsl #16"),
                c(a -> a.movk(X2, 0xFFFF, 48), "movk x2, #65535, lsl #48"),
                c(a -> a.movk(W3, 7, 16), "movk w3, #7, lsl #16"),
                c(a -> a.movz(W4, 1, 16), "mov w4, #65536"),
                c(a -> a.movn(X5, 0, 0), "mov x5, #-1"),
                c(a -> a.mov(X0, 0L), "mov x0, #0"),
                c(a -> a.mov(X0, 0x10000L), "mov x0, #65536"),
                c(a -> a.mov(X9, 0x123456789ABCDEF0L),
                        "mov x9, #57072", "movk x9, #39612, lsl #16", "movk x9, #22136, lsl #32", "movk x9, #4660, lsl #48"),
                c(a -> a.mov(X1, 0x0000_8000_0000_0001L), "mov x1, #1", "movk x1, #32768, lsl #32"),
                c(a -> a.mov(X2, -1L), "mov x2, #-1"),
                c(a -> a.mov(X3, -2L), "mov x3, #-2"),
                c(a -> a.mov(X4, 0xFFFF_FFFF_1234_FFFFL), "mov x4, #-3989504001"),
                c(a -> a.mov(X4, 0xFFFF_5555_1234_FFFFL), "mov x4, #-3989504001", "movk x4, #21845, lsl #32"),
                c(a -> a.mov(W6, 0xDEADBEEFL), "mov w6, #48879", "movk w6, #57005, lsl #16"),
                c(a -> a.mov(W6, 0xFFFFFFFEL), "mov w6, #-2"),
                c(a -> a.mov(X0, X1), "mov x0, x1"),
                c(a -> a.mov(W0, W30), "mov w0, w30"),
                c(a -> a.mov(X0, XZR), "mov x0, xzr"),
                c(a -> a.mov(FP, SP), "mov x29, sp"),
                c(a -> a.mov(SP, FP), "mov sp, x29"),
                // arithmetic
                c(a -> a.add(X0, X1, 16), "add x0, x1, #16"),
                c(a -> a.add(X0, X1, 4095, true), "add x0, x1, #4095, lsl #12"),
                c(a -> a.add(SP, SP, 32), "add sp, sp, #32"),
                c(a -> a.sub(SP, SP, 48), "sub sp, sp, #48"),
                c(a -> a.sub(SP, SP, 1, true), "sub sp, sp, #1, lsl #12"),
                c(a -> a.add(W2, W3, 1), "add w2, w3, #1"),
                c(a -> a.adds(X0, X1, 1, false), "adds x0, x1, #1"),
                c(a -> a.subs(X0, SP, 8, false), "subs x0, sp, #8"),
                c(a -> a.subs(W0, W1, 2, true), "subs w0, w1, #2, lsl #12"),
                c(a -> a.cmp(X3, 5), "cmp x3, #5"),
                c(a -> a.cmp(SP, 0), "cmp sp, #0"),
                c(a -> a.cmp(W3, 4095), "cmp w3, #4095"),
                c(a -> a.add(X0, X1, X2), "add x0, x1, x2"),
                c(a -> a.sub(X3, X4, X5), "sub x3, x4, x5"),
                c(a -> a.adds(W0, W1, W2), "adds w0, w1, w2"),
                c(a -> a.subs(X7, X8, X9), "subs x7, x8, x9"),
                c(a -> a.cmp(X1, X2), "cmp x1, x2"),
                c(a -> a.neg(X0, X1), "neg x0, x1"),
                c(a -> a.neg(W0, W1), "neg w0, w1"),
                c(a -> a.mul(X0, X1, X2), "mul x0, x1, x2"),
                c(a -> a.mul(W0, W1, W2), "mul w0, w1, w2"),
                c(a -> a.sdiv(X0, X1, X2), "sdiv x0, x1, x2"),
                c(a -> a.sdiv(W3, W4, W5), "sdiv w3, w4, w5"),
                c(a -> a.cset(X0, Condition.EQ), "cset x0, eq"),
                c(a -> a.cset(W1, Condition.LT), "cset w1, lt"),
                c(a -> a.cset(X2, Condition.HI), "cset x2, hi"),
                // loads/stores
                c(a -> a.ldr(X0, X1, 8), "ldr x0, [x1, #8]"),
                c(a -> a.ldr(X16, X11), "ldr x16, [x11]"),
                c(a -> a.ldr(X0, SP, 32760), "ldr x0, [sp, #32760]"),
                c(a -> a.str(X19, SP, 16), "str x19, [sp, #16]"),
                c(a -> a.str(XZR, SP, 8), "str xzr, [sp, #8]"),
                c(a -> a.ldr(W0, X1, 4), "ldr w0, [x1, #4]"),
                c(a -> a.str(W2, SP, 16380), "str w2, [sp, #16380]"),
                c(a -> a.ldr(X9, FP, X17), "ldr x9, [x29, x17]"),
                c(a -> a.str(XZR, FP, X17), "str xzr, [x29, x17]"),
                c(a -> a.ldr(WZR, SP, X9), "ldr wzr, [sp, x9]"),
                c(a -> a.str(W9, X0, X17), "str w9, [x0, x17]"),
                c(a -> a.ldur(X0, FP, -8), "ldur x0, [x29, #-8]"),
                c(a -> a.ldur(W0, X1, 255), "ldur w0, [x1, #255]"),
                c(a -> a.stur(X1, SP, -256), "stur x1, [sp, #-256]"),
                c(a -> a.stur(W1, X2, 3), "stur w1, [x2, #3]"),
                c(a -> a.stp(FP, LR, SP, -32, PairMode.PRE_INDEX), "stp x29, x30, [sp, #-32]!"),
                c(a -> a.stp(X19, X20, SP, 16, PairMode.SIGNED_OFFSET), "stp x19, x20, [sp, #16]"),
                c(a -> a.stp(X0, X1, X2, 504, PairMode.POST_INDEX), "stp x0, x1, [x2], #504"),
                c(a -> a.ldp(X19, X20, SP, 16, PairMode.SIGNED_OFFSET), "ldp x19, x20, [sp, #16]"),
                c(a -> a.ldp(FP, LR, SP, 32, PairMode.POST_INDEX), "ldp x29, x30, [sp], #32"),
                c(a -> a.ldp(X0, X1, SP, -512, PairMode.PRE_INDEX), "ldp x0, x1, [sp, #-512]!"),
                c(a -> a.stp(W0, W1, SP, -8, PairMode.PRE_INDEX), "stp w0, w1, [sp, #-8]!"),
                c(a -> a.ldp(W2, W3, X4, 252, PairMode.SIGNED_OFFSET), "ldp w2, w3, [x4, #252]"),
                c(a -> a.stp(XZR, XZR, SP, 0, PairMode.SIGNED_OFFSET), "stp xzr, xzr, [sp]"),
                // control flow
                c(a -> a.blr(X16), "blr x16"),
                c(a -> a.br(X16), "br x16"),
                c(Arm64Assembler::ret, "ret"),
                c(a -> a.ret(X1), "ret x1"),
                c(a -> a.brk(0), "brk #0"),
                c(a -> a.brk(0xF000), "brk #0xf000"),
                c(Arm64Assembler::nop, "nop"),
                c(a -> a.bl("callee"), "bl #0"),
                c(a -> a.b("callee"), "b #0"),
                // symbol references (immediates are left 0 for the resolver)
                c(a -> a.adrp(X11, "cell"), "adrp x11, #0"),
                c(a -> a.addLo12(X11, X11, "cell"), "add x11, x11, #0"),
                c(a -> a.ldrLo12(X16, X11, "cell"), "ldr x16, [x11]"),
                c(a -> a.ldrLo12(W1, X2, "cell"), "ldr w1, [x2]"),
                c(a -> a.callThroughCell("cell"), "adrp x11, #0", "add x11, x11, #0", "ldr x16, [x11]", "blr x16"),
                c(a -> a.tailJumpThroughCell("cell"), "adrp x11, #0", "add x11, x11, #0", "ldr x16, [x11]", "br x16"),
                // label branches, forward and backward
                c(a -> {
                    Label l = a.newLabel();
                    a.b(l);
                    a.nop();
                    a.bind(l);
                }, "b #8", "nop"),
                c(a -> {
                    Label l = a.newLabel();
                    a.bind(l);
                    a.nop();
                    a.bCond(Condition.NE, l);
                }, "nop", "b.ne #-4"),
                c(a -> {
                    Label l = a.newLabel();
                    a.cbz(X0, l);
                    a.nop();
                    a.nop();
                    a.bind(l);
                }, "cbz x0, #12", "nop", "nop"),
                c(a -> {
                    Label l = a.newLabel();
                    a.bind(l);
                    a.cbnz(W3, l);
                }, "cbnz w3, #0"),
                c(a -> {
                    Label l = a.newLabel();
                    a.bind(l);
                    a.nop();
                    a.nop();
                    a.bCond(Condition.GE, l);
                    a.b(l);
                }, "nop", "nop", "b.ge #-8", "b #-12"));

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        for (Case k : cases) {
            Arm64Assembler a = new Arm64Assembler();
            k.action.accept(a);
            byte[] code = a.finish().code();
            assertEquals(4 * k.expected.length, code.length, "size of " + String.join("; ", k.expected));
            all.writeBytes(code);
            expected.addAll(List.of(k.expected));
        }
        List<String> actual = LlvmMc.disassemble(all.toByteArray());
        assertEquals(expected.size(), actual.size(), () -> "line count; got " + actual);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "instruction " + i);
        }
    }

    @Test
    void knownWords() {
        Arm64Assembler a = new Arm64Assembler();
        a.ret();
        a.blr(X16);
        a.br(X16);
        a.ldr(X16, X11, 0);
        a.nop();
        a.stp(FP, LR, SP, -16, PairMode.PRE_INDEX);
        a.ldp(FP, LR, SP, 16, PairMode.POST_INDEX);
        a.mov(FP, SP);
        AssembledCode c = a.finish();
        assertEquals(0xD65F03C0, c.word(0));
        assertEquals(0xD63F0200, c.word(4));
        assertEquals(0xD61F0200, c.word(8));
        assertEquals(0xF9400170, c.word(12));
        assertEquals(0xD503201F, c.word(16));
        assertEquals(0xA9BF7BFD, c.word(20));
        assertEquals(0xA8C17BFD, c.word(24));
        assertEquals(0x910003FD, c.word(28));
        // little-endian byte order
        assertEquals((byte) 0xC0, c.code()[0]);
        assertEquals((byte) 0xD6, c.code()[3]);
    }

    @Test
    void callThroughCellWordsAndRelocations() {
        Arm64Assembler a = new Arm64Assembler();
        a.nop();
        a.callThroughCell("cellA");
        a.tailJumpThroughCell("cellB");
        AssembledCode c = a.finish();
        assertEquals(36, c.code().length);
        assertEquals(0x9000000B, c.word(4));  // adrp x11, #0
        assertEquals(0x9100016B, c.word(8));  // add x11, x11, #0
        assertEquals(0xF9400170, c.word(12)); // ldr x16, [x11]
        assertEquals(0xD63F0200, c.word(16)); // blr x16
        assertEquals(0x9000000B, c.word(20));
        assertEquals(0x9100016B, c.word(24));
        assertEquals(0xF9400170, c.word(28));
        assertEquals(0xD61F0200, c.word(32)); // br x16
        assertEquals(List.of(
                new Relocation(4, RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, "cellA", 0),
                new Relocation(8, RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, "cellA", 0),
                new Relocation(20, RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, "cellB", 0),
                new Relocation(24, RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, "cellB", 0)), c.relocations());
    }

    @Test
    void symbolRelocationsCarryOffsetsAndAddends() {
        Arm64Assembler a = new Arm64Assembler();
        a.bl("f");
        a.adrp(X0, "d", 24);
        a.addLo12(X0, X0, "d", 24);
        a.ldrLo12(X1, X0, "e", -8);
        a.bl("g", 12);
        assertEquals(List.of(
                new Relocation(0, RelocType.IMAGE_REL_BASED_ARM64_BRANCH26, "f", 0),
                new Relocation(4, RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, "d", 24),
                new Relocation(8, RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, "d", 24),
                new Relocation(12, RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L, "e", -8),
                new Relocation(16, RelocType.IMAGE_REL_BASED_ARM64_BRANCH26, "g", 12)), a.finish().relocations());
    }

    @Test
    void conditionalBranchRangeIsChecked() {
        // b.cond reaches [-1 MiB, +1 MiB - 4].
        Arm64Assembler ok = new Arm64Assembler();
        Label far = ok.newLabel();
        ok.bCond(Condition.EQ, far);
        for (int i = 0; i < (1 << 18) - 2; i++) ok.nop();
        ok.bind(far); // at +1 MiB - 4
        AssembledCode c = ok.finish();
        assertEquals(0x54000000 | 0x3FFFF << 5, c.word(0));

        Arm64Assembler bad = new Arm64Assembler();
        Label tooFar = bad.newLabel();
        bad.cbz(X0, tooFar);
        for (int i = 0; i < (1 << 18) - 1; i++) bad.nop();
        bad.bind(tooFar); // at +1 MiB
        IllegalStateException e = assertThrows(IllegalStateException.class, bad::finish);
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());

        Arm64Assembler back = new Arm64Assembler();
        Label start = back.newLabel();
        back.bind(start);
        for (int i = 0; i < (1 << 18); i++) back.nop();
        back.bCond(Condition.NE, start); // exactly -1 MiB: allowed
        AssembledCode bc = back.finish();
        assertEquals(0x54000001 | 0x40000 << 5, bc.word(1 << 20));

        Arm64Assembler back2 = new Arm64Assembler();
        Label start2 = back2.newLabel();
        back2.bind(start2);
        for (int i = 0; i < (1 << 18) + 1; i++) back2.nop();
        back2.cbnz(X1, start2); // -1 MiB - 4
        assertThrows(IllegalStateException.class, back2::finish);
    }

    @Test
    void labelMisuseIsRejected() {
        Arm64Assembler a = new Arm64Assembler();
        Label l = a.newLabel();
        a.b(l);
        assertThrows(IllegalStateException.class, a::finish, "unbound label");
        Arm64Assembler b = new Arm64Assembler();
        Label m = b.newLabel();
        b.bind(m);
        assertThrows(IllegalStateException.class, () -> b.bind(m), "double bind");
    }

    @Test
    void spAndZrAreNotInterchangeable() {
        Arm64Assembler a = new Arm64Assembler();
        assertThrows(IllegalArgumentException.class, () -> a.add(XZR, X1, 1), "add imm Rd=31 is SP");
        assertThrows(IllegalArgumentException.class, () -> a.add(X0, XZR, 1), "add imm Rn=31 is SP");
        assertThrows(IllegalArgumentException.class, () -> a.add(X0, X1, SP), "add reg Rm=31 is ZR");
        assertThrows(IllegalArgumentException.class, () -> a.add(SP, X1, X2), "add reg Rd=31 is ZR");
        assertThrows(IllegalArgumentException.class, () -> a.subs(SP, X1, 1, false), "subs imm Rd=31 is ZR");
        assertThrows(IllegalArgumentException.class, () -> a.mul(X0, SP, X1));
        assertThrows(IllegalArgumentException.class, () -> a.ldr(X0, XZR, 0), "base 31 is SP");
        assertThrows(IllegalArgumentException.class, () -> a.ldr(SP, X0, 0), "Rt 31 is ZR");
        assertThrows(IllegalArgumentException.class, () -> a.stp(SP, X1, X0, 0, PairMode.SIGNED_OFFSET));
        assertThrows(IllegalArgumentException.class, () -> a.movz(SP, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> a.blr(XZR));
        assertThrows(IllegalArgumentException.class, () -> a.cmp(SP, X1));
        assertEquals(0, a.offset(), "nothing emitted by rejected instructions");
    }

    @Test
    void badOperandsAreRejected() {
        Arm64Assembler a = new Arm64Assembler();
        assertThrows(IllegalArgumentException.class, () -> a.add(X0, X1, 4096));
        assertThrows(IllegalArgumentException.class, () -> a.add(X0, W1, 1), "mixed widths");
        assertThrows(IllegalArgumentException.class, () -> a.ldr(X0, X1, 4), "unscaled offset");
        assertThrows(IllegalArgumentException.class, () -> a.ldr(X0, X1, 32768));
        assertThrows(IllegalArgumentException.class, () -> a.ldr(X0, X1, -8));
        assertThrows(IllegalArgumentException.class, () -> a.ldr(X0, W1, 0), "32-bit base");
        assertThrows(IllegalArgumentException.class, () -> a.ldur(X0, X1, 256));
        assertThrows(IllegalArgumentException.class, () -> a.stp(X0, X1, SP, 512, PairMode.PRE_INDEX));
        assertThrows(IllegalArgumentException.class, () -> a.stp(X0, X1, SP, 4, PairMode.PRE_INDEX));
        assertThrows(IllegalArgumentException.class, () -> a.ldp(X0, X0, SP, 0, PairMode.SIGNED_OFFSET));
        assertThrows(IllegalArgumentException.class, () -> a.ldp(X0, X1, X0, 16, PairMode.POST_INDEX));
        assertThrows(IllegalArgumentException.class, () -> a.movz(X0, 0x10000, 0));
        assertThrows(IllegalArgumentException.class, () -> a.movz(W0, 1, 32));
        assertThrows(IllegalArgumentException.class, () -> a.movk(X0, 1, 8));
        assertThrows(IllegalArgumentException.class, () -> a.cset(X0, Condition.AL));
        assertThrows(IllegalArgumentException.class, () -> a.brk(0x10000));
        assertEquals(0, a.offset());
    }

    @Test
    void finishTwiceFails() {
        Arm64Assembler a = new Arm64Assembler();
        a.nop();
        a.finish();
        assertThrows(IllegalStateException.class, a::finish);
        assertThrows(IllegalStateException.class, a::nop);
    }

    @Test
    void bufferGrows() {
        Arm64Assembler a = new Arm64Assembler();
        for (int i = 0; i < 1000; i++) a.movz(X0, i, 0);
        AssembledCode c = a.finish();
        assertEquals(4000, c.code().length);
        assertEquals(0xD2800000 | 999 << 5, c.word(3996));
    }
}
