package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.List;

/**
 * The continuation object of one async variant's code version (runtime-async.md C.2): the
 * Continuation header (MethodTable, Next, ResumeInfo, Flags, State) then the data area: the
 * Exception slot, the Result slot, and one slot per frame slot of the method (every value may be
 * live across an await). The R2R version stores frame slots in order, the Tier1 version in reverse,
 * so a continuation resumed by the wrong version reads the wrong values.
 */
public final class ContinuationLayout {
    public static final int POINTER_SIZE = 8;
    public static final int OFFSET_NEXT = 8;
    public static final int OFFSET_RESUME_INFO = 16;
    public static final int OFFSET_FLAGS = 24;
    public static final int OFFSET_STATE = 28;
    /** OFFSETOF__CORINFO_Continuation__data on 64-bit targets. */
    public static final int OFFSET_DATA = 32;
    /** Index (1-based, in pointer-size slots of the data area) of the Exception slot. */
    public static final int EXCEPTION_INDEX = 1;
    /** Index of the Result slot. */
    public static final int RESULT_INDEX = 2;
    /** ContinuationFlags: Exception slot index in bits 7-9, Result slot index in bits 10-31. */
    public static final int FLAGS = EXCEPTION_INDEX << 7 | RESULT_INDEX << 10;
    /** Size of one ResumeInfo record: {Resume, DiagnosticIP}. */
    public static final int RESUME_INFO_SIZE = 16;
    /** READYTORUN_LAYOUT flags crossgen2 writes for continuation layouts (0x0E in every real cell). */
    public static final int LAYOUT_FLAGS = 0x0E;

    private final int[] slotOffsets;
    private final int dataSize;

    public ContinuationLayout(int frameSlots, CodeVersion version) {
        slotOffsets = new int[frameSlots];
        for (int i = 0; i < frameSlots; i++) {
            int position = version == CodeVersion.R2R ? i : frameSlots - 1 - i;
            slotOffsets[i] = OFFSET_DATA + (RESULT_INDEX + position) * POINTER_SIZE;
        }
        dataSize = (RESULT_INDEX + frameSlots) * POINTER_SIZE;
    }

    /** Offset, from the object reference, where frame slot {@code slot} is saved. */
    public int slotOffset(int slot) {
        return slotOffsets[slot];
    }

    public int exceptionOffset() {
        return OFFSET_DATA + (EXCEPTION_INDEX - 1) * POINTER_SIZE;
    }

    public int resultOffset() {
        return OFFSET_DATA + (RESULT_INDEX - 1) * POINTER_SIZE;
    }

    /** Bytes of the data area (a multiple of the pointer size). */
    public int dataSize() {
        return dataSize;
    }

    /** Object size including the header. */
    public int objectSize() {
        return OFFSET_DATA + dataSize;
    }

    /** GC map of the data area: bit i set when pointer cell i holds a reference (only the Exception slot). */
    public byte[] gcMap() {
        int cells = dataSize / POINTER_SIZE;
        byte[] map = new byte[(cells + 7) / 8];
        map[(EXCEPTION_INDEX - 1) / 8] |= (byte) (1 << ((EXCEPTION_INDEX - 1) % 8));
        return map;
    }

    public List<Integer> slotOffsets() {
        List<Integer> out = new ArrayList<>();
        for (int o : slotOffsets) {
            out.add(o);
        }
        return out;
    }
}
