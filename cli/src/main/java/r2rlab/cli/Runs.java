package r2rlab.cli;

import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;

/** How the CLI runs entry points and reports guest faults. */
final class Runs {
    private Runs() {
    }

    /** Runs an async method through its Task-returning method and the dispatcher. */
    static EmulatedRuntime.Result runAsync(EmulatedRuntime rt, int token, long[] args) {
        AsyncRun r = rt.runAsync(token, args);
        return new EmulatedRuntime.Result(r.value(), r.exception());
    }
}
