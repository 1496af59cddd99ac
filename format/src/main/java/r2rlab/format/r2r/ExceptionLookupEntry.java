package r2rlab.format.r2r;

import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/**
 * READYTORUN_EXCEPTION_LOOKUP_TABLE_ENTRY of the ExceptionInfo section (104): a method body's start
 * RVA and the RVA of its EH clauses. Entries are sorted by method start for the runtime's binary
 * search and end with a sentinel whose ExceptionInfo marks the end of the last clause array, so a
 * method's clause count is the distance to the next entry's ExceptionInfo / {@link ExceptionClause#SIZE}.
 */
public record ExceptionLookupEntry(long methodStartRva, long exceptionInfoRva) {
    public static final int METHOD_START_OFFSET = 0;
    public static final int EXCEPTION_INFO_OFFSET = 4;
    public static final int SIZE = 8;
    /** MethodStart of the entry that ends the table. */
    public static final long SENTINEL = 0xFFFFFFFFL;

    public static ExceptionLookupEntry read(ByteReader file, long offset) {
        String s = "READYTORUN_EXCEPTION_LOOKUP_TABLE_ENTRY";
        file.require(s, offset, SIZE);
        return new ExceptionLookupEntry(file.u32(s + ".MethodStart", offset + METHOD_START_OFFSET),
                file.u32(s + ".ExceptionInfo", offset + EXCEPTION_INFO_OFFSET));
    }

    public boolean isSentinel() {
        return methodStartRva == SENTINEL;
    }

    public void write(BlobBuilder b) {
        b.u32(methodStartRva).u32(exceptionInfoRva);
    }
}
