package r2rlab.format.unwind.arm64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.format.unwind.arm64.UnwindCode.*;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.pe.PeImage;
import r2rlab.format.unwind.UnwindFixtures;

class Arm64UnwindInfoTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    /**
     * Function (28 bytes = 7 instructions):
     * <pre>
     *  0: stp x29, x30, [sp, #-32]!   save_fplr_x: 10zzzzzz, offset -(z+1)*8 = -32 -> z = 3      -> 0x83
     *  4: mov x29, sp                 set_fp: 11100001                                         -> 0xE1
     *  8: stp x19, x20, [sp, #16]     save_regp: 110010xx xxzzzzzz, x = 19-19 = 0, z = 16/8 = 2 -> 0xC8 0x02
     * 12: bl callee
     * 16: ldp x19, x20, [sp, #16]     (epilog) save_regp                                       -> 0xC8 0x02
     * 20: ldp x29, x30, [sp], #32     save_fplr_x                                              -> 0x83
     * 24: ret                         end                                                      -> 0xE4
     * </pre>
     * Prolog codes are stored in reverse instruction order and closed by end (0xE4):
     *   index 0: C8 02 E1 83 E4.
     * The epilog's codes (epilog order, which mirrors the stored prolog order minus set_fp) differ from
     * the prolog's, so they follow at index 5: C8 02 83 E4. 9 bytes, padded with end to 12 -> CodeWords 3.
     * Header (E = 0): FunctionLength 28/4 = 7 (bits 0-17) | Vers 0 | X (bit 20) = 0x00100000
     *   | EpilogCount 1 << 22 = 0x00400000 | CodeWords 3 << 27 = 0x18000000 = 0x18500007 -> 07 00 50 18.
     * Epilog scope: start 16/4 = 4 (bits 0-17) | start index 5 << 22 = 0x01400000 = 0x01400004 -> 04 00 40 01.
     * Runtime size (CMAN): 4 + 4 (one scope) + 12 (codes) + 4 (personality) = 24.
     */
    /**
     * A later unwind fragment (the JIT's UnwindFragmentInfo with a phantom prolog), 0x100 bytes holding the function's
     * epilog at +0xF4: the host's prolog {@code stp x29, x30, [sp, #-32]!; mov x29, sp} stored as in the host record
     * (E1 83) but after end_c (E5), then end: E5 E1 83 E4. The epilog {@code ldp x29, x30, [sp], #32; ret} has the codes
     * 83 E4, the tail of those (UnwindPrologCodes::Match): index 2. 4 bytes -> CodeWords 1.
     * Header: 0x100/4 = 0x40 | X 0x00100000 | EpilogCount 1 << 22 | CodeWords 1 << 27 = 0x08500040 -> 40 00 50 08.
     * Scope: 0xF4/4 = 0x3D | index 2 << 22 = 0x0080003D -> 3D 00 80 00.
     */
    @Test
    void phantomPrologOfALaterFragment() {
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.builder(0x100)
                .prolog(saveFpLrX(-32), setFp())
                .phantomProlog(true)
                .epilog(0xF4, saveFpLrX(-32))
                .info();
        assertArrayEquals(bytes(
                0x40, 0x00, 0x50, 0x08,
                0x3D, 0x00, 0x80, 0x00,
                0xE5, 0xE1, 0x83, 0xE4), d.encode());
        assertTrue(d.isFragment());
        assertTrue(Arm64UnwindInfo.isFragment(new ByteReader(d.encode()), 0));
        // IsFunctionFragment reads past the epilog scopes; a host record starts with its prolog's codes
        assertFalse(Arm64UnwindInfo.isFragment(new ByteReader(Arm64UnwindInfo.builder(0x100).prolog(saveFpLrX(-32), setFp())
                .epilog(0xF4, saveFpLrX(-32)).build()), 0));
        // no prolog instruction in the fragment (the scope ends at end_c), but the unwinder runs the codes after it
        assertEquals(List.of(endC()), d.prologCodes());
        assertEquals(List.of(endC(), setFp(), saveFpLrX(-32), end()), d.executedCodesFrom(0));
        assertEquals(List.of(saveFpLrX(-32), end()), d.executedCodesFrom(2));
    }

    /**
     * An epilog whose codes are all the prolog's stored codes shares them right after the end_c: index 1, E5 83 E4
     * padded with E4. Header 0x40 | X | EpilogCount 1 | CodeWords 1 = 0x08500040; scope 0xF8/4 = 0x3E | 1 << 22. The E
     * bit cannot describe it: its single epilog would have to start at index 0.
     */
    @Test
    void phantomPrologSharesItsCodesWithAMatchingEpilog() {
        byte[] xdata = Arm64UnwindInfo.builder(0x100)
                .prolog(saveFpLrX(-32))
                .phantomProlog(true)
                .epilog(0xF8, saveFpLrX(-32))
                .build();
        assertArrayEquals(bytes(
                0x40, 0x00, 0x50, 0x08,
                0x3E, 0x00, 0x40, 0x00,
                0xE5, 0x83, 0xE4, 0xE4), xdata);
        assertThrows(IllegalStateException.class, () -> Arm64UnwindInfo.builder(0x100).prolog(saveFpLrX(-32)).phantomProlog(true)
                .epilog(0xF8, saveFpLrX(-32)).singleEpilogInHeader(true).build());
    }

    @Test
    void framedPrologWithEpilogScope() {
        byte[] xdata = Arm64UnwindInfo.builder(28)
                .prolog(saveFpLrX(-32), setFp(), saveRegp(19, 16))
                .epilog(16, saveRegp(19, 16), saveFpLrX(-32))
                .build();
        assertArrayEquals(bytes(
                0x07, 0x00, 0x50, 0x18,
                0x04, 0x00, 0x40, 0x01,
                0xC8, 0x02, 0xE1, 0x83,
                0xE4, 0xC8, 0x02, 0x83,
                0xE4, 0xE4, 0xE4, 0xE4), xdata);

        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(xdata, 0);
        assertEquals(28, d.functionLength());
        assertEquals(0, d.version());
        assertTrue(d.exceptionDataPresent());
        assertFalse(d.singleEpilogInHeader());
        assertFalse(d.hasExtensionWord());
        assertEquals(1, d.epilogCount());
        assertEquals(3, d.codeWords());
        assertEquals(List.of(new Arm64UnwindInfo.EpilogScope(16, 5)), d.epilogs());
        assertEquals(20, d.unwindSize());
        assertEquals(24, d.runtimeSize());
        assertEquals(List.of(saveRegp(19, 16), setFp(), saveFpLrX(-32), end()), d.prologCodes());
        assertEquals(List.of(saveRegp(19, 16), saveFpLrX(-32), end()), d.codesFrom(5));
        assertEquals(List.of(saveRegp(19, 16), setFp(), saveFpLrX(-32), end(),
                saveRegp(19, 16), saveFpLrX(-32), end(), end(), end(), end()), d.codes());
        assertEquals("save_regp x19, x20, [sp, #16]", d.codes().get(0).toString());
        assertEquals("save_fplr_x [sp, #-32]!", d.codes().get(2).toString());
    }

    /**
     * Same function with the single epilog packed in the header (E = 1): no scope word, EpilogCount =
     * code index 5. The epilog (2 codes + end/ret = 3 instructions) must end the function: 28 - 12 = 16.
     * Header = 7 | X 0x00100000 | E 0x00200000 | 5 << 22 = 0x01400000 | 3 << 27 = 0x19700007.
     */
    @Test
    void singleEpilogInHeader() {
        byte[] xdata = Arm64UnwindInfo.builder(28)
                .prolog(saveFpLrX(-32), setFp(), saveRegp(19, 16))
                .epilog(16, saveRegp(19, 16), saveFpLrX(-32))
                .singleEpilogInHeader(true)
                .build();
        assertArrayEquals(bytes(
                0x07, 0x00, 0x70, 0x19,
                0xC8, 0x02, 0xE1, 0x83,
                0xE4, 0xC8, 0x02, 0x83,
                0xE4, 0xE4, 0xE4, 0xE4), xdata);
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(xdata, 0);
        assertTrue(d.singleEpilogInHeader());
        assertEquals(5, d.singleEpilogIndex());
        assertEquals(List.of(), d.epilogs());
        assertEquals(16, d.unwindSize());
        assertEquals(20, d.runtimeSize());

        assertThrows(IllegalStateException.class, () -> Arm64UnwindInfo.builder(32)
                .prolog(saveFpLrX(-32)).epilog(16, saveFpLrX(-32)).singleEpilogInHeader(true).build(),
                "epilog not at the end");
    }

    /**
     * Leaf-ish prolog {@code stp fp,lr,[sp,#-16]!; mov fp,sp; sub sp,sp,#1024} without epilog
     * (e.g. a function that only throws): alloc_m 1024/16 = 64 -> 11000 000 01000000 = C0 40;
     * set_fp E1; save_fplr_x z = 1 -> 0x81; end E4 = 5 bytes + 3 end pad; header 20/4 = 5 | X | CodeWords 2.
     */
    @Test
    void allocMAndNoEpilog() {
        byte[] xdata = Arm64UnwindInfo.builder(20)
                .prolog(saveFpLrX(-16), setFp(), alloc(1024))
                .build();
        assertArrayEquals(bytes(0x05, 0x00, 0x10, 0x10, 0xC0, 0x40, 0xE1, 0x81, 0xE4, 0xE4, 0xE4, 0xE4), xdata);
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(xdata, 0);
        assertEquals(List.of(allocM(1024), setFp(), saveFpLrX(-16), end()), d.prologCodes());
        assertEquals(16, d.runtimeSize());
    }

    /** Individual code encodings against the spec's bit layouts. */
    @Test
    void codeEncodings() {
        assertArrayEquals(bytes(0x02), allocS(32).bytes());        // 000xxxxx, 32/16 = 2
        assertArrayEquals(bytes(0x1F), allocS(496).bytes());
        assertArrayEquals(bytes(0xC7, 0xFF), allocM(32752).bytes()); // 11000xxx xxxxxxxx, 2047
        assertArrayEquals(bytes(0x41), saveFpLr(8).bytes());       // 01zzzzzz
        assertArrayEquals(bytes(0xBF), saveFpLrX(-512).bytes());   // 10zzzzzz, z = 63
        assertArrayEquals(bytes(0xC9, 0x44), saveRegp(24, 32).bytes()); // x = 5 = 0101: C8|01, 01<<6|4
        assertArrayEquals(bytes(0xD2, 0x83), saveReg(29, 24).bytes());  // x = 10 = 1010: D0|10, 10<<6|3
        assertArrayEquals(bytes(0xE3), UnwindCode.nop().bytes());
        for (UnwindCode c : List.of(allocS(496), allocM(32752), saveFpLr(8), saveFpLrX(-512), saveRegp(24, 32),
                saveReg(29, 24), setFp(), UnwindCode.nop(), end())) {
            assertEquals(c, UnwindCode.decode(c.bytes(), 0), c.toString());
        }
        assertThrows(IllegalArgumentException.class, () -> allocS(512));
        assertThrows(IllegalArgumentException.class, () -> allocS(24));
        assertThrows(IllegalArgumentException.class, () -> saveFpLrX(-520));
        assertThrows(IllegalArgumentException.class, () -> saveRegp(18, 0));
        assertThrows(IllegalArgumentException.class, () -> saveReg(19, 512));
    }

    /** 32 epilogs do not fit the 5-bit EpilogCount: header counts 0, extension word carries them. */
    @Test
    void extensionWordWhenEpilogsOverflow() {
        Arm64UnwindInfo.Builder b = Arm64UnwindInfo.builder(4096).prolog(saveFpLrX(-16));
        for (int i = 0; i < 32; i++) b.epilog(64 + 8 * i, saveFpLrX(-16));
        byte[] xdata = b.build();
        // header: 4096/4 = 0x400 | X, counts 0; ext: 32 epilogs | 1 code word << 16
        assertArrayEquals(bytes(0x00, 0x04, 0x10, 0x00, 0x20, 0x00, 0x01, 0x00), Arrays.copyOf(xdata, 8));
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(xdata, 0);
        assertTrue(d.hasExtensionWord());
        assertEquals(32, d.epilogCount());
        assertEquals(1, d.codeWords());
        // epilog codes (81 E4) equal the prolog's stored codes, so every scope shares index 0
        for (int i = 0; i < 32; i++) assertEquals(new Arm64UnwindInfo.EpilogScope(64 + 8 * i, 0), d.epilogs().get(i));
        assertEquals(4 + 4 + 32 * 4 + 4, d.unwindSize());
        assertEquals(4 + 4 + 32 * 4 + 4 + 4, d.runtimeSize());
        assertEquals(xdata.length, d.unwindSize());
    }

    /** CMAN's sizing on hand-made records, at a non-zero offset, including an extension word with E set. */
    @Test
    void decoderSizesLikeTheRuntime() {
        byte[] blob = bytes(
                0xAA, 0xBB, // two bytes of something else before the record
                // header: len 1 word, X, E, EpilogCount 0, CodeWords 0 -> extension word follows
                0x01, 0x00, 0x30, 0x00,
                // ext: EpilogCount (= epilog code index with E) 2, CodeWords 1
                0x02, 0x00, 0x01, 0x00,
                0xE1, 0xE4, 0xE4, 0xE4,
                0x78, 0x56, 0x34, 0x12); // personality RVA
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(blob, 2);
        assertTrue(d.hasExtensionWord());
        assertTrue(d.singleEpilogInHeader());
        assertEquals(2, d.singleEpilogIndex());
        assertEquals(1, d.codeWords());
        assertEquals(12, d.unwindSize());   // no scope words because E is set
        assertEquals(16, d.runtimeSize());
        assertEquals(List.of(setFp(), end()), d.prologCodes());

        // E clear, 3 epilog scopes, 2 code words: 4 + 12 + 8 + 4
        byte[] r = new byte[32];
        int header = 10 | 1 << 20 | 3 << 22 | 2 << 27;
        for (int i = 0; i < 4; i++) r[i] = (byte) (header >>> (8 * i));
        Arrays.fill(r, 16, 24, (byte) 0xE4);
        d = Arm64UnwindInfo.decode(r, 0);
        assertEquals(3, d.epilogs().size());
        assertEquals(24, d.unwindSize());
        assertEquals(28, d.runtimeSize());
    }

    @Test
    void builderRejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> Arm64UnwindInfo.builder(6));
        assertThrows(IllegalArgumentException.class, () -> Arm64UnwindInfo.builder(4 << 18));
        assertThrows(IllegalArgumentException.class, () -> Arm64UnwindInfo.builder(16).epilog(16, setFp()));
        assertThrows(IllegalArgumentException.class, () -> Arm64UnwindInfo.builder(16).prolog(end()).build());
        assertThrows(IllegalStateException.class, () -> Arm64UnwindInfo.builder(16).singleEpilogInHeader(true).build());
    }

    /** The codes the emitter does not write, against the spec's bit layouts (register and offset fields by hand). */
    @Test
    void otherCodeEncodings() {
        assertArrayEquals(bytes(0x24), saveR19R20X(-32).bytes());          // 001zzzzz, z = 32/8 = 4
        assertArrayEquals(bytes(0xCC, 0x85), saveRegpX(21, -48).bytes());  // x = 2 = 0010: CC|00, 10<<6 | z = 48/8-1 = 5
        assertArrayEquals(bytes(0xD5, 0x3F), saveRegX(28, -256).bytes());  // x = 9 = 1001: D4|1, 001<<5 | z = 31
        assertArrayEquals(bytes(0xD6, 0x82), saveLrPair(23, 16).bytes());  // x = (23-19)/2 = 2 = 010: D6|0, 10<<6 | 2
        assertArrayEquals(bytes(0xD8, 0x84), saveFregp(10, 32).bytes());   // x = 10-8 = 2: D8|0, 10<<6 | 4
        assertArrayEquals(bytes(0xDA, 0x07), saveFregpX(8, -64).bytes());  // x = 0, z = 64/8-1 = 7
        assertArrayEquals(bytes(0xDD, 0xC1), saveFreg(15, 8).bytes());     // x = 7 = 111: DC|1, 11<<6 | 1
        assertArrayEquals(bytes(0xDE, 0x21), saveFregX(9, -16).bytes());   // x = 1: 001<<5 | z = 1
        assertArrayEquals(bytes(0xDF, 0x03), allocZ(3).bytes());
        assertArrayEquals(bytes(0xE0, 0x01, 0x00, 0x00), allocL(0x100000).bytes()); // x = 1 MiB/16 = 0x010000, big-endian
        assertArrayEquals(bytes(0xE2, 0x02), addFp(16).bytes());
        assertArrayEquals(bytes(0xE5), endC().bytes());
        assertArrayEquals(bytes(0xE6), saveNext().bytes());
        for (UnwindCode c : List.of(saveR19R20X(-32), saveRegpX(21, -48), saveRegX(28, -256), saveLrPair(23, 16),
                saveFregp(10, 32), saveFregpX(8, -64), saveFreg(15, 8), saveFregX(9, -16), allocZ(3), allocL(0x100000),
                addFp(16), endC(), saveNext())) {
            assertEquals(c, UnwindCode.decode(c.bytes(), 0), c.toString());
        }
        assertEquals(new UnwindCode(UnwindCode.Op.SAVE_REG_X, 28, -256, bytes(0xD5, 0x3F)), UnwindCode.decode(bytes(0xD5, 0x3F), 0));
        assertEquals(new UnwindCode(UnwindCode.Op.OTHER, 0, 0, bytes(0xE7, 0x01, 0x02)), UnwindCode.decode(bytes(0xE7, 0x01, 0x02), 0),
                "save_any_reg is kept as its three bytes");
        assertThrows(IllegalArgumentException.class, () -> saveLrPair(20, 0));
        assertThrows(IllegalArgumentException.class, () -> saveRegX(19, -264));
        assertThrows(IllegalArgumentException.class, () -> UnwindCode.decode(bytes(0xC8), 0));
    }

    /**
     * A record written from its value: E set and the extension word used although the counts would fit.
     * Header 8/4 = 2 | X 0x00100000 | E 0x00200000 = 0x00300002, counts 0; ext: epilog index 0 | 1 code word &lt;&lt; 16.
     */
    @Test
    void recordValueRoundTrips() {
        Arm64UnwindInfo.Decoded value = new Arm64UnwindInfo.Decoded(8, 0, true, true, 0, 1, true, List.of(),
                List.of(saveFpLrX(-16), end(), end(), end()));
        byte[] xdata = value.encode();
        assertArrayEquals(hex("02 00 30 00  00 00 01 00  81 E4 E4 E4"), xdata);
        assertEquals(value, Arm64UnwindInfo.decode(xdata, 0));
        assertEquals(0, value.singleEpilogIndex());
        assertEquals(12, value.unwindSize());

        Arm64UnwindInfo.Decoded built = Arm64UnwindInfo.builder(28)
                .prolog(saveFpLrX(-32), setFp(), saveRegp(19, 16))
                .epilog(16, saveRegp(19, 16), saveFpLrX(-32))
                .info();
        assertEquals(built, Arm64UnwindInfo.decode(built.encode(), 0));
        assertEquals(List.of(new Arm64UnwindInfo.EpilogScope(16, 5)), built.epilogs());

        assertThrows(IllegalArgumentException.class, () -> new Arm64UnwindInfo.Decoded(8, 0, true, false, 0, 1, false, List.of(),
                List.of(end())), "3 bytes of codes for one code word");
        assertThrows(IllegalArgumentException.class, () -> new Arm64UnwindInfo.Decoded(8, 0, true, false, 1, 1, false, List.of(),
                List.of(end(), end(), end(), end())), "EpilogCount 1 without its scope");
        assertThrows(IllegalArgumentException.class, () -> new Arm64UnwindInfo.Decoded(8, 0, true, false, 0, 32, false, List.of(),
                List.of()), "32 code words need the extension word");
    }

    /** The header fields other readers take: FunctionLength, whether the extension word follows, the size, the X bit. */
    @Test
    void headerHelpers() {
        assertEquals(7, Arm64UnwindInfo.functionLengthField(0x18500007));
        assertEquals(0x3FFFF, Arm64UnwindInfo.functionLengthField(0xFFFFFFFF));
        assertEquals(4, Arm64UnwindInfo.headerSize(0x18500007));
        assertEquals(8, Arm64UnwindInfo.headerSize(0x00300002));
        // 4 + one scope + 3 code words; E set: 4 + 3 code words; ext: 8 + 32 scopes + 1 code word
        assertEquals(20, Arm64UnwindInfo.unwindSize(new ByteReader(hex("07 00 50 18")), 0));
        assertEquals(16, Arm64UnwindInfo.unwindSize(new ByteReader(hex("07 00 70 19")), 0));
        assertEquals(140, Arm64UnwindInfo.unwindSize(new ByteReader(hex("00 04 10 00  20 00 01 00")), 0));
        byte[] raw = hex("07 00 40 18");
        assertArrayEquals(hex("07 00 50 18"), Arm64UnwindInfo.withExceptionDataPresent(raw));
        assertArrayEquals(hex("07 00 40 18"), raw, "the input is left alone");
    }

    /** Bad bytes name the structure and the file offset of the bad part; none runs off the array. */
    @Test
    void badBytesRaiseFormatException() {
        FormatException header = assertThrows(FormatException.class, () -> Arm64UnwindInfo.decode(bytes(0xAA, 0x07, 0x00), 1));
        assertEquals(".xdata", header.structure());
        assertEquals(1, header.fileOffset());

        // counts 0: the extension word should follow at offset 4
        FormatException ext = assertThrows(FormatException.class, () -> Arm64UnwindInfo.decode(hex("07 00 10 00"), 0));
        assertEquals(".xdata extension word", ext.structure());
        assertEquals(4, ext.fileOffset());

        // one epilog scope (4-7), CodeWords 3 but only 2 words after it
        FormatException words = assertThrows(FormatException.class,
                () -> Arm64UnwindInfo.decode(hex("07 00 50 18  04 00 40 01  C8 02 E1 83  E4 C8 02 83"), 0));
        assertEquals(".xdata unwind codes", words.structure());
        assertEquals(8, words.fileOffset());

        // EpilogCount 3, but the record ends after the header
        FormatException scopes = assertThrows(FormatException.class, () -> Arm64UnwindInfo.decode(hex("07 00 D0 08"), 0));
        assertEquals(".xdata epilog scopes", scopes.structure());
        assertEquals(4, scopes.fileOffset());

        // one code word whose last byte starts a 2-byte save_regp (at offset 4 + 3)
        FormatException code = assertThrows(FormatException.class, () -> Arm64UnwindInfo.decode(hex("07 00 10 08  81 E4 E4 C8"), 0));
        assertEquals(".xdata unwind codes", code.structure());
        assertEquals(7, code.fileOffset());

        // the scope word at offset 4 names code index 9 of a 4-byte code array
        FormatException index = assertThrows(FormatException.class,
                () -> Arm64UnwindInfo.decode(hex("07 00 50 08  04 00 40 02  81 E4 E4 E4"), 0));
        assertEquals(".xdata", index.structure());
        assertEquals(4, index.fileOffset());
        assertTrue(index.getMessage().contains("start index 9"), index.getMessage());
    }

    // ---- real images ----

    private static final String CHESS_ZIPFILE = "r2r/ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll";
    private static final int ARM64_RUNTIME_FUNCTION_SIZE = 8;

    private static Arm64UnwindInfo.Decoded fixtureXdata(PeImage pe, int index, long beginRva, String expectedHex) {
        assertEquals(beginRva, UnwindFixtures.runtimeFunctionField(pe, ARM64_RUNTIME_FUNCTION_SIZE, index, 0));
        long offset = UnwindFixtures.unwindDataOffset(pe, ARM64_RUNTIME_FUNCTION_SIZE, index);
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(pe.file(), offset);
        byte[] real = pe.file().bytes(".xdata", offset, d.unwindSize());
        assertArrayEquals(hex(expectedHex), real, "the fixture's bytes");
        assertArrayEquals(real, d.encode(), "written back byte for byte");
        return d;
    }

    /**
     * RUNTIME_FUNCTION[0] of the ARM64 ZipFile image (begin 0x12A80, .xdata at RVA 0x108F8), by hand:
     * header 0x1050002B: FunctionLength 0x2B * 4 = 172, Vers 0, X, E clear, EpilogCount 1, CodeWords 2;
     * scope 0x00400007: start 7 * 4 = 28, index 1; codes E1 set_fp | D0 85 save_reg x(19+2), [sp, #5*8] |
     * C8 03 save_regp x19, x20, [sp, #3*8] | 85 save_fplr_x [sp, #-(5+1)*8]! | E4 E4.
     */
    @Test
    void chessZipFile_epilogScope() {
        PeImage pe = UnwindFixtures.image(CHESS_ZIPFILE);
        Arm64UnwindInfo.Decoded d = fixtureXdata(pe, 0, 0x12A80, "2b 00 50 10 07 00 40 00 e1 d0 85 c8 03 85 e4 e4");
        assertEquals(172, d.functionLength());
        assertEquals(0, d.version());
        assertTrue(d.exceptionDataPresent());
        assertFalse(d.singleEpilogInHeader());
        assertFalse(d.hasExtensionWord());
        assertEquals(1, d.epilogCount());
        assertEquals(2, d.codeWords());
        assertEquals(List.of(new Arm64UnwindInfo.EpilogScope(28, 1)), d.epilogs());
        assertEquals(List.of(setFp(), saveReg(21, 40), saveRegp(19, 24), saveFpLrX(-48), end(), end()), d.codes());
        assertEquals(List.of(saveReg(21, 40), saveRegp(19, 24), saveFpLrX(-48), end()), d.codesFrom(1));
        assertEquals(20, d.runtimeSize()); // header, one scope, 2 code words, personality
    }

    /**
     * RUNTIME_FUNCTION[2] (begin 0x12D40): header 0x18300045: FunctionLength 0x45 * 4 = 276, X, E set,
     * epilog index 0, CodeWords 3: E2 1A add_fp 26*8 | 5A save_fplr [sp, #26*8] | E6 save_next x4 |
     * C8 10 save_regp x19, x20, [sp, #16*8] | 0E alloc_s 14*16 | E4 E4.
     */
    @Test
    void chessZipFile_singleEpilogAndSaveNext() {
        PeImage pe = UnwindFixtures.image(CHESS_ZIPFILE);
        Arm64UnwindInfo.Decoded d = fixtureXdata(pe, 2, 0x12D40, "45 00 30 18 e2 1a 5a e6 e6 e6 e6 c8 10 0e e4 e4");
        assertEquals(276, d.functionLength());
        assertTrue(d.singleEpilogInHeader());
        assertEquals(0, d.singleEpilogIndex());
        assertEquals(List.of(), d.epilogs());
        assertEquals(3, d.codeWords());
        assertEquals(List.of(addFp(208), saveFpLr(208), saveNext(), saveNext(), saveNext(), saveNext(), saveRegp(19, 128),
                allocS(224), end(), end()), d.codes());
        assertEquals(16, d.unwindSize());
    }

    /**
     * RUNTIME_FUNCTION[15] (begin 0x135F0): header 0x1090001E: FunctionLength 120, X, EpilogCount 2,
     * CodeWords 2; scopes 0x00400017 (start 92, index 1) and 0x0040001B (start 108, index 1):
     * both epilogs share the codes after set_fp.
     */
    @Test
    void chessZipFile_twoEpilogsShareTheirCodes() {
        PeImage pe = UnwindFixtures.image(CHESS_ZIPFILE);
        Arm64UnwindInfo.Decoded d = fixtureXdata(pe, 15, 0x135F0, "1e 00 90 10 17 00 40 00 1b 00 40 00 e1 d0 03 83 e4 e4 e4 e4");
        assertEquals(120, d.functionLength());
        assertEquals(2, d.epilogCount());
        assertEquals(List.of(new Arm64UnwindInfo.EpilogScope(92, 1), new Arm64UnwindInfo.EpilogScope(108, 1)), d.epilogs());
        assertEquals(List.of(setFp(), saveReg(19, 24), saveFpLrX(-32), end()), d.prologCodes());
        assertEquals(List.of(saveReg(19, 24), saveFpLrX(-32), end()), d.codesFrom(1));
    }

    /** Every .xdata record of the image decodes and is written back byte for byte. */
    @Test
    void chessZipFile_everyRecordRoundTrips() {
        PeImage pe = UnwindFixtures.image(CHESS_ZIPFILE);
        int count = UnwindFixtures.runtimeFunctionCount(pe, ARM64_RUNTIME_FUNCTION_SIZE);
        assertEquals(150, count);
        int singleEpilog = 0;
        for (int i = 0; i < count; i++) {
            long offset = UnwindFixtures.unwindDataOffset(pe, ARM64_RUNTIME_FUNCTION_SIZE, i);
            Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(pe.file(), offset);
            assertArrayEquals(pe.file().bytes(".xdata", offset, d.unwindSize()), d.encode(), "RUNTIME_FUNCTION[" + i + "]");
            singleEpilog += d.singleEpilogInHeader() ? 1 : 0;
        }
        assertEquals(40, singleEpilog);
    }
}
