package r2rlab.loader.runtime;

import java.util.Objects;

/**
 * A fixup that could not be resolved (LoadDynamicInfoEntry returned FALSE, or the worker met an
 * unexpected kind: COR_E_BADIMAGEFORMAT). Names the cell, its kind and why.
 */
public final class FixupFailure extends RuntimeException {
    /** Why a fixup failed. */
    public enum Reason {
        /** The fixup list names an import section the image does not have. */
        NO_IMPORT_SECTION,
        /** The fixup list names a slot past the section's cells. */
        SLOT_OUT_OF_RANGE,
        /** The cell's section carries no signatures. */
        NO_SIGNATURE,
        /** The runtime does not provide the helper a Helper fixup names. */
        NO_HELPER,
        /** The runtime has no continuation type for a ContinuationLayout fixup. */
        NO_CONTINUATION_TYPE,
        /** No code starts at a ResumptionStubEntryPoint fixup's RVA. */
        NO_STUB_CODE,
        /** A MethodEntry signature names no method. */
        NO_METHOD,
        /** The target method of this image has no usable R2R code. */
        TARGET_REJECTED,
        /** The runtime could not resolve the method, handle or check the signature names. */
        UNRESOLVED,
        /** A Check_InstructionSetSupport fixup failed: the CPU lacks a set the code needs, or has one it must not. */
        INSTRUCTION_SET,
        /** The worker met a fixup kind it does not handle (COR_E_BADIMAGEFORMAT). */
        UNEXPECTED_KIND
    }

    private final int section;
    private final int index;
    private final String kind;
    private final Reason reason;
    private final String detail;

    public FixupFailure(int section, int index, String kind, Reason reason, String detail) {
        super(String.format("fixup ImportSection[%d] cell %d (%s) failed: %s", section, index, kind, detail));
        this.section = section;
        this.index = index;
        this.kind = kind;
        this.reason = Objects.requireNonNull(reason);
        this.detail = detail;
    }

    public int section() {
        return section;
    }

    public int index() {
        return index;
    }

    public String kind() {
        return kind;
    }

    public Reason reason() {
        return reason;
    }

    /** The sentence after "failed: " in the message. */
    public String detail() {
        return detail;
    }
}
