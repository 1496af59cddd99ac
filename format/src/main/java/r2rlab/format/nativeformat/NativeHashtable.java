package r2rlab.format.nativeformat;

import java.util.ArrayList;
import java.util.List;

/**
 * Reader of a NativeFormat hashtable (NativeHashtable): a header byte
 * {@code log2(buckets) << 2 | entryIndexSize}, buckets+1 offsets relative to the byte after the
 * header, and per bucket its entries {low hash byte, signed relative offset to the entry's vertex}
 * sorted by low byte (r2r-format.md §4.3).
 */
public final class NativeHashtable {
    private final NativeReader reader;
    private final long baseOffset;
    private final int bucketMask;
    private final int entryIndexSize;

    public NativeHashtable(NativeReader reader, long offset) {
        this.reader = reader;
        int header = reader.u8(offset);
        this.baseOffset = offset + 1;
        int numberOfBucketsShift = header >>> 2;
        this.entryIndexSize = header & 3;
        if (entryIndexSize == 3) {
            throw reader.error(offset, "NativeHashtable entry index size 3 is not defined");
        }
        if (numberOfBucketsShift > 31) {
            throw reader.error(offset, "NativeHashtable with 2^" + numberOfBucketsShift + " buckets");
        }
        long buckets = 1L << numberOfBucketsShift;
        if (baseOffset + ((buckets + 1) << entryIndexSize) > reader.end()) {
            throw reader.error(offset, "NativeHashtable bucket table of " + buckets + " buckets does not fit the section");
        }
        this.bucketMask = (int) (buckets - 1);
    }

    public int bucketCount() {
        return bucketMask + 1;
    }

    private long bucketStart(int bucket) {
        long slot = baseOffset + ((long) bucket << entryIndexSize);
        long rel = switch (entryIndexSize) {
            case 0 -> reader.u8(slot);
            case 1 -> reader.u16(slot);
            default -> reader.u32(slot);
        };
        return baseOffset + rel;
    }

    /** One entry: its stored low hash byte, and the file offset of its vertex. */
    public record Entry(int lowHashByte, long vertexOffset, long entryOffset) {
    }

    /** All entries, bucket by bucket. */
    public List<Entry> entries() {
        List<Entry> out = new ArrayList<>();
        for (int b = 0; b <= bucketMask; b++) {
            readBucket(b, -1, out);
        }
        return out;
    }

    /** Entries whose stored low byte matches {@code hash}'s, in the bucket {@code hash} selects. */
    public List<Entry> lookup(int hash) {
        List<Entry> out = new ArrayList<>();
        readBucket((hash >>> 8) & bucketMask, hash & 0xFF, out);
        return out;
    }

    private void readBucket(int bucket, int wantLowByte, List<Entry> out) {
        long p = bucketStart(bucket);
        long end = bucketStart(bucket + 1);
        if (end < p || end > reader.end()) {
            throw reader.error(baseOffset + ((long) bucket << entryIndexSize),
                    String.format("NativeHashtable bucket %d spans 0x%X..0x%X, which is backwards or outside the section", bucket, p, end));
        }
        while (p < end) {
            int low = reader.u8(p);
            int rel = reader.decodeSigned(p + 1);
            long next = reader.next();
            long vertex = p + 1 + rel;
            if (!reader.contains(vertex)) {
                throw reader.error(p + 1, String.format("NativeHashtable entry points to 0x%X, outside the section", vertex));
            }
            if (wantLowByte < 0 || low == wantLowByte) {
                out.add(new Entry(low, vertex, p));
            } else if (low > wantLowByte) {
                return;
            }
            p = next;
        }
    }
}
