package r2rlab.format.gcinfo;

import r2rlab.format.FormatException;

/**
 * The GcInfo bit stream as the runtime's {@code BitStreamReader} reads it: bits LSB first from consecutive bytes,
 * bit 0 being the low bit of the blob's first byte, and the var-length integers of {@code DecodeVarLengthUnsigned}
 * and {@code DecodeVarLengthSigned}. Every read is checked against the end of the bytes; an error names the
 * structure and the bit position (counted from the blob's first bit).
 */
final class GcBitReader {
    /** Var-length integers of r2rlab's model are ints: more chunks than 32 bits of value are an error. */
    private static final int MAX_VALUE_BITS = 32;

    private final byte[] data;
    private final long start;
    private final long limitBits;
    private final String structure;
    private long pos;
    /** Value bits read by the last var-length integer. */
    private int lastShift;
    /** The field being read, for error messages. */
    String field = "header";

    /** A reader of the blob at {@code data[start]}, which may extend to the end of {@code data}. */
    GcBitReader(byte[] data, long start, String structure) {
        this.data = data;
        this.start = start;
        this.limitBits = Math.max(0, (data.length - start) * 8);
        this.structure = structure;
    }

    long position() {
        return pos;
    }

    void seek(long bit) {
        if (bit < 0 || bit > limitBits) {
            throw error(bit, "points outside the image (" + limitBits + " bits left from the blob's start)");
        }
        pos = bit;
    }

    /** Bits left from the current position to the end of the bytes. */
    long remaining() {
        return limitBits - pos;
    }

    /** Fails unless {@code count} items of at least {@code bitsEach} bits (at least 1) fit the bits left. */
    void requireItems(long count, long bitsEach, String what) {
        if (count < 0 || count * Math.max(1, bitsEach) > remaining()) {
            throw error(pos, count + " " + what + " cannot fit the " + remaining() + " bits left");
        }
    }

    FormatException error(long bit, String problem) {
        return new FormatException(structure, start + Math.min(bit, limitBits) / 8, field + " at bit " + bit + ": " + problem);
    }

    /** {@code n} (0-32) bits, the first read as bit 0 of the value. */
    int read(int n) {
        if (n > remaining()) {
            throw error(pos, n + " bit(s) needed, the image ends " + remaining() + " bit(s) after it");
        }
        long v = 0;
        int got = 0;
        long p = pos;
        while (got < n) {
            int b = data[(int) (start + (p >>> 3))] & 0xFF;
            int shift = (int) (p & 7);
            int take = Math.min(8 - shift, n - got);
            v |= (long) ((b >>> shift) & ((1 << take) - 1)) << got;
            got += take;
            p += take;
        }
        pos = p;
        return (int) v;
    }

    boolean readBit() {
        if (pos >= limitBits) {
            throw error(pos, "1 bit(s) needed, the image ends 0 bit(s) after it");
        }
        boolean bit = (data[(int) (start + (pos >>> 3))] >>> (int) (pos & 7) & 1) != 0;
        pos++;
        return bit;
    }

    /** EncodeVarLengthUnsigned's inverse: chunks of {@code base} value bits, each followed by a "more" bit. */
    int readVarUnsigned(int base) {
        long at = pos;
        return checked(readChunks(base), at);
    }

    /** EncodeVarLengthSigned's inverse: as unsigned, then sign-extended from the last chunk's top value bit. */
    int readVarSigned(int base) {
        long at = pos;
        long result = readChunks(base);
        if ((result & (1L << (lastShift - 1))) != 0) {
            result -= 1L << lastShift;
        }
        return checked(result, at);
    }

    /** The value bits of the chunks, the last one's "more" bit clear; {@link #lastShift} is their count. */
    private long readChunks(int base) {
        long result = 0;
        int shift = 0;
        long at = pos;
        while (true) {
            int chunk = read(base + 1);
            result |= (long) (chunk & ((1 << base) - 1)) << shift;
            shift += base;
            if ((chunk & (1 << base)) == 0) {
                lastShift = shift;
                return result;
            }
            if (shift >= MAX_VALUE_BITS) {
                throw error(at, "var-length integer longer than " + MAX_VALUE_BITS + " bits");
            }
        }
    }

    private int checked(long value, long at) {
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw error(at, "var-length integer " + value + " out of range");
        }
        return (int) value;
    }
}
