package r2rlab.emitter.reloc;

import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ADDR32NB;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_BRANCH26;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_DIR64;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_HIGHLOW;
import static r2rlab.format.pe.RelocType.IMAGE_REL_BASED_REL32;

import r2rlab.format.pe.Relocation;

/**
 * Patches one relocated field in a section image by the formulas of r2r-format.md §7, with
 * S = target RVA, P = RVA of the field (= sectionRva + relocation.offset()), A = relocation.addend()
 * and B = image base. The addend comes from the {@link Relocation} record; whatever the field held
 * before (the assembler leaves immediates 0) is overwritten, except for the opcode bits of ARM64
 * instructions, which are kept.
 *
 * <table>
 * <caption>Formulas</caption>
 * <tr><td>ADDR32NB</td><td>u32 = S + A (must fit in u32)</td></tr>
 * <tr><td>HIGHLOW</td><td>u32 = B + S + A (must fit in u32); base relocation needed</td></tr>
 * <tr><td>DIR64</td><td>u64 = B + S + A; base relocation needed</td></tr>
 * <tr><td>REL32</td><td>s32 = S + A - (P + 4)</td></tr>
 * <tr><td>ARM64_BRANCH26</td><td>d = S + A - P, 4-aligned, in [-2^27, 2^27); bits 0-25 = d &gt;&gt; 2</td></tr>
 * <tr><td>ARM64_PAGEBASE_REL21</td><td>pages = (page(S + A) - page(P)) &gt;&gt; 12 in [-2^20, 2^20);
 *     immlo = pages &amp; 3 at bits 29-30, immhi = pages &gt;&gt; 2 at bits 5-23</td></tr>
 * <tr><td>ARM64_PAGEOFFSET_12A</td><td>bits 10-21 = (S + A) &amp; 0xFFF</td></tr>
 * <tr><td>ARM64_PAGEOFFSET_12L</td><td>scale = insn bits 30-31 (+4 for 128-bit SIMD: bits 26 and 23 set);
 *     (S + A) &amp; 0xFFF must be a multiple of 2^scale; bits 10-21 = ((S + A) &amp; 0xFFF) &gt;&gt; scale</td></tr>
 * </table>
 * page(x) = x &amp; ~0xFFF; the addend is applied before taking the page.
 */
public final class RelocationResolver {

    private RelocationResolver() {
    }

    /**
     * Applies {@code reloc} to {@code section}, whose first byte is at {@code sectionRva}.
     *
     * @return true if the field holds an absolute address and the image needs a base relocation
     *     (DIR64 or HIGHLOW, of the same type as {@code reloc.type()}) at RVA sectionRva + offset
     * @throws RelocationException if the value does not fit, is misaligned, the instruction is not the
     *     kind the relocation type patches, the field lies outside the section, or the type is unsupported
     */
    public static boolean apply(byte[] section, long sectionRva, Relocation reloc, long symbolRva, long imageBase) {
        int off = reloc.offset();
        long p = sectionRva + off;
        long sa = symbolRva + reloc.addend();
        switch (reloc.type()) {
            case IMAGE_REL_BASED_ADDR32NB -> {
                checkField(section, reloc, 4);
                if (sa < 0 || sa > 0xFFFFFFFFL) throw new RelocationException(reloc, "RVA 0x" + Long.toHexString(sa) + " does not fit in u32");
                write32(section, off, (int) sa);
                return false;
            }
            case IMAGE_REL_BASED_HIGHLOW -> {
                checkField(section, reloc, 4);
                long v = imageBase + sa;
                if (v < 0 || v > 0xFFFFFFFFL) throw new RelocationException(reloc, "address 0x" + Long.toHexString(v) + " does not fit in u32");
                write32(section, off, (int) v);
                return true;
            }
            case IMAGE_REL_BASED_DIR64 -> {
                checkField(section, reloc, 8);
                long v = imageBase + sa;
                write32(section, off, (int) v);
                write32(section, off + 4, (int) (v >>> 32));
                return true;
            }
            case IMAGE_REL_BASED_REL32 -> {
                checkField(section, reloc, 4);
                long d = sa - (p + 4);
                if (d < Integer.MIN_VALUE || d > Integer.MAX_VALUE) throw new RelocationException(reloc, "displacement " + d + " does not fit in s32");
                write32(section, off, (int) d);
                return false;
            }
            case IMAGE_REL_BASED_ARM64_BRANCH26 -> {
                int insn = instruction(section, reloc, p);
                if ((insn & 0x7C000000) != 0x14000000) throw new RelocationException(reloc, String.format("not a B/BL instruction: %08X", insn));
                long d = sa - p;
                if ((d & 3) != 0) throw new RelocationException(reloc, "branch displacement " + d + " not a multiple of 4");
                if (d < -(1L << 27) || d >= (1L << 27)) throw new RelocationException(reloc, "branch displacement " + d + " out of range ±128 MiB");
                write32(section, off, (insn & 0xFC000000) | (int) ((d >> 2) & 0x3FFFFFF));
                return false;
            }
            case IMAGE_REL_BASED_ARM64_PAGEBASE_REL21 -> {
                int insn = instruction(section, reloc, p);
                if ((insn & 0x9F000000) != 0x90000000) throw new RelocationException(reloc, String.format("not an ADRP instruction: %08X", insn));
                long pages = ((sa & ~0xFFFL) - (p & ~0xFFFL)) >> 12;
                if (pages < -(1L << 20) || pages >= (1L << 20)) throw new RelocationException(reloc, "page delta " + pages + " out of ADRP range ±4 GiB");
                int imm = (int) pages & 0x1FFFFF;
                write32(section, off, (insn & 0x9F00001F) | (imm & 3) << 29 | (imm >> 2) << 5);
                return false;
            }
            case IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A -> {
                int insn = instruction(section, reloc, p);
                if ((insn & 0x7FC00000) != 0x11000000) throw new RelocationException(reloc, String.format("not an ADD (immediate, no shift) instruction: %08X", insn));
                int lo = (int) (sa & 0xFFF);
                write32(section, off, (insn & 0xFFC003FF) | lo << 10);
                return false;
            }
            case IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L -> {
                int insn = instruction(section, reloc, p);
                if ((insn & 0x3B000000) != 0x39000000) throw new RelocationException(reloc, String.format("not a load/store (unsigned offset) instruction: %08X", insn));
                int scale = insn >>> 30;
                if ((insn & 0x04800000) == 0x04800000) scale += 4;
                int lo = (int) (sa & 0xFFF);
                if ((lo & ((1 << scale) - 1)) != 0) throw new RelocationException(reloc, "page offset 0x" + Integer.toHexString(lo) + " not aligned to access size " + (1 << scale));
                write32(section, off, (insn & 0xFFC003FF) | (lo >> scale) << 10);
                return false;
            }
            default -> throw new RelocationException(reloc, "unsupported relocation type");
        }
    }

    private static void checkField(byte[] section, Relocation reloc, int size) {
        if (reloc.offset() < 0 || (long) reloc.offset() + size > section.length) {
            throw new RelocationException(reloc, "field outside the section (length " + section.length + ")");
        }
    }

    private static int instruction(byte[] section, Relocation reloc, long p) {
        checkField(section, reloc, 4);
        if ((p & 3) != 0) throw new RelocationException(reloc, "instruction not 4-byte aligned (RVA 0x" + Long.toHexString(p) + ")");
        return read32(section, reloc.offset());
    }

    static int read32(byte[] d, int p) {
        return (d[p] & 0xFF) | (d[p + 1] & 0xFF) << 8 | (d[p + 2] & 0xFF) << 16 | (d[p + 3] & 0xFF) << 24;
    }

    private static void write32(byte[] d, int p, int v) {
        d[p] = (byte) v;
        d[p + 1] = (byte) (v >>> 8);
        d[p + 2] = (byte) (v >>> 16);
        d[p + 3] = (byte) (v >>> 24);
    }
}
