package r2rlab.emitter.arm64;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emitter.arm64.Register.*;
import static r2rlab.emitter.arm64.UnwindCode.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.arm64.Arm64Assembler.PairMode;

class Arm64UnwindInfoTest {

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

    /** The same prolog assembled by our encoder is the one llvm-mc reads as the documented prolog. */
    @Test
    void prologInstructionsMatchTheCodes() {
        Arm64Assembler a = new Arm64Assembler();
        a.stp(FP, LR, SP, -32, PairMode.PRE_INDEX);
        a.mov(FP, SP);
        a.stp(X19, X20, SP, 16, PairMode.SIGNED_OFFSET);
        a.bl("callee");
        a.ldp(X19, X20, SP, 16, PairMode.SIGNED_OFFSET);
        a.ldp(FP, LR, SP, 32, PairMode.POST_INDEX);
        a.ret();
        byte[] code = a.finish().code();
        assertEquals(28, code.length);
        assertEquals(List.of("stp x29, x30, [sp, #-32]!", "mov x29, sp", "stp x19, x20, [sp, #16]", "bl #0",
                "ldp x19, x20, [sp, #16]", "ldp x29, x30, [sp], #32", "ret"), LlvmMc.disassemble(code));
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
        assertArrayEquals(bytes(0x00, 0x04, 0x10, 0x00, 0x20, 0x00, 0x01, 0x00), java.util.Arrays.copyOf(xdata, 8));
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
        java.util.Arrays.fill(r, 16, 24, (byte) 0xE4);
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
}
