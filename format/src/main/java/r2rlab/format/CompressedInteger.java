package r2rlab.format;

import java.io.ByteArrayOutputStream;

/**
 * ECMA-335 compressed integers (II.23.2), the one codec for every signature, blob length and fixup
 * payload that uses them. The top bits of the first byte give the length: {@code 0xxxxxxx} is one
 * byte (7 bits), {@code 10xxxxxx} two (14 bits), {@code 110xxxxx} four (29 bits), big-endian.
 * First bytes {@code 111xxxxx} start no compressed integer.
 *
 * <p>Signed integers are stored as 7, 14 or 29-bit two's complement rotated left by one, so that
 * the sign is the lowest bit, then written with the unsigned encoding of that width.
 */
public final class CompressedInteger {
    /** Largest unsigned value (29 bits). */
    public static final int MAX = 0x1FFFFFFF;
    /** Signed range: -2^28 .. 2^28 - 1. */
    public static final int MIN_SIGNED = -0x10000000;
    public static final int MAX_SIGNED = 0x0FFFFFFF;

    private static final int MAX_1_BYTE = 0x7F;
    private static final int MAX_2_BYTES = 0x3FFF;
    private static final int TAG_2_BYTES = 0x80;
    private static final int TAG_4_BYTES = 0xC0;

    private CompressedInteger() {
    }

    /** Bytes of the integer whose first byte is {@code b0}: 1, 2 or 4, or 0 when {@code b0} starts none. */
    public static int length(int b0) {
        if ((b0 & 0x80) == 0) {
            return 1;
        }
        if ((b0 & 0xC0) == TAG_2_BYTES) {
            return 2;
        }
        if ((b0 & 0xE0) == TAG_4_BYTES) {
            return 4;
        }
        return 0;
    }

    /** Bytes the unsigned encoding of {@code v} takes. */
    public static int size(int v) {
        checkUnsigned(v);
        return v <= MAX_1_BYTE ? 1 : v <= MAX_2_BYTES ? 2 : 4;
    }

    /**
     * Decodes the unsigned integer at {@code data[offset]}, whose bytes must all lie before {@code end};
     * {@link #length} of its first byte says how far it reaches.
     */
    public static int read(byte[] data, long offset, long end, String structure) {
        int n = checkedLength(data, offset, end, structure);
        int o = (int) offset;
        int b0 = data[o] & 0xFF;
        return switch (n) {
            case 1 -> b0;
            case 2 -> (b0 & 0x3F) << 8 | data[o + 1] & 0xFF;
            default -> (b0 & 0x1F) << 24 | (data[o + 1] & 0xFF) << 16 | (data[o + 2] & 0xFF) << 8 | data[o + 3] & 0xFF;
        };
    }

    /** Decodes the signed integer at {@code data[offset]} (the lower bounds of an ARRAY shape). */
    public static int readSigned(byte[] data, long offset, long end, String structure) {
        int n = checkedLength(data, offset, end, structure);
        int rotated = read(data, offset, end, structure);
        int bits = bits(n);
        int magnitude = rotated >>> 1;
        return (rotated & 1) == 0 ? magnitude : magnitude - (1 << (bits - 1));
    }

    public static void write(ByteArrayOutputStream out, int v) {
        write(out, v, size(v));
    }

    public static void writeSigned(ByteArrayOutputStream out, int v) {
        if (v < MIN_SIGNED || v > MAX_SIGNED) {
            throw new IllegalArgumentException("not a signed compressed integer: " + v);
        }
        int length = v >= -0x40 && v < 0x40 ? 1 : v >= -0x2000 && v < 0x2000 ? 2 : 4;
        int mask = (1 << bits(length)) - 1;
        write(out, (v << 1 | v >>> 31) & mask, length);
    }

    /** The unsigned encoding of {@code v}. */
    public static byte[] encode(int v) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4);
        write(out, v);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, int v, int length) {
        switch (length) {
            case 1 -> out.write(v);
            case 2 -> {
                out.write(TAG_2_BYTES | v >>> 8);
                out.write(v);
            }
            default -> {
                out.write(TAG_4_BYTES | v >>> 24);
                out.write(v >>> 16);
                out.write(v >>> 8);
                out.write(v);
            }
        }
    }

    private static int checkedLength(byte[] data, long offset, long end, String structure) {
        long limit = Math.min(end, data.length);
        if (offset < 0 || offset >= limit) {
            throw new FormatException(structure, offset, "compressed integer runs past the end of its data");
        }
        int b0 = data[(int) offset] & 0xFF;
        int n = length(b0);
        if (n == 0) {
            throw new FormatException(structure, offset, String.format("byte 0x%02X starts no compressed integer", b0));
        }
        if (offset + n > limit) {
            throw new FormatException(structure, offset, "compressed integer of " + n + " bytes runs past the end of"
                    + " its data (" + (limit - offset) + " byte(s) left)");
        }
        return n;
    }

    private static int bits(int length) {
        return length == 1 ? 7 : length == 2 ? 14 : 29;
    }

    private static void checkUnsigned(int v) {
        if (v < 0 || v > MAX) {
            throw new IllegalArgumentException("not a compressed integer: " + v);
        }
    }
}
