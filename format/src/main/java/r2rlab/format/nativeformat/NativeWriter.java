package r2rlab.format.nativeformat;

import java.io.ByteArrayOutputStream;

/** Writes NativeFormat integers; the mirror of {@link NativeReader}'s decoders. */
public final class NativeWriter {
    private NativeWriter() {
    }

    /** Encoded size of an unsigned value. */
    public static int unsignedSize(long d) {
        if (d < 0 || d > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("not a u32: " + d);
        }
        if (d < 128) {
            return 1;
        } else if (d < 128 * 128) {
            return 2;
        } else if (d < 128 * 128 * 128) {
            return 3;
        } else if (d < 128L * 128 * 128 * 128) {
            return 4;
        }
        return 5;
    }

    public static void writeUnsigned(ByteArrayOutputStream out, long d) {
        switch (unsignedSize(d)) {
            case 1 -> out.write((int) (d << 1));
            case 2 -> {
                out.write((int) ((d << 2) | 1));
                out.write((int) (d >>> 6));
            }
            case 3 -> {
                out.write((int) ((d << 3) | 3));
                out.write((int) (d >>> 5));
                out.write((int) (d >>> 13));
            }
            case 4 -> {
                out.write((int) ((d << 4) | 7));
                out.write((int) (d >>> 4));
                out.write((int) (d >>> 12));
                out.write((int) (d >>> 20));
            }
            default -> {
                out.write(0x0F);
                writeU32(out, d);
            }
        }
    }

    public static int signedSize(int d) {
        long u = d & 0xFFFFFFFFL;
        if (((u + 64) & 0xFFFFFFFFL) < 128) {
            return 1;
        } else if (((u + 64 * 128) & 0xFFFFFFFFL) < 128 * 128) {
            return 2;
        } else if (((u + 64 * 128 * 128) & 0xFFFFFFFFL) < 128 * 128 * 128) {
            return 3;
        } else if (((u + 64L * 128 * 128 * 128) & 0xFFFFFFFFL) < 128L * 128 * 128 * 128) {
            return 4;
        }
        return 5;
    }

    public static void writeSigned(ByteArrayOutputStream out, int d) {
        switch (signedSize(d)) {
            case 1 -> out.write((d << 1) & 0xFF);
            case 2 -> {
                out.write(((d << 2) | 1) & 0xFF);
                out.write((d >> 6) & 0xFF);
            }
            case 3 -> {
                out.write(((d << 3) | 3) & 0xFF);
                out.write((d >> 5) & 0xFF);
                out.write((d >> 13) & 0xFF);
            }
            case 4 -> {
                out.write(((d << 4) | 7) & 0xFF);
                out.write((d >> 4) & 0xFF);
                out.write((d >> 12) & 0xFF);
                out.write((d >> 20) & 0xFF);
            }
            default -> {
                out.write(0x0F);
                writeU32(out, d & 0xFFFFFFFFL);
            }
        }
    }

    static void writeU32(ByteArrayOutputStream out, long v) {
        out.write((int) v & 0xFF);
        out.write((int) (v >>> 8) & 0xFF);
        out.write((int) (v >>> 16) & 0xFF);
        out.write((int) (v >>> 24) & 0xFF);
    }

    public static byte[] unsigned(long d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(5);
        writeUnsigned(out, d);
        return out.toByteArray();
    }

    public static byte[] signed(int d) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(5);
        writeSigned(out, d);
        return out.toByteArray();
    }
}
