package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class GCRefMapTest {
    private static SortedMap<Integer, Integer> map(int... posToken) {
        SortedMap<Integer, Integer> m = new TreeMap<>();
        for (int i = 0; i < posToken.length; i += 2) {
            m.put(posToken[i], posToken[i + 1]);
        }
        return m;
    }

    @Test
    void emptyRecord_isOneZeroByte() {
        assertArrayEquals(new byte[] {0}, GCRefMap.encodeRecord(map()));
    }

    @Test
    void knownRecords() {
        // REF at slot 0: bits 01 -> byte 0x01.
        assertArrayEquals(new byte[] {0x01}, GCRefMap.encodeRecord(map(0, GCRefMap.REF)));
        // SKIP, REF: bits 00 01 -> 0b0100 = 0x04.
        assertArrayEquals(new byte[] {0x04}, GCRefMap.encodeRecord(map(1, GCRefMap.REF)));
        // INTERIOR, INTERIOR: 10 10 -> 0b1010 = 0x0A.
        assertArrayEquals(new byte[] {0x0A}, GCRefMap.encodeRecord(map(0, GCRefMap.INTERIOR, 1, GCRefMap.INTERIOR)));
        // Slot 5: delta 5 >= 4 -> unit 3, integer (5-4)<<1 = 2 -> group 010, more 0; then REF 01.
        // Bits LSB first: 1,1 | 0,1,0 | 0 | 1,0 -> 0b0_1_0_0_1_0_1_1 = 0x4B... within 7 bits: 1101001 -> 0x4B? check by decode.
        SortedMap<Integer, Integer> m = map(5, GCRefMap.REF);
        assertEquals(m, GCRefMap.decodeRecord(GCRefMap.encodeRecord(m), 0));
    }

    @Test
    void roundTrip_random_withLookupTable() {
        Random rnd = new Random(3);
        List<SortedMap<Integer, Integer>> cells = new ArrayList<>();
        for (int i = 0; i < 2500; i++) {
            SortedMap<Integer, Integer> m = new TreeMap<>();
            int n = rnd.nextInt(5);
            for (int k = 0; k < n; k++) {
                m.put(rnd.nextInt(40), 1 + rnd.nextInt(5));
            }
            cells.add(m);
        }
        byte[] blob = GCRefMap.encode(cells);
        assertEquals(cells, GCRefMap.decode(blob, cells.size()));
        // Three lookup entries for 2500 cells (one per 1024).
        assertEquals(12, blob[0] & 0xFF);
    }
}
