package r2rlab.format.pe;

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

    public static final DataDirectory EMPTY = new DataDirectory(0, 0);

    public boolean isEmpty() {
        return rva == 0 && size == 0;
    }
}
