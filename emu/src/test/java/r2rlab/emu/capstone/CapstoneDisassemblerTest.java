package r2rlab.emu.capstone;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CapstoneDisassemblerTest {

    static final byte[] X86 = {
        0x48, (byte) 0xc7, (byte) 0xc0, 0x05, 0x00, 0x00, 0x00,
        (byte) 0xff, 0x15, (byte) 0xf3, 0x0f, 0x00, 0x00,
        0x48, (byte) 0x83, (byte) 0xc0, 0x01,
    };

    static final byte[] A64 = le(0xd28000a0, 0xb000000b, 0x9100416b, 0xf9400170, 0xd63f0200, 0x91000400);

    static byte[] le(int... words) {
        byte[] b = new byte[words.length * 4];
        for (int i = 0; i < words.length; i++) {
            for (int k = 0; k < 4; k++) {
                b[4 * i + k] = (byte) (words[i] >>> (8 * k));
            }
        }
        return b;
    }

    @Test
    void x86Snippet() {
        try (CapstoneDisassembler d = CapstoneDisassembler.x86_64()) {
            assertEquals(0x400, d.version());
            List<CapstoneDisassembler.Instruction> insns = d.disassemble(X86, 0x100000);
            assertEquals(List.of("0x100000: mov rax, 5", "0x100007: call qword ptr [rip + 0xff3]",
                    "0x10000d: add rax, 1"), insns.stream().map(Object::toString).collect(Collectors.toList()));
            assertEquals(6, insns.get(1).size());
            assertEquals("call", insns.get(1).mnemonic());
            assertEquals(List.of("qword ptr [rip + 0xff3]"), insns.get(1).operands());
        }
    }

    @Test
    void arm64Snippet() {
        try (CapstoneDisassembler d = CapstoneDisassembler.arm64()) {
            List<CapstoneDisassembler.Instruction> insns = d.disassemble(A64, 0x100000);
            assertEquals(List.of("movz x0, #0x5", "adrp x11, #0x101000", "add x11, x11, #0x10", "ldr x16, [x11]",
                    "blr x16", "add x0, x0, #1"),
                    insns.stream().map(CapstoneDisassembler.Instruction::text).collect(Collectors.toList()));
            assertEquals(0x100010, insns.get(4).address());
            assertEquals(4, insns.get(4).size());
            assertEquals(List.of("x16", "[x11]"), insns.get(3).operands());
            assertEquals(List.of("x11", "#0x101000"), insns.get(1).operands());
            assertEquals(2, d.disassemble(A64, 0x100000, 2).size());
        }
    }

    @Test
    void operandSplitting() {
        assertEquals(List.of("x0", "[x1, #8]"), CapstoneDisassembler.operands("x0, [x1, #8]"));
        assertEquals(List.of(), CapstoneDisassembler.operands(""));
    }
}
