package r2rlab.format.nativeformat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

class NativeFormatTest {
    private static byte[] hex(String s) {
        String[] parts = s.trim().split(" ");
        byte[] b = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            b[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return b;
    }

    private static NativeReader reader(byte[] b) {
        return new NativeReader(new ByteReader(b), 0, b.length, "test");
    }

    // Vectors of r2r-format.md §4.1 (computed from crossgen2's writer; 12 and 1000 are the design doc's).
    @ParameterizedTest
    @CsvSource({"0,00", "1,02", "12,18", "63,7E", "64,80", "127,FE", "128,01 02", "1000,A1 0F", "16383,FD FF",
        "16384,03 00 02", "2097152,07 00 00 02", "268435456,0F 00 00 00 10", "4294967295,0F FF FF FF FF"})
    void unsigned_vectors(long value, String bytes) {
        assertArrayEquals(hex(bytes), NativeWriter.unsigned(value));
        NativeReader r = reader(hex(bytes));
        assertEquals(value, r.decodeUnsigned(0));
        assertEquals(hex(bytes).length, r.next());
    }

    @ParameterizedTest
    @CsvSource({"-1,FE", "-64,80", "64,01 01", "-65,FD FE", "-8192,01 80", "8192,03 00 01", "0,00", "63,7E"})
    void signed_vectors(int value, String bytes) {
        assertArrayEquals(hex(bytes), NativeWriter.signed(value));
        NativeReader r = reader(hex(bytes));
        assertEquals(value, r.decodeSigned(0));
        assertEquals(hex(bytes).length, r.next());
    }

    @Test
    void signed_roundTrip_random() {
        Random rnd = new Random(7);
        for (int i = 0; i < 20000; i++) {
            int v = switch (i % 4) {
                case 0 -> rnd.nextInt();
                case 1 -> rnd.nextInt(1 << 14) - (1 << 13);
                case 2 -> rnd.nextInt(1 << 21) - (1 << 20);
                default -> rnd.nextInt(256) - 128;
            };
            byte[] b = NativeWriter.signed(v);
            assertEquals(v, reader(b).decodeSigned(0), "value " + v);
        }
    }

    @Test
    void truncatedInteger_isFormatError() {
        FormatException e = assertThrows(FormatException.class, () -> reader(hex("03 00")).decodeUnsigned(0));
        assertEquals("test", e.structure());
        assertEquals(2, e.fileOffset());
    }

    // r2r-format.md §3.3: cells (1,3), (1,5), (4,0) -> nibbles 1,3,2,0,3,0,0,0 -> 31 02 03 00.
    @Test
    void fixupList_documentedExample() {
        byte[] b = FixupList.write(List.of(new FixupCell(4, 0), new FixupCell(1, 5), new FixupCell(1, 3)));
        assertArrayEquals(hex("31 02 03 00"), b);
        assertEquals(List.of(new FixupCell(1, 3), new FixupCell(1, 5), new FixupCell(4, 0)), FixupList.read(reader(b), 0));
    }

    @Test
    void fixupList_largeValues_roundTrip() {
        List<FixupCell> cells = List.of(new FixupCell(0, 64), new FixupCell(0, 512), new FixupCell(1337, 1), new FixupCell(1339, 100000));
        byte[] b = FixupList.write(cells);
        assertEquals(cells, FixupList.read(reader(b), 0));
    }

    @Test
    void fixupList_unterminated_isFormatError() {
        FormatException e = assertThrows(FormatException.class, () -> FixupList.read(reader(hex("31 02")), 0));
        assertEquals(0, e.fileOffset());
    }

    @Test
    void nativeArray_roundTrip_sparse() {
        Random rnd = new Random(42);
        for (int round = 0; round < 50; round++) {
            NativeArrayWriter w = new NativeArrayWriter();
            Set<Integer> present = new HashSet<>();
            int n = 1 + rnd.nextInt(300);
            for (int i = 0; i < n; i++) {
                if (rnd.nextInt(3) > 0) {
                    present.add(i);
                    w.set(i, NativeWriter.unsigned(i * 7L));
                }
            }
            byte[] b = w.toByteArray();
            NativeReader r = reader(b);
            NativeArray a = new NativeArray(r, 0);
            assertEquals(w.count(), a.count());
            for (int i = 0; i < n + 20; i++) {
                long off = a.elementOffset(i);
                if (present.contains(i)) {
                    assertEquals(i * 7L, r.decodeUnsigned(off), "element " + i);
                } else {
                    assertEquals(-1, off, "element " + i + " must be absent");
                }
            }
        }
    }

    @Test
    void nativeArray_singleElement_isLeafRightAfterIndex() {
        // count 1, u8 index: header 0x04 -> unsigned 4 = byte 08; block 0 at offset 1; leaf index 0 (byte 00); element.
        byte[] b = new NativeArrayWriter().set(0, new byte[] {0x2A}).toByteArray();
        assertArrayEquals(hex("08 01 00 2A"), b);
    }

    @Test
    void nativeHashtable_roundTrip_andLookup() {
        // Entries -> buckets as the runtime's NativeHashtable writer sizes them: entries / 13 rounded up to
        // a power of two by its highest bit (0 -> 1, 1 -> 2, 2 -> 4, 15 -> 16, 230 -> 256).
        int[][] entriesAndBuckets = {{0, 1}, {1, 1}, {12, 1}, {13, 2}, {26, 4}, {200, 16}, {3000, 256}};
        for (int[] eb : entriesAndBuckets) {
            int n = eb[0];
            NativeHashtableWriter w = new NativeHashtableWriter();
            Random rnd = new Random(n);
            List<Integer> hashes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int h = rnd.nextInt();
                hashes.add(h);
                w.add(h, NativeWriter.unsigned(i));
            }
            byte[] b = w.toByteArray();
            NativeReader r = reader(b);
            NativeHashtable t = new NativeHashtable(r, 0);
            assertEquals(eb[1], t.bucketCount(), n + " entries");
            assertEquals(Integer.numberOfTrailingZeros(eb[1]), (b[0] & 0xFF) >> 2, "log2 of the bucket count in the header byte");
            List<NativeHashtable.Entry> all = t.entries();
            assertEquals(n, all.size());
            Set<Long> values = new HashSet<>();
            for (NativeHashtable.Entry e : all) {
                values.add(r.decodeUnsigned(e.vertexOffset()));
            }
            assertEquals(n, values.size());
            for (int i = 0; i < n; i++) {
                final int index = i;
                boolean found = t.lookup(hashes.get(i)).stream().anyMatch(e -> r.decodeUnsigned(e.vertexOffset()) == index);
                assertEquals(true, found, "lookup of entry " + i);
            }
        }
    }

    @Test
    void bucketCount_asCrossgen2Sizes() {
        assertEquals(1, NativeHashtableWriter.bucketCountFor(12));
        assertEquals(2, NativeHashtableWriter.bucketCountFor(13));
        assertEquals(2, NativeHashtableWriter.bucketCountFor(25));
        assertEquals(4, NativeHashtableWriter.bucketCountFor(26));
        assertEquals(4, NativeHashtableWriter.bucketCountFor(51));
        assertEquals(8, NativeHashtableWriter.bucketCountFor(52));
    }

    @Test
    void hashtable_bucketOutsideSection_isFormatError() {
        // 1 bucket, u8 offsets: bucket 0 from 0 to 0x40 (past the 4-byte section).
        assertThrows(FormatException.class, () -> new NativeHashtable(reader(hex("00 00 40 00")), 0).entries());
    }
}
