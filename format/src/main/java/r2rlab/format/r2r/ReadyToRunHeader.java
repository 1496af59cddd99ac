package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * READYTORUN_HEADER (r2r-format.md §1.4): Signature 'RTR', MajorVersion, MinorVersion, Flags and
 * NumberOfSections, then the READYTORUN_SECTION table, sorted by type (the runtime's FindSection
 * requires it).
 */
public record ReadyToRunHeader(int majorVersion, int minorVersion, int flags, List<Section> sections) {
    /** 'R','T','R',0 read as a little-endian u32. */
    public static final int SIGNATURE = 0x00525452;
    public static final int SIGNATURE_OFFSET = 0;
    public static final int MAJOR_VERSION_OFFSET = 4;
    public static final int MINOR_VERSION_OFFSET = 6;
    public static final int FLAGS_OFFSET = 8;
    public static final int NUMBER_OF_SECTIONS_OFFSET = 12;
    /** The fixed part; the section table follows it. */
    public static final int SIZE = 16;

    /** Version of the .NET 11 preview 4 images with runtime-async code. */
    public static final int NET11_MAJOR_VERSION = 18;
    public static final int NET11_MINOR_VERSION = 5;

    public static final int FLAG_PLATFORM_NEUTRAL_SOURCE = 0x001;
    public static final int FLAG_SKIP_TYPE_VALIDATION = 0x002;
    public static final int FLAG_PARTIAL = 0x004;
    public static final int FLAG_NONSHARED_PINVOKE_STUBS = 0x008;
    public static final int FLAG_EMBEDDED_MSIL = 0x010;
    public static final int FLAG_COMPONENT = 0x020;
    public static final int FLAG_MULTIMODULE_VERSION_BUBBLE = 0x040;
    public static final int FLAG_UNRELATED_R2R_CODE = 0x080;
    public static final int FLAG_PLATFORM_NATIVE_IMAGE = 0x100;

    private static final String[] FLAG_NAMES = {
        "PLATFORM_NEUTRAL_SOURCE", "SKIP_TYPE_VALIDATION", "PARTIAL", "NONSHARED_PINVOKE_STUBS",
        "EMBEDDED_MSIL", "COMPONENT", "MULTIMODULE_VERSION_BUBBLE", "UNRELATED_R2R_CODE", "PLATFORM_NATIVE_IMAGE",
    };

    public ReadyToRunHeader {
        sections = List.copyOf(sections);
    }

    /** READYTORUN_SECTION: Type, RVA, Size. */
    public record Section(int type, long rva, long size) {
        public static final int TYPE_OFFSET = 0;
        public static final int RVA_OFFSET = 4;
        public static final int SIZE_OFFSET = 8;
        public static final int SIZE = 12;

        public static Section read(ByteReader file, long offset) {
            String s = "READYTORUN_SECTION";
            file.require(s, offset, SIZE);
            return new Section(file.i32(s + ".Type", offset + TYPE_OFFSET), file.u32(s + ".RVA", offset + RVA_OFFSET),
                    file.u32(s + ".Size", offset + SIZE_OFFSET));
        }

        public void write(BlobBuilder b) {
            b.u32(type).u32(rva).u32(size);
        }
    }

    /** Header and section table together. */
    public int size() {
        return SIZE + Section.SIZE * sections.size();
    }

    public static ReadyToRunHeader read(ByteReader file, long offset) {
        String s = "READYTORUN_HEADER";
        int signature = file.i32(s + ".Signature", offset + SIGNATURE_OFFSET);
        if (signature != SIGNATURE) {
            throw new FormatException(s + ".Signature", offset, String.format("0x%08X is not 'RTR'", signature));
        }
        int major = file.u16(s + ".MajorVersion", offset + MAJOR_VERSION_OFFSET);
        int minor = file.u16(s + ".MinorVersion", offset + MINOR_VERSION_OFFSET);
        int flags = file.i32(s + ".Flags", offset + FLAGS_OFFSET);
        long count = file.u32(s + ".NumberOfSections", offset + NUMBER_OF_SECTIONS_OFFSET);
        long table = offset + SIZE;
        if (count * Section.SIZE > file.length() - table) {
            throw new FormatException(s + ".NumberOfSections", offset + NUMBER_OF_SECTIONS_OFFSET, count + " sections do not fit in the file");
        }
        List<Section> sections = new ArrayList<>((int) count);
        for (int i = 0; i < count; i++) {
            long e = table + (long) i * Section.SIZE;
            Section sec = Section.read(file, e);
            if (!sections.isEmpty() && sections.get(sections.size() - 1).type() >= sec.type()) {
                throw new FormatException("READYTORUN_SECTION[" + i + "].Type", e, "section types are not sorted ascending ("
                        + sec.type() + " after " + sections.get(sections.size() - 1).type() + "); the runtime requires it");
            }
            sections.add(sec);
        }
        return new ReadyToRunHeader(major, minor, flags, sections);
    }

    /** Writes the header and its section table; the sections must already be sorted by type. */
    public void write(BlobBuilder b) {
        b.u32(SIGNATURE).u16(majorVersion).u16(minorVersion).u32(flags).u32(sections.size());
        sections.forEach(sec -> sec.write(b));
    }

    public static String flagsName(int flags) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            if ((flags & (1 << i)) != 0) {
                if (sb.length() > 0) {
                    sb.append(" | ");
                }
                sb.append(i < FLAG_NAMES.length ? "READYTORUN_FLAG_" + FLAG_NAMES[i] : String.format("0x%X", 1 << i));
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
