package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;

/**
 * The continuation object of one async variant's code version (runtime-async.md C.2): the Continuation header
 * (MethodTable, Next, ResumeInfo, Flags, State) then the data area in the order the real images use (ZipFile's
 * OpenAsync: Exception +0x20, Result +0x28, ExecutionContext +0x30, live locals from +0x38): the Exception slot,
 * the Result slot when some await's callee returns an integer, a second Result slot when some await's callee returns a
 * reference (so that one cell never holds both, and the GC map can mark it), the ExecutionContext captured at
 * suspension, and one cell per frame slot that is live across some await (each suspension saves, and its resumption
 * reloads, only the slots live across its own await). The R2R version stores the saved slots in slot order, the Tier1
 * version in reverse, so a continuation resumed by the wrong version reads the wrong values. The GC map marks the
 * Exception, reference Result and ExecutionContext cells and the cells of saved reference slots, and nothing else.
 */
public final class ContinuationLayout {
    /** The continuation object's header, as the runtime defines it for 64-bit targets. */
    public static final ContinuationObject OBJECT = ContinuationObject.POINTER_SIZE_8;
    /** The Flags split of the runtime the images are for (R2R 18.5, .NET 11 preview 4). */
    public static final ContinuationFlags FLAGS_SPLIT = ContinuationFlags.R2R_18_5;
    /** Index (1-based, in pointer-size slots of the data area) of the Exception slot. */
    public static final int EXCEPTION_INDEX = 1;

    private final int resultIndex;
    private final int referenceResultIndex;
    private final int executionContextIndex;
    /** The cell offset of each frame slot, -1 for a slot no await saves. */
    private final int[] slotOffsets;
    private final int dataSize;
    private final BitSet referenceSlots;
    private final List<BitSet> savedAtAwait;

    /**
     * {@code hasResult} / {@code hasReferenceResult}: some await's callee returns an integer / a reference, which the
     * dispatcher stores in the Result slot the await's Flags name; {@code referenceSlots}: the frame slots that hold
     * references; {@code savedAtAwait}: for each await (AwaitPoint.index), the frame slots live across it.
     */
    public ContinuationLayout(int frameSlots, boolean hasResult, boolean hasReferenceResult, CodeVersion version,
                              BitSet referenceSlots, List<BitSet> savedAtAwait) {
        this.referenceSlots = (BitSet) referenceSlots.clone();
        this.savedAtAwait = new ArrayList<>();
        BitSet saved = new BitSet();
        for (BitSet b : savedAtAwait) {
            this.savedAtAwait.add((BitSet) b.clone());
            saved.or(b);
        }
        int next = EXCEPTION_INDEX + 1;
        resultIndex = hasResult ? next++ : 0;
        referenceResultIndex = hasReferenceResult ? next++ : 0;
        executionContextIndex = next;
        slotOffsets = new int[frameSlots];
        Arrays.fill(slotOffsets, -1);
        int count = saved.cardinality();
        int position = 0;
        for (int s = saved.nextSetBit(0); s >= 0; s = saved.nextSetBit(s + 1)) {
            int at = version == CodeVersion.R2R ? position : count - 1 - position;
            slotOffsets[s] = OBJECT.slot(executionContextIndex + 1 + at);
            position++;
        }
        dataSize = (executionContextIndex + count) * OBJECT.pointerSize();
    }

    /**
     * The Flags a suspension stores, written with {@code split}: ContinueOnThreadPool (the language's await is
     * {@code ConfigureAwait(false)}, as in the library code of the real images), the Exception slot (every await
     * resumes as if inside a try block, so an exception thrown by the callee comes back through this frame), and the
     * Result slot when the awaited callee returns a value ({@code awaitHasResult}): the reference one when it returns a
     * reference ({@code referenceResult}).
     */
    public int flags(boolean awaitHasResult, boolean referenceResult, ContinuationFlags split) {
        int result = !awaitHasResult ? 0 : referenceResult ? referenceResultIndex : resultIndex;
        return split.encode(ContinuationFlags.CONTINUE_ON_THREAD_POOL, EXCEPTION_INDEX, 0, result);
    }

    /** The Flags of an await whose callee returns nothing or an integer. */
    public int flags(boolean awaitHasResult, ContinuationFlags split) {
        return flags(awaitHasResult, false, split);
    }

    /** Offset, from the object reference, where frame slot {@code slot} is saved; -1 when no await saves it. */
    public int slotOffset(int slot) {
        return slotOffsets[slot];
    }

    /** The frame slots the suspension of await {@code index} saves (those live across it), ascending. */
    public BitSet savedSlots(int index) {
        return (BitSet) savedAtAwait.get(index).clone();
    }

    /** Whether frame slot {@code slot} holds a reference (its cell is marked in the GC map). */
    public boolean isReference(int slot) {
        return referenceSlots.get(slot);
    }

    public int exceptionOffset() {
        return OBJECT.slot(EXCEPTION_INDEX);
    }

    /** The integer Result slot's offset, or -1 when no await's callee returns an integer. */
    public int resultOffset() {
        return OBJECT.slot(resultIndex);
    }

    /** The Result slot an await's result is read from: the reference one for a reference. */
    public int resultOffset(boolean reference) {
        return OBJECT.slot(reference ? referenceResultIndex : resultIndex);
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

    /**
     * Pointer-size cells of the data area that hold references: the Exception, reference Result and ExecutionContext
     * slots, and the cells of saved reference slots.
     */
    public BitSet referenceCells() {
        BitSet cells = new BitSet();
        cells.set(EXCEPTION_INDEX - 1);
        if (referenceResultIndex > 0) {
            cells.set(referenceResultIndex - 1);
        }
        cells.set(executionContextIndex - 1);
        for (int s = referenceSlots.nextSetBit(0); s >= 0; s = referenceSlots.nextSetBit(s + 1)) {
            if (s < slotOffsets.length && slotOffsets[s] >= 0) {
                cells.set((slotOffsets[s] - OBJECT.data()) / OBJECT.pointerSize());
            }
        }
        return cells;
    }

    /** The cell offset of every frame slot in slot order, -1 for a slot no await saves. */
    public List<Integer> slotOffsets() {
        List<Integer> out = new ArrayList<>();
        for (int o : slotOffsets) {
            out.add(o);
        }
        return out;
    }
}
