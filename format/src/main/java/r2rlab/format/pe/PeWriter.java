package r2rlab.format.pe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import r2rlab.format.BlobBuilder;

/**
 * Writes a PE32+ image the way crossgen2's PE writer lays it out (r2r-format.md §1.1, and the
 * fixtures where the two differ): the mirror of {@link PeImage}. Use in two steps: declare the
 * sections with their sizes and call {@link #layout()} to fix every RVA and file offset, then fill
 * the sections' bytes (relocations need the RVAs) and call {@link #write()}.
 *
 * <p>Windows targets use FileAlignment = SectionAlignment = 0x1000 (RVA = file offset). Other
 * 64-bit targets use 0x200 for both and place each section at the next 64 KiB boundary plus one
 * 64 KiB gap plus the low 16 bits of its file offset, which is what the Linux fixtures show (the
 * runtime maps sections itself there and needs RVA and file offset to agree modulo 64 KiB).
 */
public final class PeWriter {
    public static final int DOS_HEADER_SIZE = 0x80;
    public static final long IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
    public static final long IMAGE_FILE_LARGE_ADDRESS_AWARE = 0x0020;
    public static final long IMAGE_FILE_DLL = 0x2000;
    /** DYNAMIC_BASE | NX_COMPAT | TERMINAL_SERVER_AWARE | HIGH_ENTROPY_VA, as crossgen2 writes. */
    public static final int DLL_CHARACTERISTICS = 0x8160;
    public static final int SUBSYSTEM_WINDOWS_CUI = 3;
    private static final int OPTIONAL_HEADER_SIZE = 0xF0;

    /** A section: its name, characteristics and size, and after layout its RVA and file offset. */
    public static final class Section {
        final String name;
        final long characteristics;
        final int size;
        long rva;
        long fileOffset;
        long rawSize;
        byte[] data;

        Section(String name, long characteristics, int size) {
            this.name = name;
            this.characteristics = characteristics;
            this.size = size;
        }

        public String name() {
            return name;
        }

        public long rva() {
            return rva;
        }

        public long fileOffset() {
            return fileOffset;
        }

        public int size() {
            return size;
        }
    }

    private final int machine;
    private final boolean windows;
    private final long imageBase;
    private final int timeDateStamp;
    private final List<Section> sections = new ArrayList<>();
    private final DataDirectory[] directories = new DataDirectory[16];
    private final long fileAlignment;
    private final long sectionAlignment;
    private long sizeOfHeaders;
    private long sizeOfImage;
    private boolean laidOut;

    /**
     * @param machine the raw COFF machine value (architecture XOR OS constant, see {@link TargetOs})
     * @param timeDateStamp written as is; a deterministic writer derives it from the content
     */
    public PeWriter(int machine, TargetOs os, long imageBase, int timeDateStamp) {
        this.machine = machine;
        this.windows = os == TargetOs.WINDOWS;
        this.imageBase = imageBase;
        this.timeDateStamp = timeDateStamp;
        this.fileAlignment = windows ? 0x1000 : 0x200;
        this.sectionAlignment = windows ? 0x1000 : 0x200;
        Arrays.fill(directories, DataDirectory.EMPTY);
    }

    public Section addSection(String name, long characteristics, int size) {
        if (laidOut) {
            throw new IllegalStateException("sections are fixed once laid out");
        }
        if (name.getBytes(StandardCharsets.US_ASCII).length > 8) {
            throw new IllegalArgumentException("section name longer than 8 bytes: " + name);
        }
        Section s = new Section(name, characteristics, size);
        sections.add(s);
        return s;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) / a * a;
    }

    /** Fixes the RVA and file offset of every section. */
    public void layout() {
        long headers = DOS_HEADER_SIZE + 4 + PeImage.COFF_HEADER_SIZE + OPTIONAL_HEADER_SIZE + (long) SectionHeader.SIZE * sections.size();
        sizeOfHeaders = alignUp(headers, fileAlignment);
        long offset = sizeOfHeaders;
        long rvaEnd = windows ? sizeOfHeaders : 0;
        for (Section s : sections) {
            s.fileOffset = offset;
            s.rawSize = alignUp(s.size, fileAlignment);
            if (windows) {
                s.rva = alignUp(rvaEnd, sectionAlignment);
            } else {
                s.rva = alignUp(rvaEnd, 0x10000) + 0x10000 + (offset & 0xFFFF);
            }
            rvaEnd = s.rva + s.size;
            offset += s.rawSize;
        }
        sizeOfImage = alignUp(rvaEnd, sectionAlignment);
        laidOut = true;
    }

    public void setData(Section s, byte[] data) {
        if (data.length != s.size) {
            throw new IllegalArgumentException("section " + s.name + " was declared with " + s.size + " bytes, got " + data.length);
        }
        s.data = data;
    }

    public void setDirectory(int index, long rva, long size) {
        directories[index] = new DataDirectory(rva, size);
    }

    public long imageBase() {
        return imageBase;
    }

    public List<Section> sections() {
        return sections;
    }

    public byte[] write() {
        if (!laidOut) {
            throw new IllegalStateException("layout() first");
        }
        long total = sections.isEmpty() ? sizeOfHeaders : sections.get(sections.size() - 1).fileOffset + sections.get(sections.size() - 1).rawSize;
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        // DOS header: only e_magic and e_lfanew matter to loaders; the rest stays zero.
        b.putShort(0, (short) PeImage.IMAGE_DOS_SIGNATURE);
        b.putInt(0x3C, DOS_HEADER_SIZE);
        int p = DOS_HEADER_SIZE;
        b.putInt(p, (int) PeImage.IMAGE_NT_SIGNATURE);
        p += 4;
        b.putShort(p, (short) machine);
        b.putShort(p + 2, (short) sections.size());
        b.putInt(p + 4, timeDateStamp);
        b.putShort(p + 16, (short) OPTIONAL_HEADER_SIZE);
        b.putShort(p + 18, (short) (IMAGE_FILE_EXECUTABLE_IMAGE | IMAGE_FILE_LARGE_ADDRESS_AWARE | IMAGE_FILE_DLL));
        p += PeImage.COFF_HEADER_SIZE;
        int opt = p;
        long sizeOfCode = 0;
        long sizeOfInitializedData = 0;
        for (Section s : sections) {
            if ((s.characteristics & SectionHeader.IMAGE_SCN_CNT_CODE) != 0) {
                sizeOfCode += s.rawSize;
            } else if ((s.characteristics & SectionHeader.IMAGE_SCN_CNT_INITIALIZED_DATA) != 0) {
                sizeOfInitializedData += s.rawSize;
            }
        }
        b.putShort(opt, (short) PeImage.PE32PLUS_MAGIC);
        b.put(opt + 2, (byte) 11); // linker version 11.0, as crossgen2
        b.putInt(opt + 4, (int) sizeOfCode);
        b.putInt(opt + 8, (int) sizeOfInitializedData);
        b.putLong(opt + 24, imageBase);
        b.putInt(opt + 32, (int) sectionAlignment);
        b.putInt(opt + 36, (int) fileAlignment);
        b.putShort(opt + 40, (short) 4); // OS version 4.0
        b.putShort(opt + 48, (short) 4); // subsystem version 4.0
        b.putInt(opt + 56, (int) sizeOfImage);
        b.putInt(opt + 60, (int) sizeOfHeaders);
        b.putShort(opt + 68, (short) SUBSYSTEM_WINDOWS_CUI);
        b.putShort(opt + 70, (short) DLL_CHARACTERISTICS);
        b.putLong(opt + 72, 0x400000);
        b.putLong(opt + 80, 0x4000);
        b.putLong(opt + 88, 0x100000);
        b.putLong(opt + 96, 0x2000);
        b.putInt(opt + 108, 16);
        for (int i = 0; i < 16; i++) {
            b.putInt(opt + 112 + 8 * i, (int) directories[i].rva());
            b.putInt(opt + 116 + 8 * i, (int) directories[i].size());
        }
        p = opt + OPTIONAL_HEADER_SIZE;
        for (Section s : sections) {
            byte[] name = s.name.getBytes(StandardCharsets.US_ASCII);
            b.put(p, name, 0, name.length);
            b.putInt(p + 8, s.size);
            b.putInt(p + 12, (int) s.rva);
            b.putInt(p + 16, (int) s.rawSize);
            b.putInt(p + 20, (int) s.fileOffset);
            b.putInt(p + 36, (int) s.characteristics);
            p += SectionHeader.SIZE;
            if (s.data == null) {
                throw new IllegalStateException("section " + s.name + " has no data");
            }
            b.put((int) s.fileOffset, s.data);
        }
        return b.array();
    }

    /** The .reloc section for the given base relocations ({@link BaseRelocationBlock#of}). */
    public static byte[] baseRelocationBlocks(List<PeImage.BaseRelocation> relocations) {
        BlobBuilder b = new BlobBuilder();
        BaseRelocationBlock.of(relocations).forEach(block -> block.write(b));
        return b.toByteArray();
    }
}
