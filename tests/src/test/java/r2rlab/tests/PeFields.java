package r2rlab.tests;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The header, directory and table fields of a PE ReadyToRun image, located by this test code's own reading of the
 * bytes (ECMA-335 II.25, the PE/COFF specification, r2r-format.md), not through r2rlab's reader: the DOS and COFF
 * headers, the optional header, the data directories, the section table, the CLI header, the metadata root and its
 * stream headers, the READYTORUN_HEADER and its section table, the import sections and the first, middle and last
 * runtime function. Tests edit these fields to make corrupt images from good ones.
 */
final class PeFields {
    /** One field: where it is, how wide (2, 4 or 8 bytes), what it holds. */
    record Field(String name, int offset, int width, long value) {
    }

    private final byte[] b;
    private final ByteBuffer buf;
    private final List<Field> fields = new ArrayList<>();
    final int optionalHeader;
    final boolean pe32Plus;
    final int sectionTable;
    final int sectionCount;

    PeFields(byte[] image) {
        this.b = image;
        this.buf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        add("IMAGE_DOS_HEADER.e_lfanew", 0x3C, 4);
        int coff = buf.getInt(0x3C) + 4;
        add("IMAGE_FILE_HEADER.Machine", coff, 2);
        add("IMAGE_FILE_HEADER.NumberOfSections", coff + 2, 2);
        add("IMAGE_FILE_HEADER.SizeOfOptionalHeader", coff + 16, 2);
        add("IMAGE_FILE_HEADER.Characteristics", coff + 18, 2);
        optionalHeader = coff + 20;
        pe32Plus = u16(optionalHeader) == 0x20B;
        add("OptionalHeader.Magic", optionalHeader, 2);
        add("OptionalHeader.ImageBase", optionalHeader + (pe32Plus ? 24 : 28), pe32Plus ? 8 : 4);
        add("OptionalHeader.SectionAlignment", optionalHeader + 32, 4);
        add("OptionalHeader.FileAlignment", optionalHeader + 36, 4);
        add("OptionalHeader.SizeOfImage", optionalHeader + 56, 4);
        add("OptionalHeader.SizeOfHeaders", optionalHeader + 60, 4);
        int ddCount = optionalHeader + (pe32Plus ? 108 : 92);
        add("OptionalHeader.NumberOfRvaAndSizes", ddCount, 4);
        for (int i = 0; i < 16; i++) {
            add("IMAGE_DATA_DIRECTORY[" + i + "].VirtualAddress", ddCount + 4 + 8 * i, 4);
            add("IMAGE_DATA_DIRECTORY[" + i + "].Size", ddCount + 8 + 8 * i, 4);
        }
        sectionCount = u16(coff + 2);
        sectionTable = optionalHeader + u16(coff + 16);
        for (int i = 0; i < sectionCount; i++) {
            int h = sectionTable + 40 * i;
            add("IMAGE_SECTION_HEADER[" + i + "].VirtualSize", h + 8, 4);
            add("IMAGE_SECTION_HEADER[" + i + "].VirtualAddress", h + 12, 4);
            add("IMAGE_SECTION_HEADER[" + i + "].SizeOfRawData", h + 16, 4);
            add("IMAGE_SECTION_HEADER[" + i + "].PointerToRawData", h + 20, 4);
            add("IMAGE_SECTION_HEADER[" + i + "].Characteristics", h + 36, 4);
        }
        int cor = offsetOfRva(buf.getInt(ddCount + 4 + 8 * 14));
        add("IMAGE_COR20_HEADER.cb", cor, 4);
        add("IMAGE_COR20_HEADER.MetaData.VirtualAddress", cor + 8, 4);
        add("IMAGE_COR20_HEADER.MetaData.Size", cor + 12, 4);
        add("IMAGE_COR20_HEADER.Flags", cor + 16, 4);
        add("IMAGE_COR20_HEADER.ManagedNativeHeader.VirtualAddress", cor + 0x40, 4);
        add("IMAGE_COR20_HEADER.ManagedNativeHeader.Size", cor + 0x44, 4);
        int md = offsetOfRva(buf.getInt(cor + 8));
        add("MetadataRoot.Signature", md, 4);
        int versionLength = buf.getInt(md + 12);
        add("MetadataRoot.Length", md + 12, 4);
        int streams = md + 16 + versionLength + 2;
        add("MetadataRoot.Streams", streams, 2);
        int sh = streams + 2;
        for (int i = 0, n = u16(streams); i < n; i++) {
            add("MetadataStreamHeader[" + i + "].Offset", sh, 4);
            add("MetadataStreamHeader[" + i + "].Size", sh + 4, 4);
            int name = sh + 8;
            while (b[name] != 0) {
                name++;
            }
            sh = (name + 1 + 3) & ~3;
        }
        int r2r = offsetOfRva(buf.getInt(cor + 0x40));
        add("READYTORUN_HEADER.Signature", r2r, 4);
        add("READYTORUN_HEADER.MajorVersion", r2r + 4, 2);
        add("READYTORUN_HEADER.Flags", r2r + 8, 4);
        add("READYTORUN_HEADER.NumberOfSections", r2r + 12, 4);
        for (int i = 0, n = buf.getInt(r2r + 12); i < n; i++) {
            int e = r2r + 16 + 12 * i;
            int type = buf.getInt(e);
            add("READYTORUN_SECTION[" + i + "] (type " + type + ").Type", e, 4);
            add("READYTORUN_SECTION[" + i + "] (type " + type + ").VirtualAddress", e + 4, 4);
            add("READYTORUN_SECTION[" + i + "] (type " + type + ").Size", e + 8, 4);
            if (type == 101) { // ImportSections: 20-byte READYTORUN_IMPORT_SECTIONs
                int at = offsetOfRva(buf.getInt(e + 4));
                for (int k = 0; k < buf.getInt(e + 8) / 20; k++) {
                    int is = at + 20 * k;
                    add("READYTORUN_IMPORT_SECTION[" + k + "].Section.VirtualAddress", is, 4);
                    add("READYTORUN_IMPORT_SECTION[" + k + "].Section.Size", is + 4, 4);
                    add("READYTORUN_IMPORT_SECTION[" + k + "].Flags", is + 8, 2);
                    add("READYTORUN_IMPORT_SECTION[" + k + "].EntrySize", is + 11, 1);
                    add("READYTORUN_IMPORT_SECTION[" + k + "].Signatures", is + 12, 4);
                    add("READYTORUN_IMPORT_SECTION[" + k + "].AuxiliaryData", is + 16, 4);
                }
            } else if (type == 102) { // RuntimeFunctions: x64 {begin, end, unwind}, others {begin, unwind}
                int entry = u16(coff) == 0x8664 ? 12 : 8;
                int at = offsetOfRva(buf.getInt(e + 4));
                int count = buf.getInt(e + 8) / entry;
                for (int k : new int[] {0, count / 2, count - 1}) {
                    int rf = at + entry * k;
                    add("RUNTIME_FUNCTION[" + k + "].BeginAddress", rf, 4);
                    if (entry == 12) {
                        add("RUNTIME_FUNCTION[" + k + "].EndAddress", rf + 4, 4);
                    }
                    add("RUNTIME_FUNCTION[" + k + "].UnwindData", rf + entry - 4, 4);
                }
            }
        }
    }

    private void add(String name, int offset, int width) {
        long v = width == 1 ? b[offset] & 0xFF : width == 2 ? u16(offset) : width == 4 ? buf.getInt(offset) & 0xFFFFFFFFL : buf.getLong(offset);
        fields.add(new Field(name, offset, width, v));
    }

    private int u16(int offset) {
        return buf.getShort(offset) & 0xFFFF;
    }

    List<Field> fields() {
        return fields;
    }

    Field field(String name) {
        return fields.stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no field " + name));
    }

    /** File offset of an RVA, through the section table as the loader maps it (headers when below every section). */
    int offsetOfRva(long rva) {
        for (int i = 0; i < sectionCount; i++) {
            int h = sectionTable + 40 * i;
            long va = buf.getInt(h + 12) & 0xFFFFFFFFL;
            long raw = buf.getInt(h + 16) & 0xFFFFFFFFL;
            if (rva >= va && rva < va + raw) {
                return (int) (buf.getInt(h + 20) + (rva - va));
            }
        }
        return (int) rva;
    }

    /** A copy of the image with {@code f} set to {@code value} (its low {@code width} bytes). */
    static byte[] with(byte[] image, Field f, long value) {
        byte[] out = image.clone();
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        switch (f.width()) {
            case 1 -> out[f.offset()] = (byte) value;
            case 2 -> o.putShort(f.offset(), (short) value);
            case 4 -> o.putInt(f.offset(), (int) value);
            default -> o.putLong(f.offset(), value);
        }
        return out;
    }

    /**
     * A copy of the image moved to {@code newBase} as a consistent image: ImageBase set, and every DIR64 base
     * relocation (IMAGE_BASE_RELOCATION blocks of the .reloc directory) applied to the file's bytes.
     */
    static byte[] movedTo(byte[] image, long newBase) {
        PeFields pe = new PeFields(image);
        Field base = pe.field("OptionalHeader.ImageBase");
        long delta = newBase - base.value();
        byte[] out = with(image, base, newBase);
        ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int dir = pe.optionalHeader + (pe.pe32Plus ? 108 : 92) + 4 + 8 * 5;
        int at = pe.offsetOfRva(o.getInt(dir) & 0xFFFFFFFFL);
        int end = at + o.getInt(dir + 4);
        while (at + 8 <= end) {
            long page = o.getInt(at) & 0xFFFFFFFFL;
            int size = o.getInt(at + 4);
            for (int e = at + 8; e + 2 <= at + size; e += 2) {
                int entry = o.getShort(e) & 0xFFFF;
                if (entry >>> 12 == 10) { // IMAGE_REL_BASED_DIR64
                    int target = pe.offsetOfRva(page + (entry & 0xFFF));
                    o.putLong(target, o.getLong(target) + delta);
                }
            }
            at += size;
        }
        return out;
    }
}
