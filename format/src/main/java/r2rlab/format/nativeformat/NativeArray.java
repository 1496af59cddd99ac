package r2rlab.format.nativeformat;

/**
 * Reader of a NativeFormat sparse array (NativeArray): a header {@code count << 2 | entryIndexSize},
 * one block offset per 16 elements, and per block a depth-4 binary tree whose leaves hold the
 * elements (r2r-format.md §4.2). The tree has four levels, so a lookup can never loop.
 */
public final class NativeArray {
    public static final int BLOCK_SIZE = 16;

    private final NativeReader reader;
    private final long baseOffset;
    private final long count;
    private final int entryIndexSize;

    public NativeArray(NativeReader reader, long offset) {
        this.reader = reader;
        long header = reader.decodeUnsigned(offset);
        this.baseOffset = reader.next();
        this.count = header >>> 2;
        this.entryIndexSize = (int) (header & 3);
        if (entryIndexSize == 3) {
            throw reader.error(offset, "NativeArray entry index size 3 is not defined");
        }
        long blocks = (count + BLOCK_SIZE - 1) / BLOCK_SIZE;
        long indexBytes = blocks << entryIndexSize;
        if (baseOffset + indexBytes > reader.end()) {
            throw reader.error(offset, "NativeArray of " + count + " elements needs a block index of " + indexBytes
                    + " bytes, more than the section holds");
        }
    }

    /** Number of element slots (the highest index + 1), present or not. */
    public long count() {
        return count;
    }

    /** File offset of element {@code index}, or -1 when the element is absent. */
    public long elementOffset(long index) {
        if (index < 0 || index >= count) {
            return -1;
        }
        long slot = baseOffset + ((index / BLOCK_SIZE) << entryIndexSize);
        long blockOffset = switch (entryIndexSize) {
            case 0 -> reader.u8(slot);
            case 1 -> reader.u16(slot);
            default -> reader.u32(slot);
        };
        long p = baseOffset + blockOffset;
        for (int bit = BLOCK_SIZE / 2; bit > 0; bit >>= 1) {
            long v = reader.decodeUnsigned(p);
            long afterNode = reader.next();
            if ((index & bit) != 0) {
                if ((v & 2) != 0) {
                    p = p + (v >>> 2);
                    continue;
                }
            } else if ((v & 1) != 0) {
                p = afterNode;
                continue;
            }
            // Not a tree step: either a leaf for exactly this index, or the element is absent.
            if ((v & 3) == 0 && (v >>> 2) == (index & (BLOCK_SIZE - 1))) {
                return afterNode;
            }
            return -1;
        }
        return p;
    }
}
