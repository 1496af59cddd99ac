package r2rlab.emu.runtime;

import java.util.List;
import r2rlab.loader.runtime.MethodDesc;

/**
 * The outcome of {@link EmulatedRuntime#runAsync}: the Task's value or the exception it faulted
 * with, and what the runtime saw on the way.
 *
 * @param outcome the completed Task's result, or the exception the Task faulted with (or that escaped synchronously)
 * @param task the Task object's address in the managed heap (0 when the thunk threw synchronously)
 * @param completedSynchronously the Task-returning method returned a completed Task (Task.FromResult or Task.get_CompletedTask)
 * @param suspensions times a continuation chain was handed to the runtime (FinalizeTaskReturningThunk,
 *        or a resumption stub returning a new continuation)
 * @param yields times the runtime's Yield suspended (leaf suspensions)
 * @param continuationsAllocated AllocContinuation helper calls
 * @param resumptions resumption-stub calls made by the dispatcher, in order
 * @param exceptionsRouted exceptions the dispatcher stored into a continuation's Exception slot
 */
public record AsyncRun(RunOutcome.Completed outcome, long task, boolean completedSynchronously,
        int suspensions, int yields, int continuationsAllocated, List<Resumption> resumptions, int exceptionsRouted) {

    public boolean threw() {
        return outcome instanceof RunOutcome.Threw;
    }

    /** The completed Task's result (0 when it faulted). */
    public long value() {
        return outcome instanceof RunOutcome.Returned r ? r.value() : 0;
    }

    /** The exception the Task faulted with, or null when it completed. */
    public GuestException exception() {
        return outcome instanceof RunOutcome.Threw t ? t.exception() : null;
    }

    /** The names of the resumed stubs' MethodDescs, in call order ("?" when the code address has none). */
    public List<String> resumedStubNames() {
        return resumptions.stream().map(r -> r.stub() == null ? "?" : r.stub().name()).toList();
    }

    /**
     * One resumption: the continuation resumed, its State and ResumeInfo when it was resumed (a continuation
     * is reused by the method's next suspension), the stub called (address and the
     * MethodDesc the jit manager maps it to), and whether the call threw or suspended again.
     */
    public record Resumption(long continuation, int state, long resumeInfo, long stubAddress, MethodDesc stub, boolean threw, long newContinuation) {
    }
}
