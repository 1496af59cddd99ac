package r2rlab.format.nativeformat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Writes a NativeHashtable as crossgen2 sizes it (NativeFormatWriter ComputeLayout): bucket count
 * {@code 1 << bitLength(entries / 13)}, entries stable-sorted by their bucket and low byte, value
 * vertices placed after the table in entry order. Vertices are opaque byte strings.
 */
public final class NativeHashtableWriter {
    private record Item(int hash, byte[] vertex, int order) {
    }

    private final List<Item> items = new ArrayList<>();

    public NativeHashtableWriter add(int hash, byte[] vertex) {
        items.add(new Item(hash, vertex.clone(), items.size()));
        return this;
    }

    public int size() {
        return items.size();
    }

    /** Buckets crossgen2 uses for this many entries. */
    public static int bucketCountFor(int entries) {
        int estimate = entries / 13;
        int bits = 32 - Integer.numberOfLeadingZeros(estimate);
        return 1 << bits;
    }

    public byte[] toByteArray() {
        int buckets = bucketCountFor(items.size());
        int mask = buckets - 1;
        List<Item> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt((Item i) -> i.hash & (mask << 8 | 0xFF)).thenComparingInt(Item::order));
        int shift = Integer.numberOfTrailingZeros(buckets);

        // Relative offsets depend on where the vertices land, which depends on the offsets' sizes:
        // start from one byte each and grow until the layout is stable.
        int n = sorted.size();
        int[] relSize = new int[n];
        Arrays.fill(relSize, 1);
        for (int entryIndexSize = 0; entryIndexSize <= 2; ) {
            int tableBytes = (buckets + 1) << entryIndexSize;
            long entriesStart = 1 + tableBytes;
            long[] entryPos = new long[n];
            long p = entriesStart;
            for (int i = 0; i < n; i++) {
                entryPos[i] = p;
                p += 1 + relSize[i];
            }
            long[] vertexPos = new long[n];
            for (int i = 0; i < n; i++) {
                vertexPos[i] = p;
                p += sorted.get(i).vertex.length;
            }
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                int s = NativeWriter.signedSize((int) (vertexPos[i] - (entryPos[i] + 1)));
                if (s > relSize[i]) {
                    relSize[i] = s;
                    changed = true;
                }
            }
            if (changed) {
                continue;
            }
            long tableEnd = (n == 0 ? entriesStart : entryPos[n - 1] + 1 + relSize[n - 1]) - 1;
            long limit = entryIndexSize == 0 ? 0xFF : entryIndexSize == 1 ? 0xFFFF : 0xFFFFFFFFL;
            if (tableEnd > limit && entryIndexSize < 2) {
                entryIndexSize++;
                continue;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write((shift << 2) | entryIndexSize);
            int e = 0;
            for (int b = 0; b <= buckets; b++) {
                while (e < n && ((sorted.get(e).hash >>> 8) & mask) < b) {
                    e++;
                }
                long rel = (e < n ? entryPos[e] : entryPos.length == 0 ? entriesStart : entryPos[n - 1] + 1 + relSize[n - 1]) - 1;
                for (int i = 0; i < (1 << entryIndexSize); i++) {
                    out.write((int) (rel >>> (8 * i)) & 0xFF);
                }
            }
            for (int i = 0; i < n; i++) {
                out.write(sorted.get(i).hash & 0xFF);
                int rel = (int) (vertexPos[i] - (entryPos[i] + 1));
                ByteArrayOutputStream tmp = new ByteArrayOutputStream();
                NativeWriter.writeSigned(tmp, rel);
                byte[] enc = tmp.toByteArray();
                out.writeBytes(enc);
                // A value that now fits in fewer bytes keeps its reserved size via padding-free re-encoding:
                // sizes only grow in this loop, so a shorter encoding means the layout would shift.
                if (enc.length != relSize[i]) {
                    throw new IllegalStateException("hashtable layout did not converge");
                }
            }
            for (Item it : sorted) {
                out.writeBytes(it.vertex);
            }
            return out.toByteArray();
        }
        throw new IllegalStateException("unreachable");
    }
}
