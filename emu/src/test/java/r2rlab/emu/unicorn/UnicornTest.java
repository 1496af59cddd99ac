package r2rlab.emu.unicorn;

import static org.junit.jupiter.api.Assertions.*;
import static r2rlab.emu.unicorn.Snippets.*;
import static r2rlab.emu.unicorn.UnicornConst.*;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnicornTest {

    @Test
    void versionIsUnicorn2() {
        int v = Unicorn.version();
        assertEquals(2, v >>> 24, () -> "uc_version=0x" + Integer.toHexString(v));
    }

    /** Each UC_ERR_* constant's value must give uc_strerror text naming that constant. */
    @Test
    void errorConstantsMatchLibrary() throws Exception {
        int checked = 0;
        for (Field f : UnicornConst.class.getFields()) {
            if (f.getName().equals("UC_ERR_HOOK_EXIST")) {
                // 2.0.1's uc_strerror has no case for it; its neighbours 18 and 20 pin the numbering
                assertEquals(19, f.getInt(null));
                assertEquals("Unknown error code", Unicorn.strerror(19));
                assertTrue(new UcException("uc_hook_add", 19).getMessage().contains("(UC_ERR_HOOK_EXIST)"));
                checked++;
            } else if (f.getName().startsWith("UC_ERR_") && Modifier.isStatic(f.getModifiers())) {
                int code = f.getInt(null);
                assertTrue(Unicorn.strerror(code).endsWith("(" + f.getName() + ")"),
                        f.getName() + "=" + code + " -> " + Unicorn.strerror(code));
                checked++;
            }
        }
        assertEquals(22, checked);
    }

    @Test
    void x86RflagsAndArm64NzcvIds() {
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, new byte[] {(byte) 0xf9}); // stc
            uc.emuStart(CODE, CODE + 1);
            assertEquals(1, uc.regRead(UC_X86_REG_RFLAGS) & 1, "CF via RFLAGS");
            assertEquals(uc.regRead(UC_X86_REG_EFLAGS), uc.regRead(UC_X86_REG_RFLAGS));
        }
        try (Unicorn uc = Unicorn.arm64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.writeWords(CODE, 0xeb00001f); // cmp x0, x0 -> Z and C
            uc.emuStart(CODE, CODE + 4);
            assertEquals(0x60000000L, uc.regRead(UC_ARM64_REG_NZCV));
        }
    }

    @Test
    void x86CallThroughCell() {
        try (Unicorn uc = x86(STUB)) {
            uc.emuStart(CODE, X86_CALL_END, 1_000_000, 0);
            assertEquals(36, uc.regRead(UC_X86_REG_RAX));
            assertEquals(STACK_TOP, uc.regRead(UC_X86_REG_RSP));
            assertEquals(X86_RET_ADDR, uc.readLong(STACK_TOP - 8));
            assertEquals(X86_CALL_END, uc.regRead(UC_X86_REG_RIP));
        }
    }

    @Test
    void arm64CallThroughCell() {
        try (Unicorn uc = arm64(STUB)) {
            uc.emuStart(CODE, A64_CALL_END, 1_000_000, 0);
            assertEquals(36, uc.regRead(UC_ARM64_REG_X0));
            assertEquals(CELL_A64, uc.regRead(UC_ARM64_REG_X11));
            assertEquals(STUB, uc.regRead(UC_ARM64_REG_X16));
            assertEquals(A64_RET_ADDR, uc.regRead(UC_ARM64_REG_LR));
            assertEquals(A64_CALL_END, uc.regRead(UC_ARM64_REG_PC));
            assertEquals(STACK_TOP, uc.regRead(UC_ARM64_REG_SP));
        }
    }

    @Test
    void emuStopFromHook() {
        try (Unicorn uc = x86(STUB)) {
            uc.hookCode(STUB, STUB, (u, address, size) -> u.emuStop());
            uc.emuStart(CODE, X86_CALL_END);
            assertEquals(STUB, uc.regRead(UC_X86_REG_RIP));
            assertEquals(5, uc.regRead(UC_X86_REG_RAX));
        }
        try (Unicorn uc = arm64(STUB)) {
            uc.hookCode(STUB, STUB, (u, address, size) -> u.emuStop());
            uc.emuStart(CODE, A64_CALL_END);
            assertEquals(STUB, uc.regRead(UC_ARM64_REG_PC));
            assertEquals(5, uc.regRead(UC_ARM64_REG_X0));
        }
    }

    @Test
    void unmappedReadX86() {
        // mov rbx, 0xdead0000; mov rax, qword ptr [rbx]
        byte[] code = {0x48, (byte) 0xbb, 0x00, 0x00, (byte) 0xad, (byte) 0xde, 0, 0, 0, 0, 0x48, (byte) 0x8b, 0x03};
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, code);
            List<long[]> events = new ArrayList<>();
            uc.hookMemInvalid((u, type, address, size, value) -> {
                events.add(new long[] {type, address, size});
                return false;
            });
            UcException e = assertThrows(UcException.class, () -> uc.emuStart(CODE, CODE + code.length));
            assertEquals(UC_ERR_READ_UNMAPPED, e.error());
            assertEquals("uc_emu_start", e.function());
            assertTrue(e.getMessage().startsWith("uc_emu_start: Invalid memory read (UC_ERR_READ_UNMAPPED)"),
                    e.getMessage());
            assertEquals(1, events.size());
            assertArrayEquals(new long[] {UC_MEM_READ_UNMAPPED, 0xdead0000L, 8}, events.get(0));
            assertEquals(0xdead0000L, e.access().address());
        }
    }

    @Test
    void unmappedReadArm64() {
        // movz x2, #0xdead, lsl #16; ldr x1, [x2]
        try (Unicorn uc = Unicorn.arm64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.writeWords(CODE, 0xd2bbd5a2, 0xf9400041);
            long[] seen = new long[3];
            uc.hookMemInvalid((u, type, address, size, value) -> {
                seen[0] = type;
                seen[1] = address;
                seen[2] = size;
                return false;
            });
            UcException e = assertThrows(UcException.class, () -> uc.emuStart(CODE, CODE + 8));
            assertEquals(UC_ERR_READ_UNMAPPED, e.error());
            assertArrayEquals(new long[] {UC_MEM_READ_UNMAPPED, 0xdead0000L, 8}, seen);
        }
    }

    @Test
    void otherGuestFaultsDoNotCrash() {
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, new byte[] {0x0f, 0x0b}); // ud2
            UcException e = assertThrows(UcException.class, () -> uc.emuStart(CODE, CODE + 2));
            assertEquals(UC_ERR_INSN_INVALID, e.error());
            // fetch from unmapped memory
            e = assertThrows(UcException.class, () -> uc.emuStart(0x900000, 0x900010));
            assertEquals(UC_ERR_FETCH_UNMAPPED, e.error());
            // write to read-only memory
            uc.memMap(0x300000, 0x1000, UC_PROT_READ);
            // mov rbx, 0x300000; mov qword ptr [rbx], rax
            byte[] w = {0x48, (byte) 0xbb, 0, 0, 0x30, 0, 0, 0, 0, 0, 0x48, (byte) 0x89, 0x03};
            uc.memWrite(CODE, w);
            e = assertThrows(UcException.class, () -> uc.emuStart(CODE, CODE + w.length));
            assertEquals(UC_ERR_WRITE_PROT, e.error());
        }
        UcException e = assertThrows(UcException.class, () -> Unicorn.x86_64().memRead(0x1234000, 4));
        assertEquals("uc_mem_read", e.function());
        assertEquals(UC_ERR_READ_UNMAPPED, e.error());
    }

    @Test
    void exceptionInCodeHookReachesCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        try (Unicorn uc = x86(STUB)) {
            uc.hookCode(STUB, STUB, (u, address, size) -> {
                throw boom;
            });
            IllegalStateException got = assertThrows(IllegalStateException.class, () -> uc.emuStart(CODE, X86_CALL_END));
            assertSame(boom, got);
            // stopped before the stub's imul ran
            assertEquals(5, uc.regRead(UC_X86_REG_RAX));
            assertEquals(STUB, uc.regRead(UC_X86_REG_RIP));
        }
        try (Unicorn uc = arm64(STUB)) {
            uc.hookCode(STUB, STUB, (u, address, size) -> {
                throw boom;
            });
            assertSame(boom, assertThrows(IllegalStateException.class, () -> uc.emuStart(CODE, A64_CALL_END)));
            assertEquals(5, uc.regRead(UC_ARM64_REG_X0));
            assertEquals(0, uc.regRead(UC_ARM64_REG_X1), "movz x1,#7 must not have run");
            assertEquals(STUB, uc.regRead(UC_ARM64_REG_PC));
        }
    }

    @Test
    void exceptionInMemHookWinsOverUcError() {
        byte[] code = {0x48, (byte) 0xbb, 0x00, 0x00, (byte) 0xad, (byte) 0xde, 0, 0, 0, 0, 0x48, (byte) 0x8b, 0x03};
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, code);
            uc.hookMemInvalid((u, type, address, size, value) -> {
                throw new UnsupportedOperationException("at 0x" + Long.toHexString(address));
            });
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> uc.emuStart(CODE, CODE + code.length));
            assertEquals("at 0xdead0000", e.getMessage());
            // the engine is still usable afterwards
            uc.memWrite(CODE, new byte[] {(byte) 0x90});
            uc.emuStart(CODE, CODE + 1);
            assertEquals(CODE + 1, uc.pc());
        }
    }

    @Test
    void interruptHook() {
        // int3; mov rax,5
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, new byte[] {(byte) 0xcc, 0x48, (byte) 0xc7, (byte) 0xc0, 0x05, 0, 0, 0});
            List<Integer> intnos = new ArrayList<>();
            uc.hookInterrupt((u, intno) -> intnos.add(intno));
            uc.emuStart(CODE, CODE + 8);
            assertEquals(List.of(3), intnos);
            assertEquals(5, uc.regRead(UC_X86_REG_RAX));
        }
        // svc #7 on ARM64, then movz x0,#5
        try (Unicorn uc = Unicorn.arm64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.writeWords(CODE, 0xd40000e1, 0xd28000a0);
            List<Integer> intnos = new ArrayList<>();
            uc.hookInterrupt((u, intno) -> intnos.add(intno));
            uc.emuStart(CODE, CODE + 8);
            assertEquals(1, intnos.size());
            assertEquals(5, uc.regRead(UC_ARM64_REG_X0));
        }
    }

    @Test
    void infiniteLoopTimesOut() {
        try (Unicorn uc = Unicorn.x86_64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.memWrite(CODE, new byte[] {(byte) 0xeb, (byte) 0xfe}); // jmp .
            long t0 = System.nanoTime();
            EmuTimeoutException e = assertThrows(EmuTimeoutException.class, () -> uc.emuStart(CODE, CODE + 2, 50_000, 0));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 40 && ms < 5_000, "took " + ms + " ms");
            assertEquals(CODE, e.pc());
            assertEquals(50_000, e.timeoutMicros());
            assertTrue(e.getMessage().contains("timed out after 50000 us"), e.getMessage());
        }
        try (Unicorn uc = Unicorn.arm64()) {
            uc.memMap(CODE, 0x1000, UC_PROT_ALL);
            uc.writeWords(CODE, 0x14000000); // b .
            EmuTimeoutException e = assertThrows(EmuTimeoutException.class, () -> uc.emuStart(CODE, CODE + 4, 50_000, 0));
            assertEquals(CODE, e.pc());
            // a run that finishes within its timeout is not reported as a timeout
            uc.writeWords(CODE, 0xd28000a0);
            uc.emuStart(CODE, CODE + 4, 1_000_000, 0);
            assertEquals(5, uc.regRead(UC_ARM64_REG_X0));
        }
    }

    @Test
    void countLimitIsNotATimeout() {
        try (Unicorn uc = x86(STUB)) {
            uc.emuStart(CODE, X86_CALL_END, 1_000_000, 1);
            assertEquals(CODE + 7, uc.pc());
            assertEquals(5, uc.regRead(UC_X86_REG_RAX));
        }
    }

    @Test
    void hookDelAndCallbacksSurviveGc() {
        try (Unicorn uc = x86(STUB)) {
            int[] hits = {0};
            long h = uc.hookBlock(STUB, STUB, (u, address, size) -> hits[0]++);
            assertEquals(1, uc.hookCount());
            for (int i = 0; i < 50; i++) {
                if (i % 10 == 0) {
                    System.gc();
                }
                uc.regWrite(UC_X86_REG_RSP, STACK_TOP);
                uc.emuStart(CODE, X86_CALL_END);
                assertEquals(36, uc.regRead(UC_X86_REG_RAX));
            }
            assertEquals(50, hits[0]);
            uc.hookDel(h);
            assertEquals(0, uc.hookCount());
            uc.regWrite(UC_X86_REG_RSP, STACK_TOP);
            uc.emuStart(CODE, X86_CALL_END);
            assertEquals(50, hits[0]);
        }
    }

    @Test
    void closedEngineRejectsCalls() {
        Unicorn uc = Unicorn.arm64();
        uc.close();
        uc.close();
        assertTrue(uc.isClosed());
        assertThrows(IllegalStateException.class, () -> uc.regRead(UC_ARM64_REG_X0));
    }
}
