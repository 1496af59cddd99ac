package r2rlab.format;

import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads at absolute offsets of an immutable byte array. Every read
 * that would leave the array throws a {@link FormatException} naming the structure being read.
 */
public final class ByteReader {
    private final byte[] data;

    public ByteReader(byte[] data) {
        this.data = data;
    }

    public int length() {
        return data.length;
    }

    /** The backing array; callers must not modify it. */
    public byte[] array() {
        return data;
    }

    public void require(String structure, long offset, long size) {
        if (offset < 0 || size < 0 || offset + size > data.length) {
            throw new FormatException(structure, offset,
                    size + " byte(s) needed but the file has " + Math.max(0, data.length - Math.max(offset, 0))
                            + " left (file size 0x" + Integer.toHexString(data.length) + ")");
        }
    }

    public int u8(String structure, long offset) {
        require(structure, offset, 1);
        return data[(int) offset] & 0xFF;
    }

    public int u16(String structure, long offset) {
        require(structure, offset, 2);
        int o = (int) offset;
        return (data[o] & 0xFF) | (data[o + 1] & 0xFF) << 8;
    }

    public int i32(String structure, long offset) {
        require(structure, offset, 4);
        int o = (int) offset;
        return (data[o] & 0xFF) | (data[o + 1] & 0xFF) << 8 | (data[o + 2] & 0xFF) << 16 | (data[o + 3] & 0xFF) << 24;
    }

    /** An unsigned 32-bit value widened to long. */
    public long u32(String structure, long offset) {
        return i32(structure, offset) & 0xFFFFFFFFL;
    }

    public long u64(String structure, long offset) {
        require(structure, offset, 8);
        return u32(structure, offset) | (u32(structure, offset + 4) << 32);
    }

    public byte[] bytes(String structure, long offset, int size) {
        require(structure, offset, size);
        byte[] out = new byte[size];
        System.arraycopy(data, (int) offset, out, 0, size);
        return out;
    }

    /**
     * A NUL-terminated UTF-8 string. Stops at the NUL or after {@code max} bytes, whichever comes
     * first; running off the end of the file first is an error.
     */
    public String cString(String structure, long offset, int max) {
        require(structure, offset, 1);
        int start = (int) offset;
        int limit = (int) Math.min((long) data.length, offset + max);
        int end = start;
        while (end < limit && data[end] != 0) {
            end++;
        }
        if (end == data.length && end - start < max) {
            throw new FormatException(structure, offset, "string has no terminating NUL before the end of the file");
        }
        return new String(data, start, end - start, StandardCharsets.UTF_8);
    }
}
