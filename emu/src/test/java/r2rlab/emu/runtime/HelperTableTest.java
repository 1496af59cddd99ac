package r2rlab.emu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_ALL;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_READ;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_WRITE;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RAX;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.format.r2r.ReadyToRunHelper;

class HelperTableTest {
    static final long CODE = 0x100000;
    static final long STACK = 0x200000;
    static final long TRAPS = 0x180000;

    /** Maps code that does {@code mov rax, target; call rax} and a stack. */
    static Unicorn callingCode(long target) {
        Unicorn uc = Unicorn.x86_64();
        uc.memMap(CODE, 0x1000, UC_PROT_ALL);
        uc.memMap(STACK, 0x10000, UC_PROT_READ | UC_PROT_WRITE);
        uc.memWrite(CODE, ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0x48).put((byte) 0xb8).putLong(target) // mov rax, imm64
                .put((byte) 0xff).put((byte) 0xd0).array()); // call rax
        uc.regWrite(UC_X86_REG_RSP, STACK + 0xff00);
        return uc;
    }

    @Test
    void aProvidedHelperIsCalledThroughItsSlot() {
        try (Unicorn uc = callingCode(TRAPS); TrapPage traps = new TrapPage(uc, TRAPS)) {
            HelperTable helpers = new HelperTable(traps).provide(ReadyToRunHelper.GCPoll,
                    call -> call.engine().regWrite(UC_X86_REG_RAX, 42));
            assertTrue(helpers.provides(ReadyToRunHelper.GCPoll.id));
            assertEquals(TRAPS, helpers.address(ReadyToRunHelper.GCPoll.id));
            assertEquals(TRAPS, helpers.address(ReadyToRunHelper.GCPoll.id), "one slot per helper");
            assertEquals(List.of("GCPoll"), traps.names());
            uc.emuStart(CODE, CODE + 12);
            assertEquals(42, uc.regRead(UC_X86_REG_RAX));
            assertEquals(1, traps.hits(TRAPS));
        }
    }

    /** A Helper fixup of any id gets an address; calling one nobody provides ends the run naming it. */
    @Test
    void anUnknownHelperIsRejectedWhenCalled() {
        try (Unicorn uc = callingCode(TRAPS + TrapPage.SLOT_SIZE); TrapPage traps = new TrapPage(uc, TRAPS)) {
            HelperTable helpers = new HelperTable(traps).provide(ReadyToRunHelper.GCPoll, call -> { });
            helpers.address(ReadyToRunHelper.GCPoll.id);
            assertFalse(helpers.provides(ReadyToRunHelper.GSCookie.id));
            assertEquals(TRAPS + TrapPage.SLOT_SIZE, helpers.address(ReadyToRunHelper.GSCookie.id));
            UnsupportedHelperException e = assertThrows(UnsupportedHelperException.class, () -> uc.emuStart(CODE, CODE + 12));
            assertEquals(0x02, e.helperId());
            assertEquals("runtime helper GSCookie (0x2) is not provided by the emulated runtime", e.getMessage());
            assertEquals(TRAPS + TrapPage.SLOT_SIZE, uc.pc(), "the run stopped in the helper's slot");
        }
    }

    @Test
    void aHelperIsProvidedOnce() {
        try (Unicorn uc = Unicorn.x86_64(); TrapPage traps = new TrapPage(uc, TRAPS)) {
            HelperTable helpers = new HelperTable(traps).provide(ReadyToRunHelper.Throw, call -> { });
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> helpers.provide(ReadyToRunHelper.Throw, call -> { }));
            assertEquals("runtime helper Throw is provided twice", e.getMessage());
        }
    }
}
