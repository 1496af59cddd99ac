package r2rlab.emitter.x64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static r2rlab.emitter.x64.Register.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

/** Hard-coded byte strings for the key forms, labels and relocations. */
class X64AssemblerTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] asm(Consumer<X64Assembler> emit) {
        X64Assembler a = new X64Assembler();
        emit.accept(a);
        return a.code();
    }

    private static int rel32At(byte[] code, int at) {
        return (code[at] & 0xFF) | (code[at + 1] & 0xFF) << 8 | (code[at + 2] & 0xFF) << 16 | code[at + 3] << 24;
    }

    @Test
    void keyFormsHaveKnownBytes() {
        assertArrayEquals(hex("FF 15 00000000"), asm(a -> a.callIndirectRip("cell")));
        assertArrayEquals(hex("FF 25 00000000"), asm(a -> a.jmpIndirectRip("cell")));
        assertArrayEquals(hex("48 8D 05 00000000"), asm(a -> a.leaRipRelative(RAX, "sym")));
        assertArrayEquals(hex("4C 8D 25 00000000"), asm(a -> a.leaRipRelative(R12, "sym")));
        assertArrayEquals(hex("48 8B 0D 00000000"), asm(a -> a.loadRipRelative(RCX, "sym")));
        assertArrayEquals(hex("FF 35 00000000"), asm(a -> a.pushRipRelative("sym")));
        assertArrayEquals(hex("E8 00000000"), asm(a -> a.call("sym")));
        assertArrayEquals(hex("FF 20"), asm(a -> a.jmpIndirect(RAX, 0)));
        assertArrayEquals(hex("41 FF 23"), asm(a -> a.jmpIndirect(R11, 0)));
        assertArrayEquals(hex("FF D0"), asm(a -> a.call(RAX)));
        assertArrayEquals(hex("C3"), asm(X64Assembler::ret));
        assertArrayEquals(hex("CC"), asm(X64Assembler::int3));
        assertArrayEquals(hex("90"), asm(X64Assembler::nop));
        assertArrayEquals(hex("55"), asm(a -> a.push(RBP)));
        assertArrayEquals(hex("41 54"), asm(a -> a.push(R12)));
        assertArrayEquals(hex("41 5F"), asm(a -> a.pop(R15)));
        assertArrayEquals(hex("48 89 C8"), asm(a -> a.mov(RAX, RCX)));
        assertArrayEquals(hex("4D 89 C8"), asm(a -> a.mov(R8, R9)));
        assertArrayEquals(hex("48 B8 8877665544332211"), asm(a -> a.movImm64(RAX, 0x1122334455667788L)));
        assertArrayEquals(hex("41 B8 78563412"), asm(a -> a.movImm32(R8, 0x12345678)));
        // SIB for RSP/R12 bases, forced disp8 for RBP/R13, disp32 beyond a byte
        assertArrayEquals(hex("48 8B 44 24 08"), asm(a -> a.load(RAX, RSP, 8)));
        assertArrayEquals(hex("48 8B 04 24"), asm(a -> a.load(RAX, RSP, 0)));
        assertArrayEquals(hex("49 8B 04 24"), asm(a -> a.load(RAX, R12, 0)));
        assertArrayEquals(hex("48 8B 45 00"), asm(a -> a.load(RAX, RBP, 0)));
        assertArrayEquals(hex("49 8B 45 00"), asm(a -> a.load(RAX, R13, 0)));
        assertArrayEquals(hex("48 89 8C 24 00010000"), asm(a -> a.store(RSP, 0x100, RCX)));
        assertArrayEquals(hex("89 4D F0"), asm(a -> a.store32(RBP, -16, RCX)));
        assertArrayEquals(hex("48 63 45 10"), asm(a -> a.load32SignExtend(RAX, RBP, 16)));
        assertArrayEquals(hex("48 8D 6C 24 20"), asm(a -> a.lea(RBP, RSP, 0x20)));
        assertArrayEquals(hex("48 83 EC 28"), asm(a -> a.subRsp(0x28)));
        assertArrayEquals(hex("48 81 EC 00100000"), asm(a -> a.subRsp(0x1000)));
        assertArrayEquals(hex("48 83 C4 28"), asm(a -> a.addRsp(0x28)));
        assertArrayEquals(hex("48 0F AF C1"), asm(a -> a.imul(RAX, RCX)));
        assertArrayEquals(hex("48 F7 D8"), asm(a -> a.neg(RAX)));
        assertArrayEquals(hex("48 85 C0"), asm(a -> a.test(RAX, RAX)));
        assertArrayEquals(hex("31 C0"), asm(a -> a.xor32(RAX, RAX)));
        // SPL..DIL need a bare REX; without it 0F 95 C6 would be "setne dh"
        assertArrayEquals(hex("40 0F 95 C6"), asm(a -> a.setcc(Condition.NE, RSI)));
        assertArrayEquals(hex("0F 94 C0"), asm(a -> a.setcc(Condition.E, RAX)));
        assertArrayEquals(hex("41 0F 9C C0"), asm(a -> a.setcc(Condition.L, R8)));
        assertArrayEquals(hex("40 0F B6 C6"), asm(a -> a.movzxByte(RAX, RSI)));
        assertArrayEquals(hex("45 0F B6 C9"), asm(a -> a.movzxByte(R9, R9)));
        // cmp rcx, rdx; setl al; movzx eax, al
        assertArrayEquals(hex("48 39 D1 0F 9C C0 0F B6 C0"), asm(a -> a.compareAndSet(Condition.L, RAX, RCX, RDX)));
    }

    @Test
    void delayLoadHelperThunkShape() {
        // r2r-format.md §6.2: xor eax,eax; push imm8 section; push [rip->Module]; jmp [rip->helper]
        X64Assembler a = new X64Assembler();
        a.xor32(RAX, RAX);
        a.pushImm8(3);
        a.pushRipRelative("module");
        a.jmpIndirectRip("helper");
        assertArrayEquals(hex("31 C0 6A 03 FF 35 00000000 FF 25 00000000"), a.code());
        assertEquals(List.of(
                new Relocation(6, RelocType.IMAGE_REL_BASED_REL32, "module", 0),
                new Relocation(12, RelocType.IMAGE_REL_BASED_REL32, "helper", 0)), a.relocations());
    }

    @Test
    void relocationsPointAtTheDisp32EndingTheInstruction() {
        X64Assembler a = new X64Assembler();
        List<Integer> ends = new ArrayList<>();
        a.push(RBP);
        a.subRsp(0x20);
        a.leaRipRelative(R9, "a");
        ends.add(a.offset());
        a.loadRipRelative(RAX, "b");
        ends.add(a.offset());
        a.callIndirectRip("c");
        ends.add(a.offset());
        a.call("d");
        ends.add(a.offset());
        a.pushRipRelative("e");
        ends.add(a.offset());
        a.jmp("f");
        ends.add(a.offset());
        a.jmpIndirectRip("g");
        ends.add(a.offset());
        byte[] code = a.code();
        List<Relocation> relocs = a.relocations();
        assertEquals(List.of("a", "b", "c", "d", "e", "f", "g"), relocs.stream().map(Relocation::symbol).toList());
        for (int i = 0; i < relocs.size(); i++) {
            Relocation r = relocs.get(i);
            assertEquals(RelocType.IMAGE_REL_BASED_REL32, r.type());
            assertEquals(0L, r.addend());
            assertEquals(ends.get(i), r.offset() + 4, "reloc " + r.symbol() + " field must end its instruction");
            assertEquals(0, rel32At(code, r.offset()), "field left zero");
        }
        // exact offsets: push(1) + sub(4) = 5; lea r9 = 4C 8D 0D at 5 -> field 8; mov = 48 8B 05 at 12 -> 15;
        // FF 15 at 19 -> 21; E8 at 25 -> 26; FF 35 at 30 -> 32; E9 at 36 -> 37; FF 25 at 41 -> 43
        assertEquals(List.of(8, 15, 21, 26, 32, 37, 43), relocs.stream().map(Relocation::offset).toList());
        assertEquals(47, code.length);
    }

    @Test
    void forwardAndBackwardBranchesLandOnTheirLabels() throws Exception {
        X64Assembler a = new X64Assembler();
        X64Assembler.Label loop = a.newLabel();
        X64Assembler.Label done = a.newLabel();
        X64Assembler.Label unused = a.newLabel();
        a.xor32(RAX, RAX);              // 0: 31 C0
        a.bind(loop);                   // 2
        a.cmp(RAX, RCX);                // 2: 48 39 C8
        a.jcc(Condition.GE, done);      // 5: 0F 8D rel32 (field 7)
        a.add(RAX, 1);                  // 11: 48 83 C0 01
        a.jmp(loop);                    // 15: E9 rel32 (field 16)
        a.int3();                       // 20
        a.bind(done);                   // 21
        a.jcc(Condition.E, done);       // 21: 0F 84 rel32 (field 23), jump to itself
        a.ret();                        // 27
        byte[] code = a.code();
        assertEquals(2, loop.position());
        assertEquals(21, done.position());
        assertEquals(21, 11 + rel32At(code, 7)); // forward: 21 - 11 = 10
        assertEquals(10, rel32At(code, 7));
        assertEquals(2, 20 + rel32At(code, 16)); // backward: 2 - 20 = -18
        assertEquals(-18, rel32At(code, 16));
        assertEquals(-6, rel32At(code, 23));
        assertArrayEquals(hex("31 C0 48 39 C8 0F 8D 0A000000 48 83 C0 01 E9 EEFFFFFF CC 0F 84 FAFFFFFF C3"), code);
        assertEquals(List.of(), a.relocations());
        assertEquals(false, unused.isBound());
        // and llvm-mc agrees (it prints rel32 relative to the end of the branch)
        assertEquals(List.of("xor eax, eax", "cmp rax, rcx", "jge 10", "add rax, 1", "jmp -18", "int3",
                "je -6", "ret"), LlvmMc.disassemble(code));
    }

    @Test
    void manyBranchesToOneLabel() {
        X64Assembler a = new X64Assembler();
        X64Assembler.Label target = a.newLabel();
        List<Integer> fields = new ArrayList<>();
        for (Condition c : Condition.values()) {
            a.jcc(c, target);
            fields.add(a.offset() - 4);
        }
        a.nop();
        a.bind(target);
        a.jmp(target);
        fields.add(a.offset() - 4);
        byte[] code = a.code();
        for (int f : fields) {
            assertEquals(target.position(), f + 4 + rel32At(code, f));
        }
    }

    @Test
    void labelMisuseIsRejected() {
        X64Assembler a = new X64Assembler();
        X64Assembler.Label l = a.newLabel();
        a.jmp(l);
        assertThrows(IllegalStateException.class, a::finish);

        X64Assembler b = new X64Assembler();
        X64Assembler.Label m = b.newLabel();
        b.bind(m);
        assertThrows(IllegalStateException.class, () -> b.bind(m));
        assertThrows(IllegalArgumentException.class, () -> new X64Assembler().jmp(m));
        b.finish();
        assertThrows(IllegalStateException.class, b::nop);
        assertThrows(IllegalArgumentException.class, () -> new X64Assembler().pushImm8(128));
    }

    @Test
    void bufferGrows() {
        X64Assembler a = new X64Assembler();
        for (int i = 0; i < 10_000; i++) {
            a.movImm64(R15, i);
        }
        byte[] code = a.code();
        assertEquals(100_000, code.length);
        assertArrayEquals(hex("49 BF 0F27000000000000"), Arrays.copyOfRange(code, 99_990, 100_000));
    }
}
