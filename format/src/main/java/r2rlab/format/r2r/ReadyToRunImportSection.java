package r2rlab.format.r2r;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/**
 * READYTORUN_IMPORT_SECTION (20 bytes, r2r-format.md §2.1): the cells' RVA and size, Flags, Type,
 * EntrySize (0 means pointer size), the RVA of the u32 array of signature RVAs parallel to the
 * cells, and AuxiliaryData (the GC ref maps of method-call sections, or 0).
 */
public record ReadyToRunImportSection(long sectionRva, long sectionSize, int flags, int type, int entrySize,
                                      long signaturesRva, long auxiliaryDataRva) {
    public static final int SECTION_RVA_OFFSET = 0;
    public static final int SECTION_SIZE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 8;
    public static final int TYPE_OFFSET = 10;
    public static final int ENTRY_SIZE_OFFSET = 11;
    public static final int SIGNATURES_OFFSET = 12;
    public static final int AUXILIARY_DATA_OFFSET = 16;
    public static final int SIZE = 20;

    public static final int FLAGS_NONE = 0x0000;
    /** Cells are filled when the image is loaded (the Module cell lives in such a section). */
    public static final int FLAGS_EAGER = 0x0001;
    /** Cells hold code pointers. */
    public static final int FLAGS_PCODE = 0x0004;

    public static final int TYPE_UNKNOWN = 0;
    public static final int TYPE_STUB_DISPATCH = 2;
    public static final int TYPE_STRING_HANDLE = 3;
    public static final int TYPE_ILBODY_FIXUPS = 7;

    public static ReadyToRunImportSection read(ByteReader file, long offset) {
        String s = "READYTORUN_IMPORT_SECTION";
        file.require(s, offset, SIZE);
        return new ReadyToRunImportSection(file.u32(s, offset + SECTION_RVA_OFFSET), file.u32(s, offset + SECTION_SIZE_OFFSET),
                file.u16(s, offset + FLAGS_OFFSET), file.u8(s, offset + TYPE_OFFSET), file.u8(s, offset + ENTRY_SIZE_OFFSET),
                file.u32(s, offset + SIGNATURES_OFFSET), file.u32(s, offset + AUXILIARY_DATA_OFFSET));
    }

    public void write(BlobBuilder b) {
        b.u32(sectionRva).u32(sectionSize).u16(flags).u8(type).u8(entrySize).u32(signaturesRva).u32(auxiliaryDataRva);
    }

    /**
     * Bytes per cell: EntrySize, or the pointer size when it is 0. Cell i is at sectionRva + i * cellSize;
     * fixup lists count in pointer-size units whatever this is.
     */
    public int cellSize(int pointerSize) {
        return entrySize == 0 ? pointerSize : entrySize;
    }

    public static String typeName(int type) {
        return switch (type) {
            case TYPE_UNKNOWN -> "Unknown";
            case TYPE_STUB_DISPATCH -> "StubDispatch";
            case TYPE_STRING_HANDLE -> "StringHandle";
            case TYPE_ILBODY_FIXUPS -> "ILBodyFixups";
            default -> "Type(" + type + ")";
        };
    }

    public static String flagsName(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & FLAGS_EAGER) != 0) {
            sb.append("Eager");
        }
        if ((flags & FLAGS_PCODE) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("PCode");
        }
        int rest = flags & ~(FLAGS_EAGER | FLAGS_PCODE);
        if (rest != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(String.format("0x%X", rest));
        }
        return sb.length() == 0 ? "None" : sb.toString();
    }
}
