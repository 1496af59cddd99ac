package r2rlab.emitter.reloc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.emitter.arm64.Register.*;
import static r2rlab.format.pe.RelocType.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import r2rlab.emitter.arm64.Arm64Assembler;
import r2rlab.emitter.arm64.AssembledCode;
import r2rlab.emitter.arm64.LlvmMc;
import r2rlab.format.pe.Relocation;

class RelocationResolverTest {

    private static final long BASE = 0x1_4000_0000L;

    private static int word(byte[] b, int off) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(off);
    }

    // ---- independent decoders (architectural semantics of the instructions) ----

    /** ADRP: Xd = page(PC) + sext(immhi:immlo) << 12. */
    private static long adrpTarget(int insn, long pc) {
        long imm = ((insn >>> 5) & 0x7FFFF) << 2 | ((insn >>> 29) & 3);
        imm = (imm << 43) >> 43; // sign-extend 21 bits
        return (pc & ~0xFFFL) + (imm << 12);
    }

    /** ADD (immediate, sh = 0): imm12. */
    private static long addImm(int insn) {
        return (insn >>> 10) & 0xFFF;
    }

    /** LDR (unsigned offset): imm12 << size. */
    private static long ldrOffset(int insn) {
        return (long) ((insn >>> 10) & 0xFFF) << (insn >>> 30);
    }

    /** B/BL: PC + sext(imm26) * 4. */
    private static long branchTarget(int insn, long pc) {
        long imm = ((long) (insn & 0x3FFFFFF) << 38) >> 38;
        return pc + imm * 4;
    }

    /**
     * adrp/add/ldr triple placed across a page boundary (adrp at RVA 0x1FF8, add at 0x1FFC, ldr at 0x2000)
     * against targets below, on and above page edges, with zero, positive and negative addends. Each pair
     * must compute exactly S + A — which fails for the classic page(S) + A bug whenever S and S + A lie
     * on different pages.
     */
    @ParameterizedTest
    @CsvSource({
            "0x5FF8, 16",     // S + A = 0x6008: addend crosses into the next page
            "0x6000, -8",     // S + A = 0x5FF8: negative addend crosses back
            "0x0FF0, 16",     // below P, S + A = 0x1000
            "0x2000, 0",      // the very page of the ldr
            "0x1FF8, 0",      // the adrp itself
            "0x7FFFF000, 0x0FF8", // far forward
            "0x12340, 0x7FF8",    // addend of several pages
    })
    void adrpAddLdrTripleResolvesToSPlusA(String sHex, String aHex) {
        long s = Long.decode(sHex);
        long addend = Long.decode(aHex);
        long sectionRva = 0x1FF0;
        Arm64Assembler a = new Arm64Assembler();
        a.nop();
        a.nop();
        a.adrp(X0, "t", addend);          // RVA 0x1FF8
        a.addLo12(X1, X0, "t", addend);   // RVA 0x1FFC
        a.ldrLo12(X2, X0, "t", addend);   // RVA 0x2000
        AssembledCode code = a.finish();
        byte[] section = code.code();
        for (Relocation r : code.relocations()) {
            assertFalse(RelocationResolver.apply(section, sectionRva, r, s, BASE));
        }
        long expected = s + addend;
        long page = adrpTarget(word(section, 8), sectionRva + 8);
        assertEquals(expected & ~0xFFFL, page, "adrp page");
        assertEquals(expected, page + addImm(word(section, 12)), "adrp + add");
        assertEquals(expected, page + ldrOffset(word(section, 16)), "adrp + ldr");

        // llvm-mc agrees: it prints the adrp page displacement, the add and ldr immediates.
        List<String> dis = LlvmMc.disassemble(Arrays.copyOfRange(section, 8, 20));
        long pageDelta = (expected & ~0xFFFL) - ((sectionRva + 8) & ~0xFFFL);
        assertEquals(List.of(
                "adrp x0, #" + pageDelta,
                "add x1, x0, #" + (expected & 0xFFF),
                (expected & 0xFFF) == 0 ? "ldr x2, [x0]" : "ldr x2, [x0, #" + (expected & 0xFFF) + "]"), dis);
    }

    @Test
    void callThroughCellResolves() {
        Arm64Assembler a = new Arm64Assembler();
        a.callThroughCell("cell");
        AssembledCode code = a.finish();
        byte[] section = code.code();
        long sectionRva = 0x3FFC; // adrp on page 3, add on page 4
        long cell = 0x9008;
        for (Relocation r : code.relocations()) RelocationResolver.apply(section, sectionRva, r, cell, BASE);
        long x11 = adrpTarget(word(section, 0), sectionRva) + addImm(word(section, 4));
        assertEquals(cell, x11);
        assertEquals(0xF9400170, word(section, 8));  // ldr x16, [x11] untouched
        assertEquals(0xD63F0200, word(section, 12)); // blr x16 untouched
    }

    @Test
    void ldrLo12ScalesByAccessSize() {
        Arm64Assembler a = new Arm64Assembler();
        a.ldrLo12(W3, X0, "t", 0);
        a.ldrLo12(X3, X0, "t", 0);
        AssembledCode code = a.finish();
        byte[] section = code.code();
        RelocationResolver.apply(section, 0x1000, code.relocations().get(0), 0x5004, BASE);
        assertEquals(0x004L, ldrOffset(word(section, 0)));
        assertEquals(1, (word(section, 0) >>> 10) & 0xFFF, "imm12 = 4 >> 2");
        RelocationException e = assertThrows(RelocationException.class,
                () -> RelocationResolver.apply(section, 0x1000, code.relocations().get(1), 0x5004, BASE));
        assertTrue(e.getMessage().contains("ARM64_PAGEOFFSET_12L") && e.getMessage().contains("t"), e.getMessage());
        // 128-bit SIMD LDR q0, [x0] (0x3DC00000): scale 4
        byte[] q = {0x00, 0x00, (byte) 0xC0, 0x3D};
        RelocationResolver.apply(q, 0, new Relocation(0, IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L, "v", 0), 0x1230, BASE);
        assertEquals(0x3DC00000 | (0x23 << 10), word(q, 0));
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(q.clone(), 0,
                new Relocation(0, IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L, "v", 8), 0x1230, BASE));
    }

    @Test
    void adrpOutOfRange() {
        Arm64Assembler a = new Arm64Assembler();
        a.adrp(X0, "far");
        AssembledCode code = a.finish();
        Relocation r = code.relocations().get(0);
        // page delta must be in [-2^20, 2^20) pages, i.e. [-4 GiB, 4 GiB)
        byte[] ok = code.code();
        RelocationResolver.apply(ok, 0, r, (1L << 32) - 0x1000, BASE);
        assertEquals((1L << 32) - 0x1000, adrpTarget(word(ok, 0), 0));
        RelocationException e = assertThrows(RelocationException.class,
                () -> RelocationResolver.apply(code.code(), 0, r, 1L << 32, BASE));
        assertTrue(e.getMessage().contains("ARM64_PAGEBASE_REL21") && e.getMessage().contains("far"), e.getMessage());
        byte[] neg = code.code();
        RelocationResolver.apply(neg, 1L << 32, r, 0, BASE); // exactly -2^20 pages
        assertEquals(0, adrpTarget(word(neg, 0), 1L << 32));
    }

    @Test
    void branch26ForwardBackwardAndRange() {
        Arm64Assembler a = new Arm64Assembler();
        a.nop();
        a.bl("f", 0);
        a.bl("g", 8);
        a.b("h");
        AssembledCode code = a.finish();
        byte[] s = code.code();
        long rva = 0x10000;
        RelocationResolver.apply(s, rva, code.relocations().get(0), 0x20000, BASE); // forward
        RelocationResolver.apply(s, rva, code.relocations().get(1), 0x100, BASE);   // backward, +8
        RelocationResolver.apply(s, rva, code.relocations().get(2), rva + 12, BASE); // to itself
        assertEquals(0x20000, branchTarget(word(s, 4), rva + 4));
        assertEquals(0x108, branchTarget(word(s, 8), rva + 8));
        assertEquals(rva + 12, branchTarget(word(s, 12), rva + 12));
        assertEquals(0x94000000, word(s, 4) & 0xFC000000, "bl opcode kept");
        assertEquals(0x14000000, word(s, 12), "b . = 0x14000000");
        assertEquals(List.of("bl #" + (0x20000 - (rva + 4)), "bl #" + (0x108 - (rva + 8)), "b #0"),
                LlvmMc.disassemble(Arrays.copyOfRange(s, 4, 16)));

        Relocation r = code.relocations().get(0); // bl at offset 4, P = 0x10004
        long p = rva + 4;
        RelocationResolver.apply(code.code(), rva, r, p + (1L << 27) - 4, BASE); // max forward
        RelocationResolver.apply(code.code(), rva, r, p - (1L << 27), BASE);     // max backward
        RelocationException e = assertThrows(RelocationException.class,
                () -> RelocationResolver.apply(code.code(), rva, r, p + (1L << 27), BASE));
        assertTrue(e.getMessage().contains("ARM64_BRANCH26") && e.getMessage().contains("f"), e.getMessage());
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(code.code(), rva, r, p - (1L << 27) - 4, BASE));
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(code.code(), rva,
                new Relocation(4, IMAGE_REL_BASED_ARM64_BRANCH26, "f", 2), p + 64, BASE), "misaligned");
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(code.code(), rva,
                new Relocation(0, IMAGE_REL_BASED_ARM64_BRANCH26, "nop", 0), p, BASE), "not a branch");
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(code.code(), rva + 2,
                r, p + 64, BASE), "instruction not 4-aligned");
    }

    @Test
    void dataRelocations() {
        byte[] s = new byte[32];
        long rva = 0x4000;
        assertFalse(RelocationResolver.apply(s, rva, new Relocation(0, IMAGE_REL_BASED_ADDR32NB, "a", 4), 0x1234, BASE));
        assertEquals(0x1238, word(s, 0));
        assertTrue(RelocationResolver.apply(s, rva, new Relocation(8, IMAGE_REL_BASED_DIR64, "b", -16), 0x2000, BASE));
        assertEquals(BASE + 0x2000 - 16, ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN).getLong(8));
        assertTrue(RelocationResolver.apply(s, rva, new Relocation(16, IMAGE_REL_BASED_HIGHLOW, "c", 1), 0x3000, 0x400000));
        assertEquals(0x403001, word(s, 16));
        // REL32 at P = 0x4014: S + A - (P + 4)
        assertFalse(RelocationResolver.apply(s, rva, new Relocation(20, IMAGE_REL_BASED_REL32, "d", -1), 0x1000, BASE));
        assertEquals(0x1000 - 1 - (0x4014 + 4), word(s, 20));
        assertFalse(RelocationResolver.apply(s, rva, new Relocation(24, IMAGE_REL_BASED_REL32, "e", 0), 0x8000_0000L + 0x4018 + 4 - 1, BASE));
        assertEquals(Integer.MAX_VALUE, word(s, 24));

        assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, rva,
                new Relocation(24, IMAGE_REL_BASED_REL32, "e", 0), 0x8000_0000L + 0x4018 + 4, BASE));
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, rva,
                new Relocation(16, IMAGE_REL_BASED_HIGHLOW, "c", 0), 0x1000, BASE), "B + S > 4 GiB");
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, rva,
                new Relocation(0, IMAGE_REL_BASED_ADDR32NB, "a", -0x2000), 0x1000, BASE), "negative RVA");
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, rva,
                new Relocation(28, IMAGE_REL_BASED_DIR64, "b", 0), 0x1000, BASE), "field past the end");
        RelocationException e = assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, rva,
                new Relocation(0, 0x7C, "x", 0), 0x1000, BASE));
        assertTrue(e.getMessage().contains("RelocType(0x7C)"), e.getMessage());
    }

    @Test
    void addLo12RejectsNonAdd() {
        byte[] s = {0x1F, 0x20, 0x03, (byte) 0xD5}; // nop
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, 0,
                new Relocation(0, IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A, "x", 0), 0x1000, BASE));
        assertThrows(RelocationException.class, () -> RelocationResolver.apply(s, 0,
                new Relocation(0, IMAGE_REL_BASED_ARM64_PAGEBASE_REL21, "x", 0), 0x1000, BASE));
    }
}
