package r2rlab.format.r2r;

import java.io.ByteArrayOutputStream;
import r2rlab.format.CompressedInteger;
import java.util.BitSet;

/**
 * The type layout descriptor of Check_TypeLayout, Verify_TypeLayout and ContinuationLayout fixups:
 * READYTORUN_LAYOUT flags, size, [HFA type], [alignment], [GC map of pointer-size cells].
 */
public final class TypeLayoutEncoding {
    public static final int LAYOUT_HFA = 0x01;
    public static final int LAYOUT_ALIGNMENT = 0x02;
    public static final int LAYOUT_ALIGNMENT_NATIVE = 0x04;
    public static final int LAYOUT_GCLAYOUT = 0x08;
    public static final int LAYOUT_GCLAYOUT_EMPTY = 0x10;

    private TypeLayoutEncoding() {
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

    /** Flags, size and (for a GC layout that is not empty) the map, with compressed integers. */
    public static byte[] descriptor(int flags, int size, byte[] gcMap) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompressedInteger.write(out, flags);
        CompressedInteger.write(out, size);
        if ((flags & LAYOUT_GCLAYOUT) != 0 && (flags & LAYOUT_GCLAYOUT_EMPTY) == 0) {
            out.writeBytes(gcMap);
        }
        return out.toByteArray();
    }
}
