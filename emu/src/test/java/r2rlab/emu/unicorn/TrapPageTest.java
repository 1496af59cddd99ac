package r2rlab.emu.unicorn;

import static org.junit.jupiter.api.Assertions.*;
import static r2rlab.emu.unicorn.Snippets.*;
import static r2rlab.emu.unicorn.UnicornConst.*;

import org.junit.jupiter.api.Test;

class TrapPageTest {

    @Test
    void x86HelperReturnsToCaller() {
        try (Unicorn uc = x86(0); TrapPage traps = new TrapPage(uc, TRAPS)) {
            long helper = traps.add("MulBy7", call -> {
                CpuEngine u = call.engine();
                u.regWrite(UC_X86_REG_RAX, u.regRead(UC_X86_REG_RAX) * 7);
            });
            assertEquals(TRAPS, helper);
            uc.writeLong(CELL_X86, helper);
            uc.emuStart(CODE, X86_CALL_END, 1_000_000, 0);
            assertEquals(1, traps.hits(helper));
            assertEquals(36, uc.regRead(UC_X86_REG_RAX));
            assertEquals(X86_CALL_END, uc.regRead(UC_X86_REG_RIP));
            assertEquals(STACK_TOP, uc.regRead(UC_X86_REG_RSP));
        }
    }

    @Test
    void arm64HelperReturnsToCaller() {
        try (Unicorn uc = arm64(0); TrapPage traps = new TrapPage(uc, TRAPS)) {
            traps.add("Unused", call -> fail("wrong slot"));
            long helper = traps.add("MulBy7", call -> {
                CpuEngine u = call.engine();
                assertEquals("MulBy7", call.name());
                u.regWrite(UC_ARM64_REG_X0, u.regRead(UC_ARM64_REG_X0) * 7);
            });
            assertEquals(TRAPS + TrapPage.SLOT_SIZE, helper);
            uc.writeLong(CELL_A64, helper);
            uc.emuStart(CODE, A64_CALL_END, 1_000_000, 0);
            assertEquals(1, traps.hits(helper));
            assertEquals(0, traps.hits(TRAPS));
            assertEquals(36, uc.regRead(UC_ARM64_REG_X0));
            assertEquals(A64_CALL_END, uc.regRead(UC_ARM64_REG_PC));
            assertEquals(A64_RET_ADDR, uc.regRead(UC_ARM64_REG_LR));
        }
    }

    @Test
    void tailJumpToRealCode() {
        // the helper "resolves" the call and tail-jumps to the stub, which returns to the original caller
        try (Unicorn uc = x86(0); TrapPage traps = new TrapPage(uc, TRAPS)) {
            long fixup = traps.add("DelayLoad", call -> {
                call.engine().writeLong(CELL_X86, STUB); // backpatch the cell
                call.jumpTo(STUB);
            });
            uc.writeLong(CELL_X86, fixup);
            uc.emuStart(CODE, X86_CALL_END);
            assertEquals(36, uc.regRead(UC_X86_REG_RAX));
            assertEquals(STACK_TOP, uc.regRead(UC_X86_REG_RSP));
            // second run goes through the patched cell directly
            uc.regWrite(UC_X86_REG_RSP, STACK_TOP);
            uc.emuStart(CODE, X86_CALL_END);
            assertEquals(36, uc.regRead(UC_X86_REG_RAX));
            assertEquals(1, traps.hits(fixup));
        }
        try (Unicorn uc = arm64(0); TrapPage traps = new TrapPage(uc, TRAPS)) {
            long fixup = traps.add("DelayLoad", call -> call.jumpTo(STUB));
            uc.writeLong(CELL_A64, fixup);
            uc.emuStart(CODE, A64_CALL_END);
            assertEquals(36, uc.regRead(UC_ARM64_REG_X0));
            assertEquals(1, traps.hits(fixup));
        }
    }

    @Test
    void stopAndUnregisteredSlotAndHandlerException() {
        try (Unicorn uc = x86(0); TrapPage traps = new TrapPage(uc, TRAPS)) {
            long stop = traps.add("Stop", TrapCall::stop);
            uc.writeLong(CELL_X86, stop);
            uc.emuStart(CODE, X86_CALL_END);
            assertEquals(stop, uc.pc());
            assertEquals(5, uc.regRead(UC_X86_REG_RAX));

            uc.writeLong(CELL_X86, TRAPS + 0x800);
            uc.regWrite(UC_X86_REG_RSP, STACK_TOP);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> uc.emuStart(CODE, X86_CALL_END));
            assertTrue(e.getMessage().contains("0x180800"), e.getMessage());

            long bad = traps.add("Bad", call -> {
                throw new ArithmeticException("helper failed");
            });
            uc.writeLong(CELL_X86, bad);
            uc.regWrite(UC_X86_REG_RSP, STACK_TOP);
            assertEquals("helper failed",
                    assertThrows(ArithmeticException.class, () -> uc.emuStart(CODE, X86_CALL_END)).getMessage());
            assertEquals(bad, uc.pc());
        }
    }

    @Test
    void closeRemovesHookAndPage() {
        try (Unicorn uc = x86(0)) {
            TrapPage traps = new TrapPage(uc, TRAPS);
            assertEquals(1, uc.hookCount());
            traps.close();
            assertEquals(0, uc.hookCount());
            assertThrows(UcException.class, () -> uc.memRead(TRAPS, 1));
        }
    }
}
