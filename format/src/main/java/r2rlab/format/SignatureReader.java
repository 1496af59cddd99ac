package r2rlab.format;

/**
 * Sequential reader of a signature blob (fixup signatures, method and type signatures) inside a
 * bounded window of the file. Integers use the ECMA-335 compressed encoding (II.23.2), which is
 * what ReadyToRun signatures use, not the NativeFormat one.
 */
public final class SignatureReader {
    private final ByteReader file;
    private final long end;
    private final String structure;
    private final long start;
    private long pos;

    public SignatureReader(ByteReader file, long offset, long end, String structure) {
        this.file = file;
        this.start = offset;
        this.pos = offset;
        this.end = Math.min(end, file.length());
        this.structure = structure;
    }

    public long position() {
        return pos;
    }

    public long start() {
        return start;
    }

    /** A count of items that each take at least one more byte: larger than the bytes left is an error, not an allocation. */
    public int readCount(String what) {
        long at = pos;
        int n = readUInt();
        if (n > remaining()) {
            throw error(at, what + " " + n + " exceeds the " + remaining() + " bytes left in the signature");
        }
        return n;
    }

    public String structure() {
        return structure;
    }

    public FormatException error(String problem) {
        return error(pos, problem);
    }

    /** A problem with the item that starts at file offset {@code at} (before the current position). */
    public FormatException error(long at, String problem) {
        return new FormatException(structure, at, problem);
    }

    /** Bytes left before the end of the signature's window. */
    public long remaining() {
        return end - pos;
    }

    public int peekByte() {
        if (pos >= end) {
            throw error("signature runs past the end of its section");
        }
        return file.array()[(int) pos] & 0xFF;
    }

    public int readByte() {
        int b = peekByte();
        pos++;
        return b;
    }

    /** ECMA-335 compressed unsigned integer ({@link CompressedInteger}). */
    public int readUInt() {
        int v = CompressedInteger.read(file.array(), pos, end, structure);
        pos += CompressedInteger.length(file.array()[(int) pos] & 0xFF);
        return v;
    }

    /** ECMA-335 compressed signed integer ({@link CompressedInteger#readSigned}). */
    public int readInt() {
        int v = CompressedInteger.readSigned(file.array(), pos, end, structure);
        pos += CompressedInteger.length(file.array()[(int) pos] & 0xFF);
        return v;
    }

    /** A raw little-endian u32 (the payload of ResumptionStubEntryPoint). */
    public long readU32() {
        if (pos + 4 > end) {
            throw error("signature runs past the end of its section");
        }
        long v = file.u32(structure, pos);
        pos += 4;
        return v;
    }

    public byte[] readBytes(int n) {
        if (n < 0 || pos + n > end) {
            throw error(n + " byte(s) needed, signature runs past the end of its section");
        }
        byte[] b = file.bytes(structure, pos, n);
        pos += n;
        return b;
    }

    /** The bytes from the signature's start to the current position. */
    public byte[] consumed() {
        return file.bytes(structure, start, (int) (pos - start));
    }
}
