package r2rlab.emitter.x64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

/** The forms added for the back end: branches/lea to symbol+addend, cqo, idiv, immediate stores. */
class X64AssemblerExtensionsTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static X64Assembler asm(Consumer<X64Assembler> emit) {
        X64Assembler a = new X64Assembler();
        emit.accept(a);
        a.finish();
        return a;
    }

    @Test
    void symbolBranchesWithAddend() {
        X64Assembler a = asm(x -> {
            x.nop();
            x.jcc(Condition.NE, "cold", 0x40);
            x.jmp("hot", 7);
            x.jcc(Condition.L, "other", 0);
        });
        assertArrayEquals(hex("90 0F85 00000000 E9 00000000 0F8C 00000000"), a.code());
        assertEquals(List.of(
                new Relocation(3, RelocType.IMAGE_REL_BASED_REL32, "cold", 0x40),
                new Relocation(8, RelocType.IMAGE_REL_BASED_REL32, "hot", 7),
                new Relocation(14, RelocType.IMAGE_REL_BASED_REL32, "other", 0)), a.relocations());
    }

    @Test
    void leaWithAddend() {
        X64Assembler a = asm(x -> x.leaRipRelative(Register.RCX, "ri", 32));
        assertArrayEquals(hex("48 8D 0D 00000000"), a.code());
        assertEquals(List.of(new Relocation(3, RelocType.IMAGE_REL_BASED_REL32, "ri", 32)), a.relocations());
        X64Assembler b = asm(x -> x.leaRipRelative(Register.R9, "ri", 16));
        assertArrayEquals(hex("4C 8D 0D 00000000"), b.code());
    }

    @Test
    void arithmeticAndImmediateStores() throws Exception {
        assertArrayEquals(hex("48 99"), asm(X64Assembler::cqo).code());
        assertArrayEquals(hex("48 F7 F9"), asm(x -> x.idiv(Register.RCX)).code());
        assertArrayEquals(hex("49 F7 FB"), asm(x -> x.idiv(Register.R11)).code());
        assertArrayEquals(hex("48 C7 45 F8 2A000000"), asm(x -> x.storeImm32(Register.RBP, -8, 42)).code());
        assertArrayEquals(hex("48 C7 04 24 FFFFFFFF"), asm(x -> x.storeImm32(Register.RSP, 0, -1)).code());
        assertArrayEquals(hex("C7 40 1C 05000000"), asm(x -> x.store32Imm32(Register.RAX, 28, 5)).code());
        assertArrayEquals(hex("41 C7 45 00 80000000"), asm(x -> x.store32Imm32(Register.R13, 0, 128)).code());
        byte[] all = asm(x -> {
            x.cqo();
            x.idiv(Register.RCX);
            x.idiv(Register.R11);
            x.storeImm32(Register.RBP, -8, 42);
            x.storeImm32(Register.RSP, 0, -1);
            x.store32Imm32(Register.RAX, 28, 5);
            x.store32Imm32(Register.R13, 0, 128);
            x.storeImm32(Register.RBP, -0x200, 0x12345678);
        }).code();
        assertEquals(List.of("cqo", "idiv rcx", "idiv r11", "mov qword ptr [rbp - 8], 42", "mov qword ptr [rsp], -1",
                "mov dword ptr [rax + 28], 5", "mov dword ptr [r13], 128", "mov qword ptr [rbp - 512], 305419896"),
                LlvmMc.disassemble(all));
    }
}
