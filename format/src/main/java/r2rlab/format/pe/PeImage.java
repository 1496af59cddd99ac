package r2rlab.format.pe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * The PE/COFF envelope of an image: DOS header, COFF file header, PE32 or PE32+ optional header,
 * data directories and section table, with RVA-to-file-offset mapping and the base relocations.
 */
public final class PeImage {
    public static final int IMAGE_DOS_SIGNATURE = 0x5A4D;       // "MZ"
    public static final long IMAGE_NT_SIGNATURE = 0x00004550L;  // "PE\0\0"
    public static final int PE32_MAGIC = 0x10B;
    public static final int PE32PLUS_MAGIC = 0x20B;
    public static final int COFF_HEADER_SIZE = 20;
    /** Sanity limit: the PE format allows at most 96 sections for the Windows loader. */
    public static final int MAX_SECTIONS = 96;

    private final ByteReader file;
    private final int peHeaderOffset;
    private final int rawMachine;
    private final TargetOs.MachineAndOs machineAndOs;
    private final int timeDateStamp;
    private final int characteristics;
    private final int magic;
    private final long imageBase;
    private final long sectionAlignment;
    private final long fileAlignment;
    private final long sizeOfImage;
    private final long sizeOfHeaders;
    private final int dllCharacteristics;
    private final List<DataDirectory> dataDirectories;
    /** File offset of the NumberOfRvaAndSizes field; the directories follow it. */
    private final int dataDirectoryCountOffset;
    private final long numberOfRvaAndSizes;
    private final List<SectionHeader> sections;

    private PeImage(ByteReader file) {
        this.file = file;
        if (file.length() < 0x40) {
            throw new FormatException("IMAGE_DOS_HEADER", 0, "file is " + file.length() + " bytes, too short for a DOS header (64 bytes)");
        }
        if (file.u16("IMAGE_DOS_HEADER", 0) != IMAGE_DOS_SIGNATURE) {
            throw new FormatException("IMAGE_DOS_HEADER", 0, "no MZ signature: not a PE image");
        }
        long lfanew = file.u32("IMAGE_DOS_HEADER.e_lfanew", 0x3C);
        if (lfanew + 4 + COFF_HEADER_SIZE > file.length()) {
            throw new FormatException("IMAGE_DOS_HEADER.e_lfanew", 0x3C, "points to 0x" + Long.toHexString(lfanew) + ", past the end of the file");
        }
        peHeaderOffset = (int) lfanew;
        if (file.u32("IMAGE_NT_HEADERS", peHeaderOffset) != IMAGE_NT_SIGNATURE) {
            throw new FormatException("IMAGE_NT_HEADERS", peHeaderOffset, "no PE\\0\\0 signature");
        }
        int coff = peHeaderOffset + 4;
        rawMachine = file.u16("IMAGE_FILE_HEADER.Machine", coff);
        machineAndOs = TargetOs.decode(rawMachine);
        if (machineAndOs == null) {
            throw new FormatException("IMAGE_FILE_HEADER.Machine", coff,
                    String.format("machine 0x%04X is no known architecture under any OS override", rawMachine));
        }
        int numberOfSections = file.u16("IMAGE_FILE_HEADER.NumberOfSections", coff + 2);
        timeDateStamp = file.i32("IMAGE_FILE_HEADER.TimeDateStamp", coff + 4);
        int sizeOfOptionalHeader = file.u16("IMAGE_FILE_HEADER.SizeOfOptionalHeader", coff + 16);
        characteristics = file.u16("IMAGE_FILE_HEADER.Characteristics", coff + 18);

        int opt = coff + COFF_HEADER_SIZE;
        magic = file.u16("IMAGE_OPTIONAL_HEADER.Magic", opt);
        boolean plus;
        if (magic == PE32PLUS_MAGIC) {
            plus = true;
        } else if (magic == PE32_MAGIC) {
            plus = false;
        } else {
            throw new FormatException("IMAGE_OPTIONAL_HEADER.Magic", opt, String.format("magic 0x%X is neither PE32 (0x10B) nor PE32+ (0x20B)", magic));
        }
        String oh = plus ? "IMAGE_OPTIONAL_HEADER64" : "IMAGE_OPTIONAL_HEADER32";
        imageBase = plus ? file.u64(oh + ".ImageBase", opt + 24) : file.u32(oh + ".ImageBase", opt + 28);
        sectionAlignment = file.u32(oh + ".SectionAlignment", opt + 32);
        fileAlignment = file.u32(oh + ".FileAlignment", opt + 36);
        sizeOfImage = file.u32(oh + ".SizeOfImage", opt + 56);
        sizeOfHeaders = file.u32(oh + ".SizeOfHeaders", opt + 60);
        dllCharacteristics = file.u16(oh + ".DllCharacteristics", opt + 70);
        int ddCountOffset = opt + (plus ? 108 : 92);
        dataDirectoryCountOffset = ddCountOffset;
        numberOfRvaAndSizes = file.u32(oh + ".NumberOfRvaAndSizes", ddCountOffset);
        int ddBytesAvailable = sizeOfOptionalHeader - (ddCountOffset + 4 - opt);
        if (numberOfRvaAndSizes > 16 || numberOfRvaAndSizes * DataDirectory.SIZE > ddBytesAvailable) {
            throw new FormatException(oh + ".NumberOfRvaAndSizes", ddCountOffset,
                    numberOfRvaAndSizes + " data directories do not fit the optional header of " + sizeOfOptionalHeader + " bytes");
        }
        List<DataDirectory> dirs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            if (i < numberOfRvaAndSizes) {
                dirs.add(DataDirectory.read(file, "IMAGE_DATA_DIRECTORY[" + i + "]", ddCountOffset + 4 + (long) DataDirectory.SIZE * i));
            } else {
                dirs.add(DataDirectory.EMPTY);
            }
        }
        dataDirectories = Collections.unmodifiableList(dirs);

        if (numberOfSections > MAX_SECTIONS) {
            throw new FormatException("IMAGE_FILE_HEADER.NumberOfSections", coff + 2, numberOfSections + " sections (at most " + MAX_SECTIONS + ")");
        }
        int sectionTable = opt + sizeOfOptionalHeader;
        file.require("IMAGE_SECTION_HEADER table", sectionTable, (long) numberOfSections * SectionHeader.SIZE);
        List<SectionHeader> secs = new ArrayList<>();
        long sectionsEnd = 0;
        for (int i = 0; i < numberOfSections; i++) {
            int o = sectionTable + i * SectionHeader.SIZE;
            String st = "IMAGE_SECTION_HEADER[" + i + "]";
            byte[] nameBytes = file.bytes(st, o, 8);
            int n = 0;
            while (n < 8 && nameBytes[n] != 0) {
                n++;
            }
            SectionHeader s = new SectionHeader(new String(nameBytes, 0, n, StandardCharsets.US_ASCII),
                    file.u32(st, o + 8), file.u32(st, o + 12), file.u32(st, o + 16), file.u32(st, o + 20), file.u32(st, o + 36));
            if (s.sizeOfRawData() != 0 && s.pointerToRawData() + s.sizeOfRawData() > file.length()) {
                throw new FormatException(st + " (" + s.name() + ")", o + 16, String.format(
                        "raw data 0x%X..0x%X runs past the end of the file (0x%X bytes)",
                        s.pointerToRawData(), s.pointerToRawData() + s.sizeOfRawData(), file.length()));
            }
            if (s.virtualAddress() + s.mappedSize() > MAX_RVA) {
                throw new FormatException(st + " (" + s.name() + ")", o + 12, String.format(
                        "VirtualAddress 0x%X with VirtualSize 0x%X runs past the 4 GiB an image can span",
                        s.virtualAddress(), s.mappedSize()));
            }
            secs.add(s);
            sectionsEnd = Math.max(sectionsEnd, s.virtualAddress() + s.mappedSize());
        }
        sections = Collections.unmodifiableList(secs);
        if (sizeOfImage < sectionsEnd) {
            throw new FormatException(oh + ".SizeOfImage", opt + 56, String.format(
                    "0x%X does not cover the sections, which are mapped up to RVA 0x%X", sizeOfImage, sectionsEnd));
        }
    }

    /** RVAs are 32-bit: no section reaches past 4 GiB. */
    private static final long MAX_RVA = 1L << 32;

    /** Parses the headers of a PE image; throws {@link FormatException} on anything malformed. */
    public static PeImage read(byte[] bytes) {
        return new PeImage(new ByteReader(bytes));
    }

    public ByteReader file() {
        return file;
    }

    public int rawMachine() {
        return rawMachine;
    }

    public Machine machine() {
        return machineAndOs.machine();
    }

    public TargetOs os() {
        return machineAndOs.os();
    }

    public boolean isPe32Plus() {
        return magic == PE32PLUS_MAGIC;
    }

    public int pointerSize() {
        return isPe32Plus() ? 8 : 4;
    }

    public int timeDateStamp() {
        return timeDateStamp;
    }

    public int characteristics() {
        return characteristics;
    }

    public long imageBase() {
        return imageBase;
    }

    public long sectionAlignment() {
        return sectionAlignment;
    }

    public long fileAlignment() {
        return fileAlignment;
    }

    public long sizeOfImage() {
        return sizeOfImage;
    }

    public long sizeOfHeaders() {
        return sizeOfHeaders;
    }

    public int dllCharacteristics() {
        return dllCharacteristics;
    }

    public DataDirectory dataDirectory(int index) {
        return dataDirectories.get(index);
    }

    /**
     * File offset of data directory {@code index}'s entry; for a directory past NumberOfRvaAndSizes, the offset of
     * that count (the field that leaves it out).
     */
    public long dataDirectoryOffset(int index) {
        return index < numberOfRvaAndSizes ? dataDirectoryCountOffset + 4L + (long) DataDirectory.SIZE * index : dataDirectoryCountOffset;
    }

    public List<SectionHeader> sections() {
        return sections;
    }

    /** The section whose mapped range holds {@code rva}, or null. */
    public SectionHeader sectionForRva(long rva) {
        for (SectionHeader s : sections) {
            if (s.containsRva(rva)) {
                return s;
            }
        }
        return null;
    }

    /**
     * File offset of {@code size} bytes at {@code rva}. All of them must lie in one section's raw
     * data (or in the headers); otherwise the structure is reported as out of the file.
     */
    public long rvaToOffset(String structure, long rva, long size) {
        return rvaToOffset(structure, -1, rva, size);
    }

    /**
     * As {@link #rvaToOffset(String, long, long)}, for an RVA that was read from the file at
     * {@code referencedAt}: errors name that offset, since the RVA itself is not in the file.
     */
    public long rvaToOffset(String structure, long referencedAt, long rva, long size) {
        if (rva >= 0 && rva + size <= sizeOfHeaders && rva + size <= file.length() && rva < sectionsStart()) {
            return rva;
        }
        for (SectionHeader s : sections) {
            if (s.containsRva(rva)) {
                long delta = rva - s.virtualAddress();
                if (delta + size > s.sizeOfRawData()) {
                    throw new FormatException(structure, referencedAt, String.format(
                            "RVA 0x%X..0x%X runs past the file data of section %s (RVA 0x%X, 0x%X raw bytes)",
                            rva, rva + size, s.name(), s.virtualAddress(), s.sizeOfRawData()));
                }
                return s.pointerToRawData() + delta;
            }
        }
        throw new FormatException(structure, referencedAt, String.format("RVA 0x%X is outside every section", rva));
    }

    private long sectionsStart() {
        long min = Long.MAX_VALUE;
        for (SectionHeader s : sections) {
            min = Math.min(min, s.virtualAddress());
        }
        return min;
    }

    /** The section whose file data holds {@code rva} (its first min(SizeOfRawData, mapped size) bytes), or null. */
    public SectionHeader fileDataSection(long rva) {
        for (SectionHeader s : sections) {
            if (rva >= s.virtualAddress() && rva < s.virtualAddress() + fileDataSize(s)) {
                return s;
            }
        }
        return null;
    }

    /** Bytes of a section that come from the file once it is mapped. */
    public static long fileDataSize(SectionHeader s) {
        return Math.min(s.sizeOfRawData(), s.mappedSize());
    }

    /** Whether {@code rva} maps to file data (an RVA of 0 never does). */
    public boolean isMappedRva(long rva) {
        if (rva == 0) {
            return false;
        }
        for (SectionHeader s : sections) {
            if (rva >= s.virtualAddress() && rva < s.virtualAddress() + s.sizeOfRawData()) {
                return true;
            }
        }
        return false;
    }

    /** Base relocation entries (IMAGE_BASE_RELOCATION blocks), in file order. */
    public List<BaseRelocation> baseRelocations() {
        DataDirectory dir = dataDirectory(DataDirectory.BASERELOC);
        List<BaseRelocation> out = new ArrayList<>();
        if (dir.isEmpty()) {
            return out;
        }
        long start = rvaToOffset("IMAGE_BASE_RELOCATION directory", dataDirectoryOffset(DataDirectory.BASERELOC), dir.rva(), dir.size());
        long end = start + dir.size();
        long p = start;
        while (p + BaseRelocationBlock.HEADER_SIZE <= end) {
            BaseRelocationBlock block = BaseRelocationBlock.read(file, p, end);
            out.addAll(block.relocations());
            p += block.sizeOfBlock();
        }
        return out;
    }

    /** One fix-up of the base relocation table: the RVA to patch and its {@link RelocType} IMAGE_REL_BASED_* type. */
    public record BaseRelocation(long rva, int type) {
    }
}
