package r2rlab.loader.runtime;

import java.util.Objects;

/**
 * Why the runtime will not use R2R code: a reason code can act on, and the sentence a person reads
 * (naming the method, the cell and the fixup as the runtime's logs would).
 */
public record Rejection(Reason reason, String message) {
    public enum Reason {
        /** AcquireImage: no Module cell (Helper fixup 1A 01) in an Eager import section; the image's R2R code is unusable. */
        NO_MODULE_CELL,
        /** An eager cell's fixup failed at load; the image's R2R code is unusable. */
        EAGER_FIXUP_FAILED,
        /** The method has no entry in the entry-point table asked (it was not precompiled). */
        NOT_PRECOMPILED,
        /** A fixup of the method's fixup list failed, so its R2R code is rejected. */
        FIXUP_FAILED,
        /** The method's code uses an instruction the CPU does not execute, so its R2R code is rejected. */
        UNSUPPORTED_INSTRUCTIONS,
        /** A fixup of a Tier1 code version's list failed, so that code was not published. */
        TIER1_FIXUP_FAILED
    }

    public Rejection {
        Objects.requireNonNull(reason);
        Objects.requireNonNull(message);
    }

    @Override
    public String toString() {
        return message;
    }
}
