package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;

/**
 * The continuation object of one async variant's code version (runtime-async.md C.2): the
 * Continuation header (MethodTable, Next, ResumeInfo, Flags, State) then the data area: the
 * Exception slot, the Result slot, and one slot per frame slot of the method (every value may be
 * live across an await). The R2R version stores frame slots in order, the Tier1 version in reverse,
 * so a continuation resumed by the wrong version reads the wrong values.
 */
public final class ContinuationLayout {
    /** The continuation object's header, as the runtime defines it for 64-bit targets. */
    public static final ContinuationObject OBJECT = ContinuationObject.POINTER_SIZE_8;
    /** The Flags split of the runtime the images are for (R2R 18.5, .NET 11 preview 4). */
    public static final ContinuationFlags FLAGS_SPLIT = ContinuationFlags.R2R_18_5;
    /** Index (1-based, in pointer-size slots of the data area) of the Exception slot. */
    public static final int EXCEPTION_INDEX = 1;
    /** Index of the Result slot. */
    public static final int RESULT_INDEX = 2;

    /** The Flags every suspension stores, written with {@code split}: the Exception and Result slot indices. */
    public static int flags(ContinuationFlags split) {
        return split.encode(0, EXCEPTION_INDEX, 0, RESULT_INDEX);
    }

    private final int[] slotOffsets;
    private final int dataSize;

    public ContinuationLayout(int frameSlots, CodeVersion version) {
        slotOffsets = new int[frameSlots];
        for (int i = 0; i < frameSlots; i++) {
            int position = version == CodeVersion.R2R ? i : frameSlots - 1 - i;
            slotOffsets[i] = OBJECT.slot(RESULT_INDEX + 1 + position);
        }
        dataSize = (RESULT_INDEX + frameSlots) * OBJECT.pointerSize();
    }

    /** Offset, from the object reference, where frame slot {@code slot} is saved. */
    public int slotOffset(int slot) {
        return slotOffsets[slot];
    }

    public int exceptionOffset() {
        return OBJECT.slot(EXCEPTION_INDEX);
    }

    public int resultOffset() {
        return OBJECT.slot(RESULT_INDEX);
    }

    /** Bytes of the data area (a multiple of the pointer size). */
    public int dataSize() {
        return dataSize;
    }

    /** Object size including the header. */
    public int objectSize() {
        return OBJECT.data() + dataSize;
    }

    /** Pointer-size cells of the data area that hold references: only the Exception slot. */
    public BitSet referenceCells() {
        BitSet cells = new BitSet();
        cells.set(EXCEPTION_INDEX - 1);
        return cells;
    }

    public List<Integer> slotOffsets() {
        List<Integer> out = new ArrayList<>();
        for (int o : slotOffsets) {
            out.add(o);
        }
        return out;
    }
}
