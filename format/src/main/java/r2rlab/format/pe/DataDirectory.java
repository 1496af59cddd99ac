package r2rlab.format.pe;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/** IMAGE_DATA_DIRECTORY: an RVA and a size. */
public record DataDirectory(long rva, long size) {
    public static final int EXPORT = 0;
    public static final int IMPORT = 1;
    public static final int RESOURCE = 2;
    public static final int EXCEPTION = 3;
    public static final int SECURITY = 4;
    public static final int BASERELOC = 5;
    public static final int DEBUG = 6;
    public static final int COM_DESCRIPTOR = 14;

    public static final int RVA_OFFSET = 0;
    public static final int SIZE_OFFSET = 4;
    /** Bytes of one directory entry. */
    public static final int SIZE = 8;

    public static final DataDirectory EMPTY = new DataDirectory(0, 0);

    public boolean isEmpty() {
        return rva == 0 && size == 0;
    }

    /** Reads the directory at {@code offset}; errors name {@code structure} (the directory's owner and field). */
    public static DataDirectory read(ByteReader file, String structure, long offset) {
        return new DataDirectory(file.u32(structure, offset + RVA_OFFSET), file.u32(structure, offset + SIZE_OFFSET));
    }

    public void write(BlobBuilder b) {
        b.u32(rva).u32(size);
    }
}
