package r2rlab.format.gcinfo;

import java.util.Arrays;

/**
 * The writing counterpart of {@link GcBitReader} ({@code BitStreamWriter}): bits LSB first, and the var-length
 * integers of {@code EncodeVarLengthUnsigned} / {@code EncodeVarLengthSigned} with the fewest chunks.
 */
final class GcBitWriter {
    private byte[] bytes = new byte[64];
    private long pos;

    long position() {
        return pos;
    }

    /** The low {@code n} (0-32) bits of {@code value}, bit 0 first. */
    void write(long value, int n) {
        ensure((int) ((pos + n + 7) >>> 3));
        for (int i = 0; i < n; i++) {
            if ((value >>> i & 1) != 0) {
                long p = pos + i;
                bytes[(int) (p >>> 3)] |= (byte) (1 << (p & 7));
            }
        }
        pos += n;
    }

    void writeBit(boolean bit) {
        write(bit ? 1 : 0, 1);
    }

    /** Zero bits up to {@code bit}. */
    void padTo(long bit) {
        if (bit < pos) {
            throw new IllegalArgumentException("cannot move back from bit " + pos + " to " + bit);
        }
        pos = bit;
        ensure((int) ((pos + 7) >>> 3));
    }

    void writeVarUnsigned(long value, int base) {
        if (value < 0) {
            throw new IllegalArgumentException("negative value for an unsigned var-length integer: " + value);
        }
        long v = value;
        do {
            long chunk = v & ((1L << base) - 1);
            v >>>= base;
            write(chunk | (v != 0 ? 1L << base : 0), base + 1);
        } while (v != 0);
    }

    void writeVarSigned(long value, int base) {
        long v = value;
        while (true) {
            long chunk = v & ((1L << base) - 1);
            boolean top = (chunk & (1L << (base - 1))) != 0;
            v >>= base;
            if (top && v == -1 || !top && v == 0) {
                write(chunk, base + 1);
                return;
            }
            write(chunk | 1L << base, base + 1);
        }
    }

    /** The first ⌈bits / 8⌉ bytes. */
    byte[] toByteArray(long bits) {
        return Arrays.copyOf(bytes, (int) ((bits + 7) >>> 3));
    }

    private void ensure(int size) {
        if (size > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(size, bytes.length * 2));
        }
    }
}
