package r2rlab.emu.runtime;

import java.util.Objects;

/**
 * How a run of guest code ended: it returned a value, it threw a managed exception, or it faulted
 * (a CPU fault, a runtime assertion, a time limit) with a {@link FaultReport}.
 */
public sealed interface RunOutcome permits RunOutcome.Completed, RunOutcome.Faulted {

    /** The guest code came back to the runtime: it returned or it threw. */
    sealed interface Completed extends RunOutcome permits Returned, Threw {
    }

    /** The value in the result register (or the completed Task's result). */
    record Returned(long value) implements Completed {
    }

    /** The managed exception the code ended with (thrown, or the exception its Task faulted with). */
    record Threw(GuestException exception) implements Completed {
        public Threw {
            Objects.requireNonNull(exception);
        }

        /** The exception's integer code. */
        public long code() {
            return exception.code();
        }

        /** The helper it was thrown through (Throw, ThrowExact, ...). */
        public String helper() {
            return exception.helper();
        }
    }

    /** The run did not come back: the report says where and why. */
    record Faulted(FaultReport report) implements RunOutcome {
        public Faulted {
            Objects.requireNonNull(report);
        }
    }
}
