package r2rlab.format.r2r;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.Objects;
import r2rlab.format.SignatureReader;

/**
 * The type layout descriptor of Check_TypeLayout, Verify_TypeLayout and ContinuationLayout fixups
 * (READYTORUN_LAYOUT_*): flags, size, [HFA element type], [alignment], [GC map of pointer-size
 * cells, bit i set when cell i holds an object reference].
 *
 * @param hfaType meaningful only with {@link #HFA}
 * @param alignment meaningful only with {@link #ALIGNMENT} and without {@link #ALIGNMENT_NATIVE}
 * @param gcMap the map as written; empty unless {@link #hasGcMap()}
 */
public record TypeLayout(int flags, int size, int hfaType, int alignment, byte[] gcMap) {
    public static final int HFA = 0x01;
    public static final int ALIGNMENT = 0x02;
    public static final int ALIGNMENT_NATIVE = 0x04;
    public static final int GCLAYOUT = 0x08;
    public static final int GCLAYOUT_EMPTY = 0x10;

    public TypeLayout {
        gcMap = gcMap.clone();
    }

    /** A layout with natural alignment and a GC map: what crossgen2 writes for continuation types (flags 0x0E). */
    public static TypeLayout continuation(int size, byte[] gcMap) {
        return new TypeLayout(ALIGNMENT | ALIGNMENT_NATIVE | GCLAYOUT, size, 0, 0, gcMap);
    }

    public boolean hasGcMap() {
        return hasGcMap(flags);
    }

    private static boolean hasGcMap(int flags) {
        return (flags & GCLAYOUT) != 0 && (flags & GCLAYOUT_EMPTY) == 0;
    }

    private static boolean hasAlignment(int flags) {
        return (flags & ALIGNMENT) != 0 && (flags & ALIGNMENT_NATIVE) == 0;
    }

    @Override
    public byte[] gcMap() {
        return gcMap.clone();
    }

    /** Whether pointer-size cell {@code cell} holds a reference. */
    public boolean isReference(int cell) {
        return cell >= 0 && cell / 8 < gcMap.length && (gcMap[cell / 8] >> (cell % 8) & 1) != 0;
    }

    /** Bytes of the GC map the runtime reads: one bit per pointer-size cell, cells counted rounding up. */
    public static int gcMapLength(int size, int pointerSize) {
        int cells = (size + pointerSize - 1) / pointerSize;
        return (cells + 7) / 8;
    }

    /**
     * The GC map of a layout whose reference cells are {@code refCells}. {@code truncating}
     * reproduces defect B8: the array sized from {@code size / pointerSize} (truncating) — one byte
     * short when the size is not a multiple of the pointer size and the cell count crosses a multiple
     * of 8; a reference in the missing byte fails as crossgen2's IndexOutOfRange did.
     */
    public static byte[] gcMap(int size, int pointerSize, BitSet refCells, boolean truncating) {
        int length = truncating ? (size / pointerSize + 7) / 8 : gcMapLength(size, pointerSize);
        byte[] map = new byte[length];
        for (int cell = refCells.nextSetBit(0); cell >= 0; cell = refCells.nextSetBit(cell + 1)) {
            if (cell / 8 >= map.length) {
                throw new IndexOutOfBoundsException("GC map of " + map.length + " byte(s) has no bit for cell " + cell
                        + " (type size " + size + ", pointer size " + pointerSize + ")");
            }
            map[cell / 8] |= (byte) (1 << (cell % 8));
        }
        return map;
    }

    /** Writes the map as given, whatever its length: a defective writer's short map must reach the image. */
    public void write(SignatureWriter w) {
        w.compressed(flags).compressed(size);
        if ((flags & HFA) != 0) {
            w.compressed(hfaType);
        }
        if (hasAlignment(flags)) {
            w.compressed(alignment);
        }
        if (hasGcMap(flags)) {
            w.bytes(gcMap);
        }
    }

    /** Reads a descriptor; the map's length follows from the size, as the runtime computes it (B8). */
    public static TypeLayout read(SignatureReader r, int pointerSize) {
        int flags = r.readUInt();
        int size = r.readUInt();
        int hfa = (flags & HFA) != 0 ? r.readUInt() : 0;
        int alignment = hasAlignment(flags) ? r.readUInt() : 0;
        byte[] map = hasGcMap(flags) ? r.readBytes(gcMapLength(size, pointerSize)) : new byte[0];
        return new TypeLayout(flags, size, hfa, alignment, map);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TypeLayout t && flags == t.flags && size == t.size && hfaType == t.hfaType && alignment == t.alignment
                && Arrays.equals(gcMap, t.gcMap);
    }

    @Override
    public int hashCode() {
        return Objects.hash(flags, size, hfaType, alignment, Arrays.hashCode(gcMap));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format("flags 0x%X size %d", flags, size));
        if ((flags & HFA) != 0) {
            sb.append(" hfa ").append(hfaType);
        }
        if (hasAlignment(flags)) {
            sb.append(" align ").append(alignment);
        }
        if (hasGcMap(flags)) {
            sb.append(" gcmap ").append(HexFormat.of().formatHex(gcMap));
        }
        return sb.toString();
    }
}
