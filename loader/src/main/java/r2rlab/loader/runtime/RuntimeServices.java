package r2rlab.loader.runtime;

import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.MethodRef;
import r2rlab.loader.ReadyToRunMethod;

/**
 * What the embedding runtime (an emulator, or {@link SimpleRuntimeServices} in tests) provides to
 * {@link ReadyToRunInfo}. Every resolver returns an address, or 0 when it cannot resolve: 0 makes the
 * fixup fail, and a failed fixup rejects the R2R code that needed it.
 */
public interface RuntimeServices {
    /** Where the image is mapped; cell values and entry addresses are imageBase + RVA. */
    default long imageBase() {
        return 0;
    }

    /** The Module* stored into the Module cell (Helper fixup 1A 01). */
    long moduleHandle();

    /** Address of READYTORUN_HELPER {@code helperId}, or 0 when the runtime does not provide it. */
    long helperAddress(int helperId);

    /** The MethodTable of the continuation type a ContinuationLayout (0x37) fixup describes, or 0. */
    long methodTableForContinuationLayout(long signatureRva, FixupSignature.Layout layout);

    /**
     * Entry point of a method outside this image's own MethodDefs (a MemberRef, or a token in another
     * module named by a module override; {@code moduleOverride} is -1 when the signature has none), or 0.
     */
    long resolveExternalMethod(MethodRef method, int moduleOverride);

    /**
     * Any other fixup kind (type handles, field addresses, checks, ...): its value, or 0 when it fails;
     * a failure with a reason of its own (an instruction-set check) is thrown as a {@link FixupFailure}.
     */
    long resolveOther(ImportCell cell);

    /**
     * Why the runtime's CPU cannot run {@code method}'s R2R code although its fixups may hold (an
     * instruction the CPU does not execute), or null when it can: the method's R2R code is rejected.
     */
    default String unsupportedCode(ReadyToRunMethod method) {
        return null;
    }

    /**
     * Whether resolving a ResumptionStubEntryPoint fixup registers the stub's MethodDesc in the
     * entry-point map (what PR #124203 added for stack walks). False models a runtime without it.
     */
    default boolean registersResumptionStubs() {
        return true;
    }

    /** Accounting callback: a stub MethodDesc was allocated (its tracker may still release it). */
    default void methodDescAllocated(MethodDesc md) {
    }

    /** Accounting callback: an allocation tracker released (freed) a MethodDesc. */
    default void methodDescFreed(MethodDesc md) {
    }
}
