package r2rlab.emitter.codegen;

import java.util.List;

import r2rlab.emitter.ir.Insn;

/**
 * The instruction selection of one body, driven in the contract's order by {@link BodyPlan#emitBody}.
 * {@code L} is the back end's label type.
 */
public interface BodyEmitter<L> {
    /** Sets up the frame and stores the incoming arguments into the parameter slots. */
    void prolog();

    /**
     * Normal entry of an async variant: saves the continuation argument (at {@code continuationPosition}), jumps to
     * {@code dispatchBlock} when it is non-null ({@code null}: not resumable, no jump), and calls CaptureContexts.
     */
    void asyncEntry(int continuationPosition, L dispatchBlock);

    void insn(Insn i);

    /** From now on emit into the cold part ({@code true}) or the hot part ({@code false}). */
    void selectPart(boolean cold);

    void suspensionBlock(AwaitSites.Site<L> site);

    /** Binds {@code dispatchBlock}; loads State from the saved continuation and jumps to the matching resume block. */
    void dispatchBlock(L dispatchBlock, List<AwaitSites.Site<L>> sites);

    void resumeBlock(AwaitSites.Site<L> site);

    /** Argument {@code position} = the value of IR slot {@code slot}. */
    void argFromSlot(int position, int slot);

    /** Argument {@code position} = 0 (null). */
    void argZero(int position);
}
