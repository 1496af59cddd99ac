package r2rlab.format.nativeformat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The nibble-encoded fixup list of a method (r2r-format.md §3.3):
 * {@code tableIndex firstSlot {slotDelta} 0 {tableDelta firstSlot {slotDelta} 0} 0}. Nibbles are
 * read low half first; unsigned values are 3-bit groups, most significant first, bit 3 = more.
 */
public final class FixupList {
    /** Sanity limit on one value: 32 bits need at most 11 nibbles. */
    private static final int MAX_NIBBLES_PER_VALUE = 11;

    private FixupList() {
    }

    /** Decodes the list at {@code offset}; the stream must end before the reader's window does. */
    public static List<FixupCell> read(NativeReader reader, long offset) {
        Nibbles in = new Nibbles(reader, offset);
        List<FixupCell> cells = new ArrayList<>();
        long table = in.readUnsigned();
        while (true) {
            long slot = in.readUnsigned();
            cells.add(new FixupCell(checkedInt(reader, offset, table, "import section index"), checkedInt(reader, offset, slot, "cell index")));
            while (true) {
                long delta = in.readUnsigned();
                if (delta == 0) {
                    break;
                }
                slot += delta;
                cells.add(new FixupCell((int) table, checkedInt(reader, offset, slot, "cell index")));
            }
            long tableDelta = in.readUnsigned();
            if (tableDelta == 0) {
                return cells;
            }
            table += tableDelta;
        }
    }

    private static int checkedInt(NativeReader reader, long offset, long v, String what) {
        if (v > Integer.MAX_VALUE) {
            throw reader.error(offset, "fixup list " + what + " " + v + " is out of range");
        }
        return (int) v;
    }

    /** Encodes cells as crossgen2 does: sorted by (section, slot), duplicates removed. */
    public static byte[] write(Iterable<FixupCell> cells) {
        TreeSet<FixupCell> sorted = new TreeSet<>();
        cells.forEach(sorted::add);
        if (sorted.isEmpty()) {
            throw new IllegalArgumentException("a fixup list has at least one cell");
        }
        NibbleWriter w = new NibbleWriter();
        int table = -1;
        int slot = 0;
        for (FixupCell c : sorted) {
            if (c.importSection() != table) {
                if (table >= 0) {
                    w.writeUnsigned(0);
                    w.writeUnsigned(c.importSection() - table);
                } else {
                    w.writeUnsigned(c.importSection());
                }
                table = c.importSection();
                w.writeUnsigned(c.slot());
            } else {
                w.writeUnsigned(c.slot() - slot);
            }
            slot = c.slot();
        }
        w.writeUnsigned(0);
        w.writeUnsigned(0);
        return w.toByteArray();
    }

    private static final class Nibbles {
        private final NativeReader reader;
        private final long start;
        private long pos;
        private int pending = -1;

        Nibbles(NativeReader reader, long offset) {
            this.reader = reader;
            this.start = offset;
            this.pos = offset;
        }

        int next() {
            if (pending >= 0) {
                int n = pending;
                pending = -1;
                return n;
            }
            if (!reader.contains(pos)) {
                throw reader.error(start, "fixup list runs past the end of the section");
            }
            int b = reader.u8(pos++);
            pending = b >>> 4;
            return b & 0xF;
        }

        long readUnsigned() {
            long v = 0;
            for (int i = 0; i < MAX_NIBBLES_PER_VALUE; i++) {
                int n = next();
                v = (v << 3) | (n & 7);
                if ((n & 8) == 0) {
                    if (v > 0xFFFFFFFFL) {
                        break;
                    }
                    return v;
                }
            }
            throw reader.error(start, "fixup list holds a value longer than 32 bits");
        }
    }

    private static final class NibbleWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int pending = -1;

        void nibble(int n) {
            if (pending < 0) {
                pending = n;
            } else {
                out.write(pending | n << 4);
                pending = -1;
            }
        }

        void writeUnsigned(long v) {
            int groups = 1;
            while ((v >>> (3 * groups)) != 0) {
                groups++;
            }
            for (int g = groups - 1; g >= 0; g--) {
                int bits = (int) (v >>> (3 * g)) & 7;
                nibble(g > 0 ? bits | 8 : bits);
            }
        }

        byte[] toByteArray() {
            if (pending >= 0) {
                out.write(pending);
                pending = -1;
            }
            return out.toByteArray();
        }
    }
}
