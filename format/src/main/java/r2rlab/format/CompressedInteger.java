package r2rlab.format;

import java.io.ByteArrayOutputStream;

/** ECMA-335 compressed unsigned integers (II.23.2): the writer side of {@link SignatureReader#readUInt()}. */
public final class CompressedInteger {
    public static final int MAX = 0x1FFFFFFF;

    private CompressedInteger() {
    }

    public static void write(ByteArrayOutputStream out, int v) {
        if (v < 0 || v > MAX) {
            throw new IllegalArgumentException("not a compressed integer: " + v);
        }
        if (v < 0x80) {
            out.write(v);
        } else if (v < 0x4000) {
            out.write(0x80 | v >>> 8);
            out.write(v);
        } else {
            out.write(0xC0 | v >>> 24);
            out.write(v >>> 16);
            out.write(v >>> 8);
            out.write(v);
        }
    }
}
