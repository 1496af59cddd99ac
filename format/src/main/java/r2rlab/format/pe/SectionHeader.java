package r2rlab.format.pe;

/**
 * IMAGE_SECTION_HEADER (40 bytes): Name[8], VirtualSize, VirtualAddress, SizeOfRawData,
 * PointerToRawData, PointerToRelocations, PointerToLinenumbers, NumberOfRelocations,
 * NumberOfLinenumbers, Characteristics.
 */
public record SectionHeader(String name, long virtualSize, long virtualAddress, long sizeOfRawData,
                            long pointerToRawData, long characteristics) {
    public static final int SIZE = 40;
    public static final long IMAGE_SCN_CNT_CODE = 0x00000020L;
    public static final long IMAGE_SCN_CNT_INITIALIZED_DATA = 0x00000040L;
    public static final long IMAGE_SCN_MEM_DISCARDABLE = 0x02000000L;
    public static final long IMAGE_SCN_MEM_EXECUTE = 0x20000000L;
    public static final long IMAGE_SCN_MEM_READ = 0x40000000L;
    public static final long IMAGE_SCN_MEM_WRITE = 0x80000000L;

    /** Bytes the section occupies once mapped (VirtualSize, or the raw size when VirtualSize is 0). */
    public long mappedSize() {
        return virtualSize != 0 ? virtualSize : sizeOfRawData;
    }

    public boolean containsRva(long rva) {
        return rva >= virtualAddress && rva < virtualAddress + Math.max(mappedSize(), sizeOfRawData);
    }
}
