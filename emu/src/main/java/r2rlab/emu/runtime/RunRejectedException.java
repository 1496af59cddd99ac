package r2rlab.emu.runtime;

import java.util.Objects;
import r2rlab.loader.runtime.Rejection;

/**
 * The emulated runtime refuses what it was asked to run before guest code runs: the input (the
 * image, the entry method, its arguments) cannot be run. A run that starts ends in a
 * {@link RunOutcome} instead.
 */
public final class RunRejectedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What was refused. */
    public enum Reason {
        /** The image is for a machine the emulator does not run (it runs x64 and ARM64). */
        UNSUPPORTED_MACHINE,
        /** The CPU profile asked for describes another machine than the image's. */
        CPU_PROFILE_MISMATCH,
        /** The image has a base relocation the loader cannot apply to a 64-bit image, or none where it must move. */
        UNSUPPORTED_BASE_RELOCATION,
        /** The image cannot be mapped: too large, or at a base the emulator's memory does not leave free. */
        UNMAPPABLE_IMAGE,
        /** The runtime rejected the image's R2R code at load ({@link #rejection()} says why). */
        IMAGE_REJECTED,
        /** The entry method has no usable R2R code ({@link #rejection()} says why). */
        NO_USABLE_CODE,
        /** The method's Tier1 code could not be published ({@link #rejection()} says why, when the runtime refused it). */
        TIER_UP_FAILED,
        /** More arguments than a call from the runtime passes. */
        TOO_MANY_ARGUMENTS,
        /** Not as many arguments as the entry method has parameters. */
        WRONG_ARGUMENT_COUNT
    }

    private final Reason reason;
    private final transient Rejection rejection;

    public RunRejectedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
        this.rejection = null;
    }

    /** A refusal that comes from the runtime's model: {@code what} then the model's own sentence. */
    public RunRejectedException(Reason reason, String what, Rejection rejection) {
        super(what + ": " + rejection.message());
        this.reason = Objects.requireNonNull(reason);
        this.rejection = rejection;
    }

    public Reason reason() {
        return reason;
    }

    /** The runtime model's rejection behind this refusal, or null when the emulator itself refused. */
    public Rejection rejection() {
        return rejection;
    }
}
