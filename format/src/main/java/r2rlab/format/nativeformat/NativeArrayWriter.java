package r2rlab.format.nativeformat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes a NativeArray in crossgen2's tree shape (VertexArray.ExpandBlock): per block of 16 a
 * depth-4 tree, the lower child inline after its node and the higher child right after the lower
 * subtree, single elements collapsed into leaves, and one shared "null block" for empty blocks.
 * Elements are opaque, position-independent byte strings.
 */
public final class NativeArrayWriter {
    private final SortedMap<Integer, byte[]> elements = new TreeMap<>();

    public NativeArrayWriter set(int index, byte[] element) {
        if (index < 0) {
            throw new IllegalArgumentException("negative index " + index);
        }
        elements.put(index, element.clone());
        return this;
    }

    /** Element count written to the header: the highest index + 1. */
    public int count() {
        return elements.isEmpty() ? 0 : elements.lastKey() + 1;
    }

    public byte[] toByteArray() {
        int count = count();
        int blocks = (count + NativeArray.BLOCK_SIZE - 1) / NativeArray.BLOCK_SIZE;
        List<byte[]> blockBytes = new ArrayList<>();
        boolean needNullBlock = false;
        for (int b = 0; b < blocks; b++) {
            Node n = expand(b * NativeArray.BLOCK_SIZE, 4);
            if (n == null) {
                needNullBlock = true;
                blockBytes.add(null);
            } else {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                n.write(out);
                blockBytes.add(out.toByteArray());
            }
        }
        // The null block: a leaf for index 16, which never matches a lookup.
        byte[] nullBlock = NativeWriter.unsigned(NativeArray.BLOCK_SIZE << 2);
        for (int entryIndexSize = 0; ; entryIndexSize++) {
            long pos = (long) blocks << entryIndexSize;
            long[] offsets = new long[blocks];
            long nullOffset = -1;
            if (needNullBlock) {
                nullOffset = pos;
                pos += nullBlock.length;
            }
            for (int b = 0; b < blocks; b++) {
                if (blockBytes.get(b) == null) {
                    offsets[b] = nullOffset;
                } else {
                    offsets[b] = pos;
                    pos += blockBytes.get(b).length;
                }
            }
            long limit = entryIndexSize == 0 ? 0xFF : entryIndexSize == 1 ? 0xFFFF : 0xFFFFFFFFL;
            if (pos - 1 > limit && entryIndexSize < 2) {
                continue;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            NativeWriter.writeUnsigned(out, ((long) count << 2) | entryIndexSize);
            for (long o : offsets) {
                for (int i = 0; i < (1 << entryIndexSize); i++) {
                    out.write((int) (o >>> (8 * i)) & 0xFF);
                }
            }
            if (needNullBlock) {
                out.writeBytes(nullBlock);
            }
            for (byte[] bb : blockBytes) {
                if (bb != null) {
                    out.writeBytes(bb);
                }
            }
            return out.toByteArray();
        }
    }

    private Node expand(int first, int depth) {
        if (depth == 0) {
            byte[] e = elements.get(first);
            return e == null ? null : new Element(e, first % NativeArray.BLOCK_SIZE);
        }
        int half = 1 << (depth - 1);
        Node lower = expand(first, depth - 1);
        Node higher = expand(first + half, depth - 1);
        if (lower == null && higher == null) {
            return null;
        }
        if (lower == null && higher.isLeafLike() || higher == null && lower.isLeafLike()) {
            Node only = lower != null ? lower : higher;
            return only.asLeaf();
        }
        return new Tree(lower, higher);
    }

    private interface Node {
        void write(ByteArrayOutputStream out);

        int size();

        boolean isLeafLike();

        Node asLeaf();
    }

    /** A raw element: at depth 1 both siblings present are written without leaf headers. */
    private record Element(byte[] data, int blockIndex) implements Node {
        public void write(ByteArrayOutputStream out) {
            out.writeBytes(data);
        }

        public int size() {
            return data.length;
        }

        public boolean isLeafLike() {
            return true;
        }

        public Node asLeaf() {
            return new Leaf(this);
        }
    }

    private record Leaf(Element element) implements Node {
        public void write(ByteArrayOutputStream out) {
            NativeWriter.writeUnsigned(out, (long) element.blockIndex() << 2);
            element.write(out);
        }

        public int size() {
            return NativeWriter.unsignedSize((long) element.blockIndex() << 2) + element.size();
        }

        public boolean isLeafLike() {
            return true;
        }

        public Node asLeaf() {
            return this;
        }
    }

    private record Tree(Node lower, Node higher) implements Node {
        private long value() {
            int lowerSize = lower == null ? 0 : lower.size();
            long flags = (lower != null ? 1 : 0) | (higher != null ? 2 : 0);
            if (higher == null) {
                return flags;
            }
            // The distance to the higher child includes the node's own encoding: iterate to a fixed point.
            int nodeSize = 1;
            while (true) {
                long v = ((long) (nodeSize + lowerSize) << 2) | flags;
                int s = NativeWriter.unsignedSize(v);
                if (s == nodeSize) {
                    return v;
                }
                nodeSize = s;
            }
        }

        public void write(ByteArrayOutputStream out) {
            NativeWriter.writeUnsigned(out, value());
            if (lower != null) {
                lower.write(out);
            }
            if (higher != null) {
                higher.write(out);
            }
        }

        public int size() {
            return NativeWriter.unsignedSize(value()) + (lower == null ? 0 : lower.size()) + (higher == null ? 0 : higher.size());
        }

        public boolean isLeafLike() {
            return false;
        }

        public Node asLeaf() {
            throw new IllegalStateException("a tree node is no leaf");
        }
    }
}
