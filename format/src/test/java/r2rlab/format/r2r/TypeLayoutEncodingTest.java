package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Defect B8 on the GC-map encoder itself: sizes that are not multiples of the pointer size. */
class TypeLayoutEncodingTest {
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
        assertArrayEquals(new byte[] {0, 1}, TypeLayoutEncoding.gcMap(33, 4, cells(8), false));
        assertEquals(2, TypeLayoutEncoding.gcMapLength(33, 4));
    }

    @Test
    void truncating_size33_pointer4_losesTheByte() {
        // floor(33/4) = 8 cells -> 1 byte: the reference in cell 8 has no bit (crossgen2 threw IndexOutOfRange).
        assertThrows(IndexOutOfBoundsException.class, () -> TypeLayoutEncoding.gcMap(33, 4, cells(8), true));
        // Without a reference there, the map is silently one byte shorter than the runtime reads.
        assertArrayEquals(new byte[] {1}, TypeLayoutEncoding.gcMap(33, 4, cells(0), true));
        assertArrayEquals(new byte[] {1, 0}, TypeLayoutEncoding.gcMap(33, 4, cells(0), false));
    }

    @Test
    void pointer8_sizes() {
        // 65 bytes: 9 cells of 8 -> 2 bytes fixed, 1 truncating.
        assertEquals(2, TypeLayoutEncoding.gcMap(65, 8, cells(), false).length);
        assertEquals(1, TypeLayoutEncoding.gcMap(65, 8, cells(), true).length);
        // Multiples of 8 (all that 64-bit continuation layouts produce) do not differ.
        for (int size = 8; size <= 256; size += 8) {
            assertArrayEquals(TypeLayoutEncoding.gcMap(size, 8, cells(0), false), TypeLayoutEncoding.gcMap(size, 8, cells(0), true));
        }
    }

    @Test
    void descriptor_asRealContinuationLayouts() {
        // The .NET 11 images: flags 0x0E, size 40, map 1f (r2r-format notes, runtime-async.md F).
        assertArrayEquals(new byte[] {0x0E, 40, 0x1f}, TypeLayoutEncoding.descriptor(0x0E, 40, new byte[] {0x1f}));
        assertArrayEquals(new byte[] {0x1E, 16}, TypeLayoutEncoding.descriptor(0x1E, 16, new byte[] {0x1}));
    }
}
