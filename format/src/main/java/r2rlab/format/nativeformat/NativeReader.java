package r2rlab.format.nativeformat;

import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * Reads NativeFormat data inside one window of the file (normally one READYTORUN section). Offsets
 * are file offsets; any read outside the window is a {@link FormatException} naming the structure.
 * Decoders return the value and leave the position just after it in {@link #next()}, which keeps
 * the hot path free of allocation (as the runtime's NativeReader does with its out-parameter).
 */
public final class NativeReader {
    private final ByteReader file;
    private final long start;
    private final long end;
    private final String structure;
    private long next;

    public NativeReader(ByteReader file, long start, long size, String structure) {
        file.require(structure, start, size);
        this.file = file;
        this.start = start;
        this.end = start + size;
        this.structure = structure;
    }

    public String structure() {
        return structure;
    }

    public ByteReader file() {
        return file;
    }

    public long start() {
        return start;
    }

    public long end() {
        return end;
    }

    public boolean contains(long offset) {
        return offset >= start && offset < end;
    }

    /** Position right after the last value decoded. */
    public long next() {
        return next;
    }

    public FormatException error(long offset, String problem) {
        return new FormatException(structure, offset, problem);
    }

    public int u8(long offset) {
        check(offset, 1);
        return file.array()[(int) offset] & 0xFF;
    }

    public int u16(long offset) {
        check(offset, 2);
        return file.u16(structure, offset);
    }

    public long u32(long offset) {
        check(offset, 4);
        return file.u32(structure, offset);
    }

    public void check(long offset, long size) {
        if (offset < start || offset + size > end) {
            throw error(offset, String.format("offset is outside the %s data (file offsets 0x%X..0x%X)", structure, start, end));
        }
    }

    /** NativeFormat unsigned integer (1-5 bytes; the count of trailing 1 bits in byte 0 gives the length). */
    public long decodeUnsigned(long offset) {
        int b0 = u8(offset);
        long v;
        if ((b0 & 1) == 0) {
            v = b0 >>> 1;
            next = offset + 1;
        } else if ((b0 & 2) == 0) {
            v = (b0 >>> 2) | (u8(offset + 1) << 6);
            next = offset + 2;
        } else if ((b0 & 4) == 0) {
            v = (b0 >>> 3) | (u8(offset + 1) << 5) | (u8(offset + 2) << 13);
            next = offset + 3;
        } else if ((b0 & 8) == 0) {
            v = (b0 >>> 4) | (u8(offset + 1) << 4) | (u8(offset + 2) << 12) | ((long) u8(offset + 3) << 20);
            next = offset + 4;
        } else if ((b0 & 16) == 0) {
            v = u32(offset + 1);
            next = offset + 5;
        } else {
            throw error(offset, String.format("byte 0x%02X starts no 32-bit NativeFormat integer", b0));
        }
        return v;
    }

    /** NativeFormat signed integer: the same layout, sign-extended from the last byte. */
    public int decodeSigned(long offset) {
        int b0 = u8(offset);
        int v;
        if ((b0 & 1) == 0) {
            v = ((byte) b0) >> 1;
            next = offset + 1;
        } else if ((b0 & 2) == 0) {
            v = (b0 >>> 2) | (((byte) u8(offset + 1)) << 6);
            next = offset + 2;
        } else if ((b0 & 4) == 0) {
            v = (b0 >>> 3) | (u8(offset + 1) << 5) | (((byte) u8(offset + 2)) << 13);
            next = offset + 3;
        } else if ((b0 & 8) == 0) {
            v = (b0 >>> 4) | (u8(offset + 1) << 4) | (u8(offset + 2) << 12) | (((byte) u8(offset + 3)) << 20);
            next = offset + 4;
        } else if ((b0 & 16) == 0) {
            v = (int) u32(offset + 1);
            next = offset + 5;
        } else {
            throw error(offset, String.format("byte 0x%02X starts no 32-bit NativeFormat integer", b0));
        }
        return v;
    }
}
