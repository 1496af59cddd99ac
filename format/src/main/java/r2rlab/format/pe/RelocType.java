package r2rlab.format.pe;

/**
 * Relocation kinds as crossgen2 numbers them (Relocation.cs RelocType), with the field each patches
 * and the value written (r2r-format.md §7; S = target RVA, P = RVA of the field, A = addend,
 * B = image base). The values below 0x10 are also the IMAGE_REL_BASED_* types of base relocation
 * entries ({@link BaseRelocationBlock}).
 */
public final class RelocType {
    /** Base relocation padding: patches nothing. */
    public static final int IMAGE_REL_BASED_ABSOLUTE = 0x00;
    /** u32 = S + A (an RVA). */
    public static final int IMAGE_REL_BASED_ADDR32NB = 0x02;
    /** u32 = B + S + A, with a HIGHLOW base relocation. */
    public static final int IMAGE_REL_BASED_HIGHLOW = 0x03;
    /** ARM Thumb MOVW/MOVT pair = B + S + A (a base relocation type of 32-bit ARM images). */
    public static final int IMAGE_REL_BASED_THUMB_MOV32 = 0x07;
    /** u64 = B + S + A, with a DIR64 base relocation. */
    public static final int IMAGE_REL_BASED_DIR64 = 0x0A;
    /** x64 s32 = S + A - (P + 4). */
    public static final int IMAGE_REL_BASED_REL32 = 0x10;
    /** ARM64 B/BL imm26 = (S + A - P) >> 2. */
    public static final int IMAGE_REL_BASED_ARM64_BRANCH26 = 0x15;
    /** ARM64 ADRP imm21 = page(S + A) - page(P), in pages. */
    public static final int IMAGE_REL_BASED_ARM64_PAGEBASE_REL21 = 0x81;
    /** ARM64 ADD imm12 = (S + A) & 0xFFF. */
    public static final int IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A = 0x82;
    /** ARM64 LDR/STR unsigned imm12 = ((S + A) & 0xFFF) >> access-size scale. */
    public static final int IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L = 0x83;

    private RelocType() {
    }

    public static String name(int type) {
        return switch (type) {
            case IMAGE_REL_BASED_ABSOLUTE -> "ABSOLUTE";
            case IMAGE_REL_BASED_ADDR32NB -> "ADDR32NB";
            case IMAGE_REL_BASED_HIGHLOW -> "HIGHLOW";
            case IMAGE_REL_BASED_THUMB_MOV32 -> "THUMB_MOV32";
            case IMAGE_REL_BASED_DIR64 -> "DIR64";
            case IMAGE_REL_BASED_REL32 -> "REL32";
            case IMAGE_REL_BASED_ARM64_BRANCH26 -> "ARM64_BRANCH26";
            case IMAGE_REL_BASED_ARM64_PAGEBASE_REL21 -> "ARM64_PAGEBASE_REL21";
            case IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A -> "ARM64_PAGEOFFSET_12A";
            case IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L -> "ARM64_PAGEOFFSET_12L";
            default -> String.format("RelocType(0x%X)", type);
        };
    }
}
