package r2rlab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** Expected encodings are the ECMA-335 II.23.2 examples and the boundaries of each length. */
class CompressedIntegerTest {
    private static byte[] b(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    private static void unsigned(int value, byte[] encoded) {
        assertArrayEquals(encoded, CompressedInteger.encode(value), "encode 0x" + Integer.toHexString(value));
        assertEquals(encoded.length, CompressedInteger.size(value));
        assertEquals(encoded.length, CompressedInteger.length(encoded[0] & 0xFF));
        // Decoded in the middle of other bytes, so the offsets and the end bound matter.
        byte[] padded = new byte[encoded.length + 4];
        System.arraycopy(encoded, 0, padded, 2, encoded.length);
        padded[2 + encoded.length] = (byte) 0xFF;
        assertEquals(value, CompressedInteger.read(padded, 2, 2 + encoded.length, "test"));
        SignatureReader r = new SignatureReader(new ByteReader(padded), 2, padded.length, "test");
        assertEquals(value, r.readUInt());
        assertEquals(2 + encoded.length, r.position());
    }

    private static void signed(int value, byte[] encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompressedInteger.writeSigned(out, value);
        assertArrayEquals(encoded, out.toByteArray(), "encode " + value);
        assertEquals(value, CompressedInteger.readSigned(encoded, 0, encoded.length, "test"));
        SignatureReader r = new SignatureReader(new ByteReader(encoded), 0, encoded.length, "test");
        assertEquals(value, r.readInt());
        assertEquals(encoded.length, r.position());
    }

    @Test
    void unsignedAtEveryLengthBoundary() {
        unsigned(0, b(0x00));
        unsigned(0x03, b(0x03));
        unsigned(0x7F, b(0x7F));
        unsigned(0x80, b(0x80, 0x80));
        unsigned(0x2E57, b(0xAE, 0x57));
        unsigned(0x3FFF, b(0xBF, 0xFF));
        unsigned(0x4000, b(0xC0, 0x00, 0x40, 0x00));
        unsigned(0x1FFFFFFF, b(0xDF, 0xFF, 0xFF, 0xFF));
    }

    @Test
    void signedAtEveryLengthBoundary() {
        signed(3, b(0x06));
        signed(-3, b(0x7B));
        signed(63, b(0x7E));
        signed(-64, b(0x01));
        signed(64, b(0x80, 0x80));
        signed(-65, b(0xBF, 0x7F));
        signed(8191, b(0xBF, 0xFE));
        signed(-8192, b(0x80, 0x01));
        signed(8192, b(0xC0, 0x00, 0x40, 0x00));
        signed(268435455, b(0xDF, 0xFF, 0xFF, 0xFE));
        signed(-268435456, b(0xC0, 0x00, 0x00, 0x01));
    }

    @Test
    void valuesOutsideTheRangeAreNotWritten() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThrows(IllegalArgumentException.class, () -> CompressedInteger.write(out, 0x20000000));
        assertThrows(IllegalArgumentException.class, () -> CompressedInteger.write(out, -1));
        assertThrows(IllegalArgumentException.class, () -> CompressedInteger.writeSigned(out, 0x10000000));
        assertThrows(IllegalArgumentException.class, () -> CompressedInteger.writeSigned(out, -0x10000001));
        assertEquals(0, out.size());
    }

    @Test
    void badFirstBytesAreRejectedAtTheirOffset() {
        for (int b0 : new int[] {0xE0, 0xF0, 0xFF}) {
            assertEquals(0, CompressedInteger.length(b0));
            byte[] data = b(0x00, 0x00, 0x00, b0, 0x00, 0x00, 0x00, 0x00);
            FormatException e = assertThrows(FormatException.class,
                    () -> CompressedInteger.read(data, 3, data.length, "Sig"));
            assertEquals("Sig", e.structure());
            assertEquals(3, e.fileOffset());
            assertTrue(e.getMessage().contains(String.format("byte 0x%02X starts no compressed integer", b0)),
                    e.getMessage());
            SignatureReader r = new SignatureReader(new ByteReader(data), 3, data.length, "Sig");
            assertEquals(3, assertThrows(FormatException.class, r::readUInt).fileOffset());
        }
    }

    @Test
    void truncatedIntegersAreRejectedAtTheirOffset() {
        byte[] data = b(0x00, 0x80, 0x80, 0xC0, 0x00, 0x40, 0x00);
        FormatException two = assertThrows(FormatException.class, () -> CompressedInteger.read(data, 2, 3, "Sig"));
        assertEquals(2, two.fileOffset());
        assertTrue(two.getMessage().contains("of 2 bytes runs past the end"), two.getMessage());
        FormatException four = assertThrows(FormatException.class, () -> CompressedInteger.read(data, 3, 6, "Sig"));
        assertEquals(3, four.fileOffset());
        assertTrue(four.getMessage().contains("of 4 bytes runs past the end"), four.getMessage());
        assertEquals(0x4000, CompressedInteger.read(data, 3, 7, "Sig"));
        // Nothing left at all; and an end past the array is bounded by the array.
        assertEquals(7, assertThrows(FormatException.class,
                () -> CompressedInteger.read(data, 7, 7, "Sig")).fileOffset());
        assertEquals(5, assertThrows(FormatException.class,
                () -> CompressedInteger.read(b(0, 0, 0, 0, 0, 0xC0, 0), 5, 100, "Sig")).fileOffset());
    }
}
