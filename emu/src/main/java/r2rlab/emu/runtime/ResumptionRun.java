package r2rlab.emu.runtime;

import r2rlab.loader.ResumptionStub;

/**
 * A resumption through a real stub ({@link EmulatedRuntime#runResumptionStub}): the stub, the State the
 * continuation was built with, the continuation, the RVA where the resumed variant reached the code after its
 * resumption dispatch (-1 when it did not), and how the call ended (a return to the runtime, when it reached it).
 */
public record ResumptionRun(ResumptionStub stub, int state, long continuation, long reachedRva, RunOutcome outcome) {
    /** Whether the resumed variant got past its dispatch on State to the code after an await. */
    public boolean reached() {
        return reachedRva >= 0;
    }
}
