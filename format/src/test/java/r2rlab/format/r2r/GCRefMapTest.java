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
        // Slot 5: a skip of 5 >= 4 is the two bits 11 and the integer (5 - 4) << 1 = 2 in 3-bit groups
        // with a more bit (0,1,0 | 0); then REF (1,0). Bits LSB first, 7 per byte, 0x80 on every byte but
        // the last: 1,1,0,1,0,0,1 -> 0x4B | 0x80 = 0xCB; then 0 -> 0x00.
        SortedMap<Integer, Integer> m = map(5, GCRefMap.REF);
        assertArrayEquals(new byte[] {(byte) 0xCB, 0x00}, GCRefMap.encodeRecord(m));
        assertEquals(m, GCRefMap.decodeRecord(new byte[] {(byte) 0xCB, 0x00}, 0));
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
