package r2rlab.format.unwind.x64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_ALLOC_LARGE;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_ALLOC_SMALL;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_PUSH_MACHFRAME;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_PUSH_NONVOL;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_SAVE_NONVOL;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_SAVE_NONVOL_FAR;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_SAVE_XMM128;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_SAVE_XMM128_FAR;
import static r2rlab.format.unwind.x64.UnwindOp.UWOP_SET_FPREG;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.PeImage;
import r2rlab.format.r2r.RuntimeFunctionEntry;
import r2rlab.format.unwind.UnwindFixtures;

class X64UnwindInfoTest {
    // Register numbers as OpInfo and FrameRegister name them.
    private static final int RBX = 3;
    private static final int RBP = 5;
    private static final int RSI = 6;
    private static final int RDI = 7;
    private static final int R12 = 12;
    private static final int R13 = 13;
    private static final int R14 = 14;
    private static final int R15 = 15;
    private static final int EH_UH = X64UnwindInfo.UNW_FLAG_EHANDLER | X64UnwindInfo.UNW_FLAG_UHANDLER;

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    /**
     * Prolog {@code push rbp (ends at 1); push rbx (2); sub rsp,0x28 (6)}, derived by hand from the
     * Windows x64 spec:
     * <pre>
     * header: byte0 = Version 1 | Flags 0 &lt;&lt; 3 = 0x01; byte1 = SizeOfProlog = 0x06;
     *         byte2 = CountOfUnwindCodes = 3 (three 1-slot codes); byte3 = no frame register = 0x00
     * codes (reverse prolog order), each {CodeOffset, UnwindOp | OpInfo &lt;&lt; 4}:
     *   sub rsp,0x28: ALLOC_SMALL (2), OpInfo = (0x28 - 8) / 8 = 4  -> 06 42
     *   push rbx:     PUSH_NONVOL (0), OpInfo = RBX = 3              -> 02 30
     *   push rbp:     PUSH_NONVOL (0), OpInfo = RBP = 5              -> 01 50
     *   count 3 is odd -> one zero pad slot                          -> 00 00
     * </pre>
     */
    @Test
    void pushRbpPushRbxSubRsp28() {
        X64UnwindInfo info = new X64UnwindInfo(0, 6, 0, 0,
                List.of(UnwindCode.alloc(6, 0x28), UnwindCode.pushNonvol(2, RBX), UnwindCode.pushNonvol(1, RBP)));
        byte[] blob = info.encode();
        assertArrayEquals(hex("01 06 03 00  06 42  02 30  01 50  00 00"), blob);
        assertEquals(3, info.countOfUnwindCodes());
        assertEquals(12, info.encodedSize());

        X64UnwindInfo back = X64UnwindInfo.decode(blob, 0);
        assertEquals(info, back);
        assertEquals(6, back.sizeOfProlog());
        assertEquals(List.of(
                new UnwindCode(6, UWOP_ALLOC_SMALL, 4, 0x28),
                new UnwindCode(2, UWOP_PUSH_NONVOL, 3, 0),
                new UnwindCode(1, UWOP_PUSH_NONVOL, 5, 0)), back.codes());
    }

    /**
     * {@code push rbp (1); sub rsp,0x20 (5); lea rbp,[rsp+0x20] (10)} (the RyuJIT frame shape), with
     * the R2R EHANDLER|UHANDLER flags:
     * <pre>
     * byte0 = 1 | 3 &lt;&lt; 3 = 0x19; SizeOfProlog 0x0A; count 3; byte3 = RBP (5) | (0x20/16 = 2) &lt;&lt; 4 = 0x25
     * SET_FPREG (3) at 10 -> 0A 03; ALLOC_SMALL (0x20-8)/8 = 3 at 5 -> 05 32; PUSH rbp at 1 -> 01 50; pad
     * </pre>
     */
    @Test
    void framePointerProlog() {
        X64UnwindInfo info = new X64UnwindInfo(EH_UH, 10, RBP, 0x20,
                List.of(UnwindCode.setFpreg(10), UnwindCode.alloc(5, 0x20), UnwindCode.pushNonvol(1, RBP)));
        byte[] blob = info.encode();
        assertArrayEquals(hex("19 0A 03 25  0A 03  05 32  01 50  00 00"), blob);
        X64UnwindInfo back = X64UnwindInfo.decode(blob, 0);
        assertEquals(info, back);
        assertEquals(RBP, back.frameRegister());
        assertEquals(0x20, back.frameOffset());
        assertEquals(EH_UH, back.flags());
    }

    /** {@code push rbp; mov rbp,rsp} -> prolog 4; SET_FPREG at 4, PUSH rbp at 1; even count, no pad. */
    @Test
    void movRbpRspFrame() {
        X64UnwindInfo info = new X64UnwindInfo(0, 4, RBP, 0, List.of(UnwindCode.setFpreg(4), UnwindCode.pushNonvol(1, RBP)));
        assertArrayEquals(hex("01 04 02 05  04 03  01 50"), info.encode());
        assertEquals(info, X64UnwindInfo.decode(info.encode(), 0));
    }

    /**
     * ALLOC_LARGE, both forms:
     * <pre>
     * sub rsp,0x1000 (7 bytes). 0x1000 &gt; 128 and 0x1000/8 = 0x200 fits 16 bits
     *   -> ALLOC_LARGE OpInfo 0 at 7: 07 01, then u16 0x0200: 00 02; count 2 (even)
     * sub rsp,0x80000 (512 KiB): 0x80000/8 = 0x10000 does not fit 16 bits -> OpInfo 1: 07 11, then
     *   u32 0x00080000 as two u16 slots: 00 00 08 00; count 3 -> pad
     * </pre>
     */
    @Test
    void allocLargeBothForms() {
        X64UnwindInfo scaled = new X64UnwindInfo(0, 7, 0, 0, List.of(UnwindCode.alloc(7, 0x1000)));
        assertArrayEquals(hex("01 07 02 00  07 01 00 02"), scaled.encode());
        assertEquals(scaled, X64UnwindInfo.decode(scaled.encode(), 0));

        X64UnwindInfo big = new X64UnwindInfo(0, 7, 0, 0, List.of(UnwindCode.alloc(7, 0x80000)));
        assertEquals(1, big.codes().get(0).opInfo());
        assertArrayEquals(hex("01 07 03 00  07 11 00 00 08 00  00 00"), big.encode());
        assertEquals(big, X64UnwindInfo.decode(big.encode(), 0));

        // boundaries of the automatic choice
        assertEquals(UWOP_ALLOC_SMALL, UnwindCode.alloc(0, 128).op());
        assertEquals(15, UnwindCode.alloc(0, 128).opInfo());
        assertEquals(0, UnwindCode.alloc(0, 136).opInfo());
        assertEquals(UWOP_ALLOC_LARGE, UnwindCode.alloc(0, 136).op());
        assertEquals(0, UnwindCode.alloc(0, 0xFFFF * 8).opInfo());
        assertEquals(1, UnwindCode.alloc(0, 0x10000 * 8).opInfo());
        // explicit unscaled form of a small size round-trips too
        X64UnwindInfo forced = new X64UnwindInfo(0, 7, 0, 0, List.of(UnwindCode.allocLarge(7, 0x28, false)));
        assertArrayEquals(hex("01 07 03 00  07 11 28 00 00 00  00 00"), forced.encode());
        assertEquals(forced, X64UnwindInfo.decode(forced.encode(), 0));
    }

    /**
     * The save operations and the machine frame, each slot by hand:
     * <pre>
     * SAVE_NONVOL rbx at rsp+0x40, ends at 12:     0C 34, u16 0x40/8 = 8             -> 0C 34 08 00
     * SAVE_NONVOL_FAR rsi at rsp+0x80000, at 8:    08 65, u32 0x00080000             -> 08 65 00 00 08 00
     * SAVE_XMM128 xmm6 at rsp+0x20, at 6:          06 68, u16 0x20/16 = 2            -> 06 68 02 00
     * SAVE_XMM128_FAR xmm7 at rsp+0x100008, at 4:  04 79, u32 0x00100008 (not /16)   -> 04 79 08 00 10 00
     * PUSH_MACHFRAME with error code, at 0:        00 1A                             -> 00 1A
     * count 2 + 3 + 2 + 3 + 1 = 11 (0x0B) -> pad; header 01 0C 0B 00
     * </pre>
     */
    @Test
    void saveOpsAndMachineFrame() {
        X64UnwindInfo info = new X64UnwindInfo(0, 12, 0, 0, List.of(
                UnwindCode.saveNonvol(12, RBX, 0x40),
                UnwindCode.saveNonvol(8, RSI, 0x80000),
                UnwindCode.saveXmm128(6, 6, 0x20),
                UnwindCode.saveXmm128(4, 7, 0x100008),
                UnwindCode.pushMachframe(0, true)));
        byte[] blob = info.encode();
        assertArrayEquals(hex("01 0C 0B 00  0C 34 08 00  08 65 00 00 08 00  06 68 02 00  04 79 08 00 10 00  00 1A  00 00"), blob);
        assertEquals(11, info.countOfUnwindCodes());
        X64UnwindInfo back = X64UnwindInfo.decode(blob, 0);
        assertEquals(info, back);
        assertEquals(List.of(
                new UnwindCode(12, UWOP_SAVE_NONVOL, RBX, 0x40),
                new UnwindCode(8, UWOP_SAVE_NONVOL_FAR, RSI, 0x80000),
                new UnwindCode(6, UWOP_SAVE_XMM128, 6, 0x20),
                new UnwindCode(4, UWOP_SAVE_XMM128_FAR, 7, 0x100008),
                new UnwindCode(0, UWOP_PUSH_MACHFRAME, 1, 0)), back.codes());
    }

    @Test
    void decodeAtOffsetIgnoresTrailingData() {
        byte[] data = hex("AA BB  01 06 03 00  06 42  02 30  01 50  00 00  78 56 34 12");
        X64UnwindInfo info = X64UnwindInfo.decode(data, 2);
        assertEquals(6, info.sizeOfProlog());
        assertEquals(3, info.codes().size());
        assertEquals(0, info.frameRegister());
        assertEquals(12, X64UnwindInfo.sizeOf(new ByteReader(data), 2));
    }

    /** The flags the R2R writer ORs into a finished record: byte 0 = 0x01 | (EHANDLER|UHANDLER) &lt;&lt; 3 = 0x19. */
    @Test
    void withFlagsSetsTheFlagBitsOnly() {
        byte[] blob = hex("01 04 02 05  04 03  01 50");
        assertArrayEquals(hex("19 04 02 05  04 03  01 50"), X64UnwindInfo.withFlags(blob, EH_UH));
        assertArrayEquals(hex("01 04 02 05  04 03  01 50"), blob, "the input is left alone");
        assertEquals(EH_UH, X64UnwindInfo.decode(X64UnwindInfo.withFlags(blob, EH_UH), 0).flags());
    }

    /** CHAININFO: the RUNTIME_FUNCTION {BeginAddress, EndAddress, UnwindData} follows the (padded) codes. */
    @Test
    void chainedRuntimeFunction() {
        X64UnwindInfo info = new X64UnwindInfo(X64UnwindInfo.UNW_FLAG_CHAININFO, 2, 0, 0, List.of(UnwindCode.pushNonvol(2, RBX)));
        RuntimeFunctionEntry chained = new RuntimeFunctionEntry(0x1000, 0x1080, 0x2040);
        BlobBuilder entry = new BlobBuilder();
        chained.write(entry, Machine.AMD64);
        byte[] record = hex("21 02 01 00  02 30  00 00  00 10 00 00  80 10 00 00  40 20 00 00");
        assertArrayEquals(record, concat(info.encode(), entry.toByteArray()));
        ByteReader r = new ByteReader(record);
        X64UnwindInfo back = X64UnwindInfo.decode(r, 0);
        assertEquals(info, back);
        assertEquals(chained, RuntimeFunctionEntry.read(r, back.encodedSize(), Machine.AMD64));
    }

    @Test
    void randomRoundTrips() {
        Random rnd = new Random(42);
        for (int iter = 0; iter < 2000; iter++) {
            List<UnwindCode> prologOrder = new ArrayList<>();
            int off = 0;
            int frameRegister = 0;
            int frameOffset = 0;
            int n = rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                off += 1 + rnd.nextInt(7);
                switch (rnd.nextInt(7)) {
                    case 0, 1 -> prologOrder.add(UnwindCode.pushNonvol(off, rnd.nextInt(16)));
                    case 2 -> prologOrder.add(UnwindCode.alloc(off, 8 * (1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 100_000))));
                    case 3 -> prologOrder.add(UnwindCode.allocLarge(off, 8 * (1 + rnd.nextInt(1000)), rnd.nextBoolean()));
                    case 4 -> prologOrder.add(UnwindCode.saveNonvol(off, rnd.nextInt(16), 8 * rnd.nextInt(rnd.nextBoolean() ? 16 : 100_000)));
                    case 5 -> prologOrder.add(UnwindCode.saveXmm128(off, rnd.nextInt(16), 16 * rnd.nextInt(rnd.nextBoolean() ? 16 : 100_000)));
                    default -> {
                        if (frameRegister == 0) {
                            prologOrder.add(UnwindCode.setFpreg(off));
                            frameRegister = 1 + rnd.nextInt(15);
                            frameOffset = 16 * rnd.nextInt(16);
                        }
                    }
                }
            }
            Collections.reverse(prologOrder);
            X64UnwindInfo info = new X64UnwindInfo(rnd.nextInt(8), off + rnd.nextInt(3), frameRegister, frameOffset, prologOrder);
            byte[] blob = info.encode();
            assertEquals(info.encodedSize(), blob.length);
            assertEquals(0, blob.length % 4);
            assertEquals(info, X64UnwindInfo.decode(blob, 0));
        }
    }

    @Test
    void invalidValuesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> UnwindCode.alloc(4, 12));
        List<UnwindCode> notReversed = List.of(UnwindCode.pushNonvol(1, RBP), UnwindCode.pushNonvol(2, RBX));
        assertThrows(IllegalArgumentException.class, () -> new X64UnwindInfo(0, 2, 0, 0, notReversed));
        assertThrows(IllegalArgumentException.class, () -> new X64UnwindInfo(0, 1, 0, 0, List.of(UnwindCode.pushNonvol(2, RBX))),
                "code beyond the prolog");
        assertThrows(IllegalArgumentException.class, () -> new X64UnwindInfo(0, 4, RBP, 0, List.of()), "frame register without SET_FPREG");
        assertThrows(IllegalArgumentException.class, () -> new X64UnwindInfo(0, 4, 0, 0, List.of(UnwindCode.setFpreg(4))),
                "SET_FPREG without a frame register");
        assertThrows(IllegalArgumentException.class, () -> new X64UnwindInfo(0, 4, RBP, 8, List.of(UnwindCode.setFpreg(4))));
        assertThrows(IllegalArgumentException.class, () -> new UnwindCode(0, UWOP_SAVE_NONVOL, RBX, 12));
        assertThrows(IllegalArgumentException.class, () -> new UnwindCode(0, UWOP_PUSH_MACHFRAME, 2, 0));
    }

    /** Bad bytes name the structure and the file offset of the bad part; none runs off the array. */
    @Test
    void badBytesRaiseFormatException() {
        FormatException version = assertThrows(FormatException.class, () -> X64UnwindInfo.decode(hex("02 00 00 00"), 0));
        assertEquals("UNWIND_INFO", version.structure());
        assertEquals(0, version.fileOffset());
        assertTrue(version.getMessage().contains("Version 2"), version.getMessage());

        // header cut short at offset 2 of a record that starts at 1
        FormatException truncated = assertThrows(FormatException.class, () -> X64UnwindInfo.decode(hex("00 01 06"), 1));
        assertEquals("UNWIND_INFO", truncated.structure());
        assertEquals(3, truncated.fileOffset());

        // CountOfUnwindCodes 3 (6 bytes of codes + 2 pad) but only 4 bytes of codes follow the header
        FormatException count = assertThrows(FormatException.class, () -> X64UnwindInfo.decode(hex("01 06 03 00  06 42  02 30"), 0));
        assertEquals("UNWIND_INFO", count.structure());
        assertEquals(0, count.fileOffset());

        // ALLOC_LARGE/0 needs 2 slots, CountOfUnwindCodes says 1: the code at offset 4 overruns it
        FormatException overrun = assertThrows(FormatException.class, () -> X64UnwindInfo.decode(hex("01 07 01 00  07 01 00 02"), 0));
        assertEquals("UNWIND_INFO.UnwindCode[0]", overrun.structure());
        assertEquals(4, overrun.fileOffset());

        // UnwindOp 6 has no meaning in version 1; the second slot, at offset 6, holds it
        FormatException op = assertThrows(FormatException.class, () -> X64UnwindInfo.decode(hex("01 06 02 00  06 42  02 36"), 0));
        assertEquals("UNWIND_INFO.UnwindCode[1]", op.structure());
        assertEquals(6, op.fileOffset());

        // ALLOC_LARGE with OpInfo 2
        assertEquals(4, assertThrows(FormatException.class,
                () -> X64UnwindInfo.decode(hex("01 07 03 00  07 21 00 00 08 00  00 00"), 0)).fileOffset());
        // codes out of prolog order: a well-formed slot array that no prolog produces
        assertEquals(0, assertThrows(FormatException.class,
                () -> X64UnwindInfo.decode(hex("01 06 02 00  01 50  02 30"), 0)).fileOffset());
    }

    // ---- real images ----

    private static final String ZIPFILE = "r2r-net11-async/System.IO.Compression.ZipFile.dll";
    private static final int X64_RUNTIME_FUNCTION_SIZE = 12;

    private static X64UnwindInfo fixtureUnwindInfo(PeImage pe, int index, String expectedHex) {
        long offset = UnwindFixtures.unwindDataOffset(pe, X64_RUNTIME_FUNCTION_SIZE, index);
        X64UnwindInfo info = X64UnwindInfo.decode(pe.file(), offset);
        byte[] real = pe.file().bytes("UNWIND_INFO", offset, info.encodedSize());
        assertArrayEquals(hex(expectedHex), real, "the fixture's bytes");
        assertArrayEquals(real, info.encode(), "written back byte for byte");
        return info;
    }

    /**
     * RUNTIME_FUNCTION[1] of System.IO.Compression.ZipFile.dll (0x48D0-0x4920, UnwindData 0x1880),
     * as python3-pefile decodes it: Flags 3, SizeOfProlog 6, 3 codes: 6 ALLOCSTACK 0x28, 2 PUSHREG RBX,
     * 1 PUSHREG RBP.
     */
    @Test
    void zipFile_pushesAndSmallAllocation() {
        PeImage pe = UnwindFixtures.image(ZIPFILE);
        assertEquals(0x48D0, UnwindFixtures.runtimeFunctionField(pe, X64_RUNTIME_FUNCTION_SIZE, 1, 0));
        X64UnwindInfo info = fixtureUnwindInfo(pe, 1, "19 06 03 00 06 42 02 30 01 50 00 00");
        assertEquals(EH_UH, info.flags());
        assertEquals(6, info.sizeOfProlog());
        assertEquals(3, info.countOfUnwindCodes());
        assertEquals(0, info.frameRegister());
        assertEquals(List.of(
                new UnwindCode(6, UWOP_ALLOC_SMALL, 4, 0x28),
                new UnwindCode(2, UWOP_PUSH_NONVOL, RBX, 0),
                new UnwindCode(1, UWOP_PUSH_NONVOL, RBP, 0)), info.codes());
    }

    /**
     * RUNTIME_FUNCTION[17] (0x4D20-0x4E46): pefile: SizeOfProlog 14, 7 slots: 14 SAVEXMM128 XMM6, 0x60;
     * 8 ALLOCSTACK 0x78; 4 PUSHREG RBX; 3 PUSHREG RBP; 2 PUSHREG RSI; 1 PUSHREG RDI.
     */
    @Test
    void zipFile_saveXmm128() {
        PeImage pe = UnwindFixtures.image(ZIPFILE);
        assertEquals(0x4D20, UnwindFixtures.runtimeFunctionField(pe, X64_RUNTIME_FUNCTION_SIZE, 17, 0));
        X64UnwindInfo info = fixtureUnwindInfo(pe, 17, "19 0e 07 00 0e 68 06 00 08 e2 04 30 03 50 02 60 01 70 00 00");
        assertEquals(14, info.sizeOfProlog());
        assertEquals(7, info.countOfUnwindCodes());
        assertEquals(List.of(
                new UnwindCode(14, UWOP_SAVE_XMM128, 6, 0x60),
                new UnwindCode(8, UWOP_ALLOC_SMALL, 14, 0x78),
                new UnwindCode(4, UWOP_PUSH_NONVOL, RBX, 0),
                new UnwindCode(3, UWOP_PUSH_NONVOL, RBP, 0),
                new UnwindCode(2, UWOP_PUSH_NONVOL, RSI, 0),
                new UnwindCode(1, UWOP_PUSH_NONVOL, RDI, 0)), info.codes());
    }

    /**
     * RUNTIME_FUNCTION[136] (0x79C0-0x7D11): pefile: SizeOfProlog 19, 10 slots: 19 ALLOCSTACK 0xa8 (the
     * 2-slot ALLOC_LARGE), then eight pushes RBX, RSI, RDI, R12, R13, R14, R15, RBP.
     */
    @Test
    void zipFile_allocLarge() {
        PeImage pe = UnwindFixtures.image(ZIPFILE);
        assertEquals(0x79C0, UnwindFixtures.runtimeFunctionField(pe, X64_RUNTIME_FUNCTION_SIZE, 136, 0));
        X64UnwindInfo info = fixtureUnwindInfo(pe, 136, "19 13 0a 00 13 01 15 00 0c 30 0b 60 0a 70 09 c0 07 d0 05 e0 03 f0 01 50");
        assertEquals(19, info.sizeOfProlog());
        assertEquals(10, info.countOfUnwindCodes());
        assertEquals(new UnwindCode(19, UWOP_ALLOC_LARGE, 0, 0xA8), info.codes().get(0));
        List<Integer> pushed = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (UnwindCode c : info.codes().subList(1, info.codes().size())) {
            assertEquals(UWOP_PUSH_NONVOL, c.op());
            pushed.add(c.opInfo());
            at.add(c.codeOffset());
        }
        assertEquals(List.of(RBX, RSI, RDI, R12, R13, R14, R15, RBP), pushed);
        assertEquals(List.of(12, 11, 10, 9, 7, 5, 3, 1), at);
    }

    /**
     * RUNTIME_FUNCTION[235] of System.IO.Compression.dll (0x19A10-0x19C13): pefile: FrameRegister 5
     * (RBP), FrameOffset 4 (x16 = 0x40), SizeOfProlog 20: 20 SETFRAME RBP, 0x40; 15 ALLOCSTACK 0xd8; pushes.
     */
    @Test
    void compression_setFrame() {
        PeImage pe = UnwindFixtures.image("r2r-net11-async/System.IO.Compression.dll");
        assertEquals(0x19A10, UnwindFixtures.runtimeFunctionField(pe, X64_RUNTIME_FUNCTION_SIZE, 235, 0));
        X64UnwindInfo info = fixtureUnwindInfo(pe, 235, "19 14 09 45 14 03 0f 01 1b 00 08 30 07 60 06 70 05 e0 03 f0 01 50 00 00");
        assertEquals(RBP, info.frameRegister());
        assertEquals(0x40, info.frameOffset());
        assertEquals(9, info.countOfUnwindCodes());
        assertEquals(new UnwindCode(20, UWOP_SET_FPREG, 0, 0), info.codes().get(0));
        assertEquals(new UnwindCode(15, UWOP_ALLOC_LARGE, 0, 0xD8), info.codes().get(1));
        assertEquals(new UnwindCode(1, UWOP_PUSH_NONVOL, RBP, 0), info.codes().get(info.codes().size() - 1));
    }

    /** Every UNWIND_INFO of the image decodes and is written back byte for byte. */
    @Test
    void zipFile_everyRecordRoundTrips() {
        PeImage pe = UnwindFixtures.image(ZIPFILE);
        int count = UnwindFixtures.runtimeFunctionCount(pe, X64_RUNTIME_FUNCTION_SIZE);
        assertEquals(160, count);
        for (int i = 0; i < count; i++) {
            long offset = UnwindFixtures.unwindDataOffset(pe, X64_RUNTIME_FUNCTION_SIZE, i);
            X64UnwindInfo info = X64UnwindInfo.decode(pe.file(), offset);
            assertArrayEquals(pe.file().bytes("UNWIND_INFO", offset, info.encodedSize()), info.encode(), "RUNTIME_FUNCTION[" + i + "]");
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
