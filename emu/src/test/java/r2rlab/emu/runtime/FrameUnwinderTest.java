package r2rlab.emu.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_ALL;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.loader.RuntimeFunction;

/**
 * Virtual unwinding with hand-encoded unwind records in guest memory: the codes the emitter does not
 * write (save_reg_x, save_lrpair, save_r19r20_x, save_fregp_x, alloc_l, add_fp; SAVE_NONVOL, chained
 * info, a machine frame), each stack slot and register value placed by hand.
 */
class FrameUnwinderTest {
    private static final long BASE = 0x10000;
    private static final long STACK = 0x70000;
    private static final long TOP = 0x80000;
    private static final int RBX = 3;
    private static final int RSP = 4;
    private static final int RBP = 5;
    private static final int RSI = 6;

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static void map(Unicorn uc) {
        uc.memMap(BASE, 0x10000, UC_PROT_ALL);
        uc.memMap(STACK, 0x20000, UC_PROT_ALL);
    }

    /**
     * Prolog, in instruction order, with caller SP = S:
     * <pre>
     * stp x19, x20, [sp, #-32]!   save_r19r20_x: 001zzzzz, z = 4         -> 24    sp = S-32
     * stp x21, lr, [sp, #16]      save_lrpair: x = (21-19)/2 = 1, z = 2  -> D6 42 [S-16], [S-8]
     * str x23, [sp, #-16]!        save_reg_x: x = 4, z = 16/8-1 = 1      -> D4 81 sp = S-48
     * stp d8, d9, [sp, #-16]!     save_fregp_x: x = 0, z = 1             -> DA 01 sp = S-64
     * sub sp, sp, #32             alloc_l: x = 2 (24 bits, big-endian)   -> E0 00 00 02   sp = S-96
     * add x29, sp, #16            add_fp: 16/8 = 2                       -> E2 02 x29 = S-80
     * </pre>
     * Stored reversed and closed by end: E2 02 E0 00 00 02 DA 01 D4 81 D6 42 24 E4, padded to 4 words.
     * Header: FunctionLength 0x40/4 = 0x10 | X 0x00100000 | CodeWords 4 &lt;&lt; 27 = 0x20100010.
     */
    private static final String XDATA = "10 00 10 20  E2 02 E0 00  00 02 DA 01  D4 81 D6 42  24 E4 E4 E4";
    private static final RuntimeFunction ARM64_FUNCTION = new RuntimeFunction(0, 0x1000, 0x1040, 0x2000);

    private static Unicorn arm64WithFrame() {
        Unicorn uc = Unicorn.arm64();
        map(uc);
        uc.memWrite(BASE + 0x2000, hex(XDATA));
        uc.writeLong(TOP - 32, 0x1919);  // x19
        uc.writeLong(TOP - 24, 0x2020);  // x20
        uc.writeLong(TOP - 16, 0x2121);  // x21
        uc.writeLong(TOP - 8, 0xCAFE0);  // lr
        uc.writeLong(TOP - 48, 0x2323);  // x23
        return uc;
    }

    @Test
    void arm64_afterTheProlog_everyCodeApplies() {
        try (Unicorn uc = arm64WithFrame()) {
            long[] r = new long[32];
            r[FrameRegisters.ARM64_FP] = TOP - 80;
            r[FrameRegisters.ARM64_SP] = TOP - 96 - 0x40; // SP below the frame: add_fp recovers it from x29
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(ARM64_FUNCTION, new FrameRegisters(true, BASE + 0x1030, r));
            assertTrue(s.ok(), s.error());
            assertFalse(s.inProlog());
            assertEquals(TOP, s.caller().sp());
            assertEquals(0xCAFE0, s.caller().pc());
            assertEquals(0x1919, s.caller().get(19));
            assertEquals(0x2020, s.caller().get(20));
            assertEquals(0x2121, s.caller().get(21));
            assertEquals(0x2323, s.caller().get(23));
        }
    }

    @Test
    void arm64_inTheProlog_onlyTheExecutedInstructionsAreUndone() {
        try (Unicorn uc = arm64WithFrame()) {
            long[] r = new long[32];
            r[23] = 0x77;
            r[FrameRegisters.ARM64_SP] = TOP - 32; // after stp x19, x20 and stp x21, lr
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(ARM64_FUNCTION, new FrameRegisters(true, BASE + 0x1008, r));
            assertTrue(s.ok(), s.error());
            assertTrue(s.inProlog());
            assertEquals(TOP, s.caller().sp());
            assertEquals(0xCAFE0, s.caller().pc());
            assertEquals(0x1919, s.caller().get(19));
            assertEquals(0x2121, s.caller().get(21));
            assertEquals(0x77, s.caller().get(23), "str x23 has not run: x23 is live");
        }
    }

    /**
     * Primary UNWIND_INFO at RVA 0x2000 for 0x1000-0x1100, prolog with entry RSP = E:
     * <pre>
     * push rbp (ends 1), push rbx (2), sub rsp, 0x100 (9), mov [rsp+0x10], rsi (14), lea rbp, [rsp+0x20] (19)
     * 01 13 07 25: Version 1, SizeOfProlog 0x13, 7 slots, FrameRegister RBP | FrameOffset 0x20/16 = 2
     * 13 03 SET_FPREG | 0E 64 02 00 SAVE_NONVOL (4) | rsi (6) &lt;&lt; 4, 0x10/8 | 09 01 20 00 ALLOC_LARGE/0 0x100/8 |
     * 02 30 PUSH rbx | 01 50 PUSH rbp | 00 00 pad
     * </pre>
     * Cold part at RVA 0x2040 for 0x1100-0x1140: Flags CHAININFO (0x21), no codes, then the primary's
     * RUNTIME_FUNCTION {0x1000, 0x1100, 0x2000}. Machine frame at RVA 0x2080: PUSH_MACHFRAME with an
     * error code (00 1A). Version 3 at RVA 0x20C0.
     */
    private static Unicorn x64WithFrames() {
        Unicorn uc = Unicorn.x86_64();
        map(uc);
        uc.memWrite(BASE + 0x2000, hex("01 13 07 25  13 03  0E 64 02 00  09 01 20 00  02 30  01 50  00 00"));
        uc.memWrite(BASE + 0x2040, hex("21 00 00 00  00 10 00 00  00 11 00 00  00 20 00 00"));
        uc.memWrite(BASE + 0x2080, hex("01 00 01 00  00 1A  00 00"));
        uc.memWrite(BASE + 0x20C0, hex("03 00 00 00"));
        uc.writeLong(TOP, 0xCAFE0);         // return address
        uc.writeLong(TOP - 8, 0x1111);      // rbp
        uc.writeLong(TOP - 16, 0x2222);     // rbx
        uc.writeLong(TOP - 0x100, 0x3333);  // rsi, at entry RSP - 0x110 + 0x10
        return uc;
    }

    private static FrameRegisters x64Regs(long pc, long rsp, long rbp) {
        long[] r = new long[16];
        r[RSP] = rsp;
        r[RBP] = rbp;
        return new FrameRegisters(false, pc, r);
    }

    private static void assertCallerOfPrimary(FrameUnwinder.Step s) {
        assertTrue(s.ok(), s.error());
        assertEquals(0xCAFE0, s.caller().pc());
        assertEquals(TOP + 8, s.caller().sp());
        assertEquals(0x1111, s.caller().get(RBP));
        assertEquals(0x2222, s.caller().get(RBX));
    }

    @Test
    void x64_afterTheProlog_frameRegisterSaveAndAllocation() {
        try (Unicorn uc = x64WithFrames()) {
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(new RuntimeFunction(0, 0x1000, 0x1100, 0x2000),
                    x64Regs(BASE + 0x1040, TOP - 0x200, TOP - 0xF0));
            assertCallerOfPrimary(s);
            assertFalse(s.inProlog());
            assertEquals(0x3333, s.caller().get(RSI));
        }
    }

    @Test
    void x64_inTheProlog_laterCodesAreSkipped() {
        try (Unicorn uc = x64WithFrames()) {
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(new RuntimeFunction(0, 0x1000, 0x1100, 0x2000),
                    x64Regs(BASE + 0x1002, TOP - 16, 0x1111));
            assertCallerOfPrimary(s);
            assertTrue(s.inProlog());
            assertEquals(0, s.caller().get(RSI), "the save of rsi has not run");
        }
    }

    @Test
    void x64_chainedInfoContinuesWithThePrimary() {
        try (Unicorn uc = x64WithFrames()) {
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(new RuntimeFunction(1, 0x1100, 0x1140, 0x2040),
                    x64Regs(BASE + 0x1120, TOP - 0x200, TOP - 0xF0));
            assertCallerOfPrimary(s);
            assertEquals(0x3333, s.caller().get(RSI));
        }
    }

    @Test
    void x64_machineFrame() {
        try (Unicorn uc = x64WithFrames()) {
            long m = TOP - 0x400;
            uc.writeLong(m, 0xE);            // error code
            uc.writeLong(m + 8, 0xBEEF0);    // RIP
            uc.writeLong(m + 32, 0x12340);   // RSP
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(new RuntimeFunction(2, 0x1200, 0x1210, 0x2080),
                    x64Regs(BASE + 0x1204, m, 0));
            assertTrue(s.ok(), s.error());
            assertEquals(0xBEEF0, s.caller().pc());
            assertEquals(0x12340, s.caller().sp());
        }
    }

    @Test
    void x64_malformedRecordFailsTheStep() {
        try (Unicorn uc = x64WithFrames()) {
            FrameUnwinder.Step s = new FrameUnwinder(uc, BASE).unwind(new RuntimeFunction(3, 0x1300, 0x1310, 0x20C0),
                    x64Regs(BASE + 0x1304, TOP - 8, 0));
            assertFalse(s.ok());
            assertTrue(s.error().contains("RVA 0x20C0") && s.error().contains("Version 3"), s.error());
        }
    }
}
