package r2rlab.format.pe;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * IMAGE_BASE_RELOCATION: one 4 KiB page's block of the .reloc section. VirtualAddress (the page
 * RVA) and SizeOfBlock, then u16 entries of {@code type << 12 | offset in the page}; a block is
 * padded to 4 bytes with an {@link RelocType#IMAGE_REL_BASED_ABSOLUTE} entry, which patches nothing.
 */
public record BaseRelocationBlock(long pageRva, List<Integer> entries) {
    public static final int VIRTUAL_ADDRESS_OFFSET = 0;
    public static final int SIZE_OF_BLOCK_OFFSET = 4;
    /** The block header; the entries follow it. */
    public static final int HEADER_SIZE = 8;
    public static final int ENTRY_SIZE = 2;
    public static final int PAGE_SIZE = 0x1000;

    public BaseRelocationBlock {
        entries = List.copyOf(entries);
    }

    public static int entry(int type, long pageOffset) {
        return type << 12 | (int) (pageOffset & (PAGE_SIZE - 1));
    }

    public static int entryType(int entry) {
        return entry >>> 12;
    }

    public static int entryOffset(int entry) {
        return entry & (PAGE_SIZE - 1);
    }

    public long sizeOfBlock() {
        return HEADER_SIZE + (long) ENTRY_SIZE * entries.size();
    }

    /** Reads the block at {@code offset}; it must end by {@code end}, the end of the directory. */
    public static BaseRelocationBlock read(ByteReader file, long offset, long end) {
        long pageRva = file.u32("IMAGE_BASE_RELOCATION.VirtualAddress", offset + VIRTUAL_ADDRESS_OFFSET);
        long blockSize = file.u32("IMAGE_BASE_RELOCATION.SizeOfBlock", offset + SIZE_OF_BLOCK_OFFSET);
        if (blockSize < HEADER_SIZE || offset + blockSize > end || blockSize % ENTRY_SIZE != 0) {
            throw new FormatException("IMAGE_BASE_RELOCATION.SizeOfBlock", offset + SIZE_OF_BLOCK_OFFSET,
                    "block size " + blockSize + " is not an even size between 8 and the end of the directory");
        }
        List<Integer> entries = new ArrayList<>();
        for (long e = offset + HEADER_SIZE; e < offset + blockSize; e += ENTRY_SIZE) {
            entries.add(file.u16("IMAGE_BASE_RELOCATION entry", e));
        }
        return new BaseRelocationBlock(pageRva, entries);
    }

    public void write(BlobBuilder b) {
        b.u32(pageRva).u32(sizeOfBlock());
        entries.forEach(b::u16);
    }

    /** The fix-ups the block asks for, ABSOLUTE padding left out. */
    public List<PeImage.BaseRelocation> relocations() {
        List<PeImage.BaseRelocation> out = new ArrayList<>();
        for (int e : entries) {
            if (entryType(e) != RelocType.IMAGE_REL_BASED_ABSOLUTE) {
                out.add(new PeImage.BaseRelocation(pageRva + entryOffset(e), entryType(e)));
            }
        }
        return out;
    }

    /** The blocks of a .reloc section: one per page in ascending order, entries sorted, each padded to 4 bytes. */
    public static List<BaseRelocationBlock> of(List<PeImage.BaseRelocation> relocations) {
        TreeMap<Long, List<Integer>> pages = new TreeMap<>();
        for (PeImage.BaseRelocation r : relocations) {
            pages.computeIfAbsent(r.rva() & -PAGE_SIZE, k -> new ArrayList<>()).add(entry(r.type(), r.rva()));
        }
        List<BaseRelocationBlock> out = new ArrayList<>();
        pages.forEach((page, entries) -> {
            entries.sort(null);
            if (entries.size() % 2 != 0) {
                entries.add(entry(RelocType.IMAGE_REL_BASED_ABSOLUTE, 0));
            }
            out.add(new BaseRelocationBlock(page, entries));
        });
        return out;
    }
}
