package r2rlab.emu.unicorn;

import static org.junit.jupiter.api.Assertions.*;
import static r2rlab.emu.unicorn.Snippets.CODE;
import static r2rlab.emu.unicorn.UnicornConst.*;

import org.junit.jupiter.api.Test;

class FaultLocatorTest {

    /** mov rax,5; add rcx,1; mov rbx,0xdead0000; mov rax,[rbx] (at +0x15); add rax,1: one block. */
    static final byte[] X86 = {
        0x48, (byte) 0xc7, (byte) 0xc0, 0x05, 0, 0, 0,
        0x48, (byte) 0x83, (byte) 0xc1, 0x01,
        0x48, (byte) 0xbb, 0x00, 0x00, (byte) 0xad, (byte) 0xde, 0, 0, 0, 0,
        0x48, (byte) 0x8b, 0x03,
        0x48, (byte) 0x83, (byte) 0xc0, 0x01,
    };

    @Test
    void x86ExactFaultPcInMiddleOfBlock() {
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, X86);
            uc.regWrite(UC_X86_REG_RCX, 100);
            // plain run: Unicorn reports the block start, not the instruction
            try (Unicorn.Context entry = uc.saveContext()) {
                UcException plain = assertThrows(UcException.class, () -> uc.emuStart(CODE, CODE + X86.length));
                assertEquals(-1, plain.faultPc());
                assertEquals(CODE, plain.pc(), "Unicorn 2.0.1 reports the translation block start");
                uc.restoreContext(entry);
            }
            UcException e = assertThrows(UcException.class,
                    () -> FaultLocator.run(uc, CODE, CODE + X86.length, 0, 0));
            assertEquals(UC_ERR_READ_UNMAPPED, e.error());
            assertEquals(CODE + 0x15, e.faultPc());
            assertTrue(e.getMessage().contains("fault pc=0x100015"), e.getMessage());
            assertEquals(101, uc.regRead(UC_X86_REG_RCX), "re-run starts from the saved entry registers");
            assertEquals(0, uc.hookCount(), "locator hook removed");
        }
    }

    @Test
    void arm64ExactFaultPcInMiddleOfBlock() {
        // movz x0,#5; add x3,x3,#1; movz x2,#0xdead,lsl #16; ldr x1,[x2] (at +0xc); add x0,x0,#1
        try (Unicorn uc = Unicorn.arm64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.writeWords(CODE, 0xd28000a0, 0x91000463, 0xd2bbd5a2, 0xf9400041, 0x91000400);
            UcException e = assertThrows(UcException.class, () -> FaultLocator.run(uc, CODE, CODE + 20, 0, 0));
            assertEquals(UC_ERR_READ_UNMAPPED, e.error());
            assertEquals(CODE + 0xc, e.faultPc());
            assertEquals(1, uc.regRead(UC_ARM64_REG_X3));
        }
    }

    @Test
    void successfulRunIsUntouched() {
        try (Unicorn uc = Snippets.x86(Snippets.STUB)) {
            FaultLocator.run(uc, CODE, Snippets.X86_CALL_END, 0, 0);
            assertEquals(36, uc.regRead(UC_X86_REG_RAX));
        }
    }
}
