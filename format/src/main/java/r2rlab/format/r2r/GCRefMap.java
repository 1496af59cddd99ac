package r2rlab.format.r2r;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * GC ref maps, the AuxiliaryData of MethodImports and DispatchImports (r2r-format.md §2.6;
 * GCRefMapBuilder.cs): which transition-block slots of a delay-load call hold GC references, so
 * that a GC during ExternalMethodFixupWorker can report the caller's outgoing arguments. Encoder
 * and decoder mirror each other.
 */
public final class GCRefMap {
    public static final int SKIP = 0;
    public static final int REF = 1;
    public static final int INTERIOR = 2;
    public static final int METHOD_PARAM = 3;
    public static final int TYPE_PARAM = 4;
    public static final int VASIG_COOKIE = 5;
    /** Records per entry of the lookup table at the start of the blob. */
    public static final int LOOKUP_STRIDE = 1024;

    private GCRefMap() {
    }

    /** One cell's record: slot position → token, for the slots that are not SKIP. */
    public static byte[] encodeRecord(SortedMap<Integer, Integer> tokens) {
        BitWriter w = new BitWriter();
        int next = 0;
        for (var e : tokens.entrySet()) {
            int pos = e.getKey();
            int token = e.getValue();
            int delta = pos - next;
            if (delta >= 4) {
                w.bits(3, 2);
                w.integer((delta - 4) << 1);
            } else {
                for (int i = 0; i < delta; i++) {
                    w.bits(SKIP, 2);
                }
            }
            if (token < 3) {
                w.bits(token, 2);
            } else {
                w.bits(3, 2);
                w.integer(((token - 3) << 1) | 1);
            }
            next = pos + 1;
        }
        return w.finish();
    }

    /** A whole blob: the lookup table (one u32 per 1024 cells) then every cell's record in order. */
    public static byte[] encode(List<SortedMap<Integer, Integer>> cells) {
        int lookups = cells.size() / LOOKUP_STRIDE + 1;
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        int[] table = new int[lookups];
        for (int i = 0; i < cells.size(); i++) {
            if (i % LOOKUP_STRIDE == 0) {
                table[i / LOOKUP_STRIDE] = 4 * lookups + records.size();
            }
            records.writeBytes(encodeRecord(cells.get(i)));
        }
        if (cells.isEmpty()) {
            table[0] = 4 * lookups;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int t : table) {
            for (int k = 0; k < 4; k++) {
                out.write(t >>> (8 * k));
            }
        }
        out.writeBytes(records.toByteArray());
        return out.toByteArray();
    }

    /** Decodes one record starting at {@code offset}; returns slot → token. */
    public static SortedMap<Integer, Integer> decodeRecord(byte[] blob, int offset) {
        BitReader r = new BitReader(blob, offset);
        SortedMap<Integer, Integer> out = new TreeMap<>();
        int pos = 0;
        while (!r.atEnd()) {
            int v = r.bits(2);
            if (v == 3) {
                int x = r.integer();
                if ((x & 1) == 0) {
                    pos += (x >>> 1) + 4;
                    continue;
                }
                out.put(pos++, (x >>> 1) + 3);
            } else if (v == SKIP) {
                pos++;
            } else {
                out.put(pos++, v);
            }
        }
        return out;
    }

    /** Decodes every record of a blob holding {@code count} cells. */
    public static List<SortedMap<Integer, Integer>> decode(byte[] blob, int count) {
        List<SortedMap<Integer, Integer>> out = new ArrayList<>();
        int lookups = count / LOOKUP_STRIDE + 1;
        int offset = 4 * lookups;
        for (int i = 0; i < count; i++) {
            if (i % LOOKUP_STRIDE == 0) {
                int k = i / LOOKUP_STRIDE;
                offset = (blob[4 * k] & 0xFF) | (blob[4 * k + 1] & 0xFF) << 8 | (blob[4 * k + 2] & 0xFF) << 16 | (blob[4 * k + 3] & 0xFF) << 24;
            }
            out.add(decodeRecord(blob, offset));
            offset = BitReader.recordEnd(blob, offset);
        }
        return out;
    }

    /** LSB-first bits, 7 payload bits per byte, bit 7 set on every byte but the record's last. */
    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int pending;
        private int count;

        void bits(int value, int n) {
            for (int i = 0; i < n; i++) {
                pending |= ((value >>> i) & 1) << count;
                if (++count == 7) {
                    out.write(pending | 0x80);
                    pending = 0;
                    count = 0;
                }
            }
        }

        /** 3-bit groups, low first, each followed by a "more" bit. */
        void integer(int v) {
            do {
                int group = v & 7;
                v >>>= 3;
                bits(group, 3);
                bits(v != 0 ? 1 : 0, 1);
            } while (v != 0);
        }

        byte[] finish() {
            byte[] b;
            if (count > 0 || out.size() == 0) {
                out.write(pending);
                b = out.toByteArray();
            } else {
                b = out.toByteArray();
                b[b.length - 1] &= 0x7F;
            }
            return b;
        }
    }

    private static final class BitReader {
        private final byte[] blob;
        private int pos;
        private int bit;
        private final int end;

        BitReader(byte[] blob, int offset) {
            this.blob = blob;
            this.pos = offset;
            this.end = recordEnd(blob, offset);
        }

        static int recordEnd(byte[] blob, int offset) {
            int p = offset;
            while (p < blob.length && (blob[p] & 0x80) != 0) {
                p++;
            }
            return Math.min(p + 1, blob.length);
        }

        boolean atEnd() {
            // Trailing zero bits of the last byte are padding.
            if (pos >= end) {
                return true;
            }
            if (pos == end - 1) {
                int rest = (blob[pos] & 0x7F) >>> bit;
                return rest == 0;
            }
            return false;
        }

        int bits(int n) {
            int v = 0;
            for (int i = 0; i < n; i++) {
                if (pos >= end) {
                    throw new IllegalArgumentException("GC ref map record ends inside a value");
                }
                v |= ((blob[pos] >>> bit) & 1) << i;
                if (++bit == 7) {
                    bit = 0;
                    pos++;
                }
            }
            return v;
        }

        int integer() {
            int v = 0;
            int shift = 0;
            while (true) {
                v |= bits(3) << shift;
                shift += 3;
                if (bits(1) == 0) {
                    return v;
                }
            }
        }
    }
}
