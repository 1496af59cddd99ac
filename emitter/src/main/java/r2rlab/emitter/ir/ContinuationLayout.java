package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;

/**
 * The continuation object of one async variant's code version (runtime-async.md C.2): the Continuation header
 * (MethodTable, Next, ResumeInfo, Flags, State) then the data area in the order the real images use (ZipFile's
 * OpenAsync: Exception +0x20, Result +0x28, ExecutionContext +0x30, live locals from +0x38): the Exception slot,
 * the Result slot when some await's callee returns a value, the ExecutionContext captured at suspension, and one
 * slot per frame slot of the method (every value may be live across an await). The R2R version stores frame slots
 * in order, the Tier1 version in reverse, so a continuation resumed by the wrong version reads the wrong values.
 */
public final class ContinuationLayout {
    /** The continuation object's header, as the runtime defines it for 64-bit targets. */
    public static final ContinuationObject OBJECT = ContinuationObject.POINTER_SIZE_8;
    /** The Flags split of the runtime the images are for (R2R 18.5, .NET 11 preview 4). */
    public static final ContinuationFlags FLAGS_SPLIT = ContinuationFlags.R2R_18_5;
    /** Index (1-based, in pointer-size slots of the data area) of the Exception slot. */
    public static final int EXCEPTION_INDEX = 1;

    private final int resultIndex;
    private final int executionContextIndex;
    private final int[] slotOffsets;
    private final int dataSize;

    /** {@code hasResult}: some await's callee returns a value, which the dispatcher stores in the Result slot. */
    public ContinuationLayout(int frameSlots, boolean hasResult, CodeVersion version) {
        resultIndex = hasResult ? EXCEPTION_INDEX + 1 : 0;
        executionContextIndex = (hasResult ? resultIndex : EXCEPTION_INDEX) + 1;
        slotOffsets = new int[frameSlots];
        for (int i = 0; i < frameSlots; i++) {
            int position = version == CodeVersion.R2R ? i : frameSlots - 1 - i;
            slotOffsets[i] = OBJECT.slot(executionContextIndex + 1 + position);
        }
        dataSize = (executionContextIndex + frameSlots) * OBJECT.pointerSize();
    }

    /**
     * The Flags a suspension stores, written with {@code split}: ContinueOnThreadPool (the language's await is
     * {@code ConfigureAwait(false)}, as in the library code of the real images), the Exception slot (every await
     * resumes as if inside a try block, so an exception thrown by the callee comes back through this frame), and the
     * Result slot when the awaited callee returns a value ({@code awaitHasResult}).
     */
    public int flags(boolean awaitHasResult, ContinuationFlags split) {
        return split.encode(ContinuationFlags.CONTINUE_ON_THREAD_POOL, EXCEPTION_INDEX, 0, awaitHasResult ? resultIndex : 0);
    }

    /** Offset, from the object reference, where frame slot {@code slot} is saved. */
    public int slotOffset(int slot) {
        return slotOffsets[slot];
    }

    public int exceptionOffset() {
        return OBJECT.slot(EXCEPTION_INDEX);
    }

    /** The Result slot's offset, or -1 when no await's callee returns a value. */
    public int resultOffset() {
        return OBJECT.slot(resultIndex);
    }

    /** Where a suspension saves the ExecutionContext it captured, and the resumed state restores it from. */
    public int executionContextOffset() {
        return OBJECT.slot(executionContextIndex);
    }

    /** Bytes of the data area (a multiple of the pointer size). */
    public int dataSize() {
        return dataSize;
    }

    /** Object size including the header. */
    public int objectSize() {
        return OBJECT.data() + dataSize;
    }

    /** Pointer-size cells of the data area that hold references: the Exception and ExecutionContext slots. */
    public BitSet referenceCells() {
        BitSet cells = new BitSet();
        cells.set(EXCEPTION_INDEX - 1);
        cells.set(executionContextIndex - 1);
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
