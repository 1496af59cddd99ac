package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.SignatureReader;

/** The layout descriptor codec, and defect B8 on the GC-map encoder: sizes that are not multiples of the pointer size. */
class TypeLayoutTest {
    private static BitSet cells(int... c) {
        BitSet b = new BitSet();
        for (int i : c) {
            b.set(i);
        }
        return b;
    }

    @Test
    void fixed_size33_pointer4_isTwoBytesWithBit8() {
        // ceil(33/4) = 9 cells -> 2 bytes; a reference in cell 8 is bit 0 of byte 1.
        assertArrayEquals(new byte[] {0, 1}, TypeLayout.gcMap(33, 4, cells(8), false));
        assertEquals(2, TypeLayout.gcMapLength(33, 4));
    }

    @Test
    void truncating_size33_pointer4_losesTheByte() {
        // floor(33/4) = 8 cells -> 1 byte: the reference in cell 8 has no bit (crossgen2 threw IndexOutOfRange).
        assertThrows(IndexOutOfBoundsException.class, () -> TypeLayout.gcMap(33, 4, cells(8), true));
        // Without a reference there, the map is silently one byte shorter than the runtime reads.
        assertArrayEquals(new byte[] {1}, TypeLayout.gcMap(33, 4, cells(0), true));
        assertArrayEquals(new byte[] {1, 0}, TypeLayout.gcMap(33, 4, cells(0), false));
    }

    @Test
    void pointer8_sizes() {
        // 65 bytes: 9 cells of 8 -> 2 bytes fixed, 1 truncating.
        assertEquals(2, TypeLayout.gcMap(65, 8, cells(), false).length);
        assertEquals(1, TypeLayout.gcMap(65, 8, cells(), true).length);
        // Multiples of 8 (all that 64-bit continuation layouts produce) do not differ.
        for (int size = 8; size <= 256; size += 8) {
            assertArrayEquals(TypeLayout.gcMap(size, 8, cells(0), false), TypeLayout.gcMap(size, 8, cells(0), true));
        }
    }

    private static byte[] written(TypeLayout l) {
        SignatureWriter w = new SignatureWriter();
        l.write(w);
        return w.toByteArray();
    }

    private static TypeLayout read(byte[] b, int pointerSize) {
        return TypeLayout.read(new SignatureReader(new ByteReader(b), 0, b.length, "layout"), pointerSize);
    }

    @Test
    void descriptor_asRealContinuationLayouts() {
        // The .NET 11 images: flags 0x0E, size 40, map 1f (runtime-async.md F).
        assertArrayEquals(new byte[] {0x0E, 40, 0x1f}, written(TypeLayout.continuation(40, new byte[] {0x1f})));
        // GCLAYOUT_EMPTY: no map is written whatever the record holds.
        assertArrayEquals(new byte[] {0x1E, 16}, written(new TypeLayout(0x1E, 16, 0, 0, new byte[] {0x1})));
        // Size 72 on 8-byte pointers: 9 cells, two map bytes (the real images' "ff 00").
        TypeLayout l = read(new byte[] {0x0E, 72, (byte) 0xFF, 0x00, 0x55}, 8);
        assertEquals(new TypeLayout(0x0E, 72, 0, 0, new byte[] {(byte) 0xFF, 0}), l);
        assertEquals("flags 0xE size 72 gcmap ff00", l.toString());
        assertTrue(l.isReference(7));
        assertFalse(l.isReference(8));
    }

    @Test
    void hfaAndAlignmentFieldsComeBeforeTheMap() {
        // HFA | ALIGNMENT | GCLAYOUT: flags, size, HFA element type (R8), alignment 16, one map byte.
        byte[] bytes = {0x0B, 32, 0x0D, 16, 0x02};
        TypeLayout l = read(bytes, 8);
        assertEquals(new TypeLayout(0x0B, 32, 0x0D, 16, new byte[] {0x02}), l);
        assertArrayEquals(bytes, written(l));
        // ALIGNMENT with ALIGNMENT_NATIVE carries no alignment value.
        assertEquals(new TypeLayout(0x06, 24, 0, 0, new byte[0]), read(new byte[] {0x06, 24}, 8));
    }

    @Test
    void b8_shortMapIsWrittenAsGivenAndReadWithTheRuntimesLength() {
        // The truncating writer's one-byte map for size 33 on 4-byte pointers; the runtime reads two
        // bytes and takes the next signature byte (0x38 here) as map data.
        byte[] shortMap = TypeLayout.gcMap(33, 4, cells(0), true);
        byte[] bytes = new byte[] {0x0E, 33, shortMap[0], 0x38};
        assertArrayEquals(bytes, concat(written(new TypeLayout(0x0E, 33, 0, 0, shortMap)), new byte[] {0x38}));
        assertArrayEquals(new byte[] {0x01, 0x38}, read(bytes, 4).gcMap());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
