package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_SP;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X30;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.util.function.Function;
import java.util.function.Supplier;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.RunDeadline;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.loader.runtime.EntryPoint;

/**
 * Runs guest code: enters code with the ABI's argument registers, a fresh stack and a return address
 * that is the runtime's exit trap; calls a method's R2R code, fixups first; runs an async method
 * through its Task-returning method and the dispatcher; and ends a run in one {@link RunOutcome}. The
 * Throw helpers hand their exception to the {@link ExceptionDispatcher}; one that no managed frame catches ends the
 * call.
 *
 * <p>A run's time limit covers the whole run: the outermost entry ({@link #run}, {@link #call},
 * {@link #runAsync}, {@link #callAddress}) starts one {@link RunDeadline} whose watchdog stops the
 * engine when it passes, and every emulation slice and dispatcher step checks it; past it the run
 * ends with an EmuTimeoutException.
 */
final class Runner {
    /** The most arguments a call from the runtime passes (those past the argument registers go on the stack). */
    static final int MAX_ARGUMENTS = 256;

    private final EmulatedRuntime rt;
    private final CpuEngine engine;
    private final Abi abi;
    private final long exitTrap;
    private final ExceptionDispatcher exceptions;
    private long timeoutMicros = EmulatedRuntime.DEFAULT_TIMEOUT_MICROS;
    private GuestException pendingException;
    /** The current run's clock; null between runs. */
    private RunDeadline deadline;
    /** While a {@link #callChain} runs: what follows each call's outcome. */
    private Function<RunOutcome.Completed, Call> chain;
    private boolean chainEnded;

    /** A call of code: its address and arguments. */
    record Call(long address, long... args) {
    }

    Runner(EmulatedRuntime rt, TrapPage traps) {
        this.rt = rt;
        this.engine = rt.engine();
        this.abi = rt.abi();
        this.exitTrap = traps.add(StackWalker.EXIT_TRAP, this::returned);
        this.exceptions = new ExceptionDispatcher(rt, this);
    }

    /** The exit trap: the return address of every call from the runtime; reaching it ends the call. */
    long exitTrap() {
        return exitTrap;
    }

    void setTimeoutMicros(long micros) {
        if (micros <= 0) {
            throw new IllegalArgumentException("time limit must be positive: " + micros + " us");
        }
        this.timeoutMicros = micros;
    }

    /** Runs {@code body} under the run's time limit: the outermost entry starts the clock, nested ones share it. */
    <T> T timed(Supplier<T> body) {
        if (deadline != null) {
            return body.get();
        }
        exceptions.reset(); // a dispatch the last run left unfinished (it faulted) is over
        try (RunDeadline d = RunDeadline.start(engine, timeoutMicros)) {
            deadline = d;
            return body.get();
        } finally {
            deadline = null;
        }
    }

    /** Ends the run with a timeout when its deadline has passed (between slices and dispatcher steps). */
    void checkDeadline() {
        if (deadline != null && deadline.expired()) {
            throw deadline.timeout(engine.pc());
        }
    }

    // ---- runs

    /**
     * Runs the method with MethodDef token {@code token} to its outcome: an async method through the
     * dispatcher, any other by a call. A fault is located exactly by running a second time (see
     * {@link FaultReport#capture}).
     *
     * @throws RunRejectedException the method has no usable R2R code, or not as many arguments as it has parameters
     */
    RunOutcome run(int token, long... args) {
        return timed(() -> runTimed(token, args));
    }

    private RunOutcome runTimed(int token, long... args) {
        checkArguments(args);
        EntryPoint ep = rt.info().getEntryPoint(token);
        if (!ep.isOk()) {
            throw noUsableCode(token, ep);
        }
        checkArgumentCount(token, args);
        boolean async = (rt.image().metadata().methodImplFlags(MetadataTable.rid(token)) & MethodImplAttributes.ASYNC) != 0;
        RunOutcome.Completed[] completed = {null};
        FaultReport fault = FaultReport.capture(rt, () -> completed[0] = async ? runAsync(token, args).outcome() : call(token, args));
        return fault != null ? new RunOutcome.Faulted(fault) : completed[0];
    }

    /**
     * Calls the R2R code of the method with MethodDef token {@code token}, fixups first: the prestub's lookup
     * (GetEntryPoint) runs the method's fixup list. Every other method's fixups run when the runtime first
     * resolves a cell that leads to it, as the delay-load helper does.
     */
    RunOutcome.Completed call(int token, long... args) {
        return timed(() -> callTimed(token, args));
    }

    private RunOutcome.Completed callTimed(int token, long... args) {
        EntryPoint ep = rt.info().getEntryPoint(token);
        if (!ep.isOk()) {
            throw noUsableCode(token, ep);
        }
        rt.syncCells();
        return callAddress(rt.tiering().entryAddress(ep), args);
    }

    private static RunRejectedException noUsableCode(int token, EntryPoint ep) {
        return new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE,
                String.format("method 0x%08X has no R2R code to run", token), ep.rejection());
    }

    /**
     * Runs the async method with MethodDef token {@code token} to completion: calls its Task-returning
     * method, and if the returned Task is pending, runs the dispatcher until the Task completes or faults.
     */
    AsyncRun runAsync(int token, long... args) {
        return timed(() -> runAsyncTimed(token, args));
    }

    private AsyncRun runAsyncTimed(int token, long... args) {
        AsyncDispatcher async = rt.async();
        async.resetRun();
        RunOutcome.Completed r = call(token, args);
        if (r instanceof RunOutcome.Threw t) {
            rt.event("runAsync: exception " + t.code() + " escaped the Task-returning method synchronously");
            return async.finishRun(t, 0, true);
        }
        long task = ((RunOutcome.Returned) r).value();
        if (!async.isTask(task)) {
            throw new IllegalStateException(String.format("method 0x%08X returned 0x%X, not a Task", token, task));
        }
        boolean sync = async.status(task) != AsyncDispatcher.PENDING;
        async.runThreadPool(task);
        task = async.runTask();
        long status = async.status(task);
        if (status == AsyncDispatcher.COMPLETED) {
            return async.finishRun(new RunOutcome.Returned(async.result(task)), task, sync);
        }
        if (status == AsyncDispatcher.FAULTED) {
            return async.finishRun(new RunOutcome.Threw(async.faultOf(task)), task, sync);
        }
        throw new IllegalStateException(String.format("Task 0x%X is still pending after the thread pool drained", task));
    }

    /**
     * Calls code at {@code address} and returns when it returns: the first arguments in the ABI's argument
     * registers, the rest on the stack where the callee finds them (ARM64 [sp + 8k]; x64 above the return address
     * and the Windows shadow area, with RSP + 8 16-byte aligned as after a call).
     */
    RunOutcome.Completed callAddress(long address, long... args) {
        return timed(() -> callAddressTimed(address, args));
    }

    private RunOutcome.Completed callAddressTimed(long address, long... args) {
        enter(args);
        pendingException = null;
        checkDeadline();
        engine.emuStart(address, 0);
        if (pendingException != null) {
            GuestException e = pendingException;
            pendingException = null;
            return new RunOutcome.Threw(e);
        }
        long pc = engine.pc();
        if (pc != exitTrap) {
            if (deadline.expired()) {
                throw deadline.timeout(pc); // the watchdog stopped the slice
            }
            throw new IllegalStateException(String.format("emulation stopped at 0x%X, not at the return to the runtime", pc));
        }
        return new RunOutcome.Returned(engine.regRead(abi.resultRegister));
    }

    /** Argument registers, a fresh stack and the exit trap as the return address: a call from the runtime. */
    private void enter(long[] args) {
        checkArguments(args);
        int registers = abi.registerArguments();
        int stackArgs = Math.max(0, args.length - registers);
        for (int i = 0; i < args.length - stackArgs; i++) {
            engine.regWrite(abi.argumentRegister(i), args[i]);
        }
        long top = EmulatedRuntime.STACK_BASE + EmulatedRuntime.STACK_SIZE - 0x100;
        long stackArea;
        if (abi.isArm64()) {
            long sp = (top - 8L * stackArgs) & ~15L;
            engine.regWrite(UC_ARM64_REG_SP, sp);
            engine.regWrite(UC_ARM64_REG_X30, exitTrap);
            stackArea = sp;
        } else {
            long rsp = ((top - abi.shadowBytes - 8L * stackArgs) & ~15L) - 8;
            engine.writeLong(rsp, exitTrap);
            engine.regWrite(UC_X86_REG_RSP, rsp);
            stackArea = rsp + 8 + abi.shadowBytes;
        }
        for (int k = 0; k < stackArgs; k++) {
            engine.writeLong(stackArea + 8L * k, args[registers + k]);
        }
    }

    /**
     * Calls {@code first} and, each time a call of the chain returns or throws, hands its outcome to
     * {@code following}, which names the next call, or null to end the chain. The next call is entered
     * from the trap where the last one ended, without leaving emulation: the chain is one emulation
     * slice, where a call each would pay an emulation start (several microseconds) apiece.
     */
    void callChain(Call first, Function<RunOutcome.Completed, Call> following) {
        timed(() -> {
            enter(first.args());
            pendingException = null;
            chain = following;
            chainEnded = false;
            try {
                checkDeadline();
                engine.emuStart(first.address(), 0);
            } finally {
                chain = null;
            }
            if (!chainEnded) {
                long pc = engine.pc();
                if (deadline.expired()) {
                    throw deadline.timeout(pc); // the watchdog stopped the slice
                }
                throw new IllegalStateException(String.format("emulation stopped at 0x%X inside a chain of calls", pc));
            }
            return null;
        });
    }

    /** The exit trap: a call from the runtime returned. */
    private void returned(TrapCall call) {
        if (chain == null) {
            call.stop();
        } else {
            following(call, new RunOutcome.Returned(engine.regRead(abi.resultRegister)));
        }
    }

    /** Within a chain: enters the call that follows {@code outcome}, or ends the chain. */
    private void following(TrapCall call, RunOutcome.Completed outcome) {
        Call c = chain.apply(outcome);
        if (c == null) {
            chainEnded = true;
            call.stop();
            return;
        }
        enter(c.args());
        call.jumpTo(c.address());
    }

    private static void checkArguments(long[] args) {
        if (args.length > MAX_ARGUMENTS) {
            throw new RunRejectedException(RunRejectedException.Reason.TOO_MANY_ARGUMENTS,
                    args.length + " arguments; the emulated calls pass at most " + MAX_ARGUMENTS);
        }
    }

    /** As many arguments as the MethodDef's signature has parameters, {@code this} included. */
    private void checkArgumentCount(int token, long[] args) {
        int rid = MetadataTable.rid(token);
        MethodSignature sig = rt.image().metadata().methodDefSignature(rid);
        int expected = sig.parameters().size() + (sig.hasThis() ? 1 : 0);
        if (args.length != expected) {
            throw new RunRejectedException(RunRejectedException.Reason.WRONG_ARGUMENT_COUNT, String.format(
                    "%s (0x%08X) takes %d argument%s%s, not %d", rt.image().metadata().methodDefName(rid), token, expected,
                    expected == 1 ? "" : "s", sig.hasThis() ? " (this first)" : "", args.length));
        }
    }

    // ---- the Throw helpers: each hands its exception to the two-pass dispatch

    /** Throw(object): the exception object the code allocated (NewObject) and filled with its code. */
    /** The exception dispatch, whose saved state holds references. */
    ExceptionDispatcher exceptions() {
        return exceptions;
    }

    void throwCode(TrapCall call) {
        long obj = engine.regRead(abi.argumentRegister(0));
        if (!rt.isHeapObject(obj)) {
            throw new ExceptionDispatchException(String.format("%s was called with 0x%X, which is no object of the managed heap", call.name(), obj));
        }
        GuestException e = rt.async().exceptionOf(obj, call.name());
        rt.event(String.format("%s %d (object 0x%X)", call.name(), e.code(), obj));
        rt.async().resetStackTrace(obj); // a throw (not a rethrow) of an object starts its trace afresh
        exceptions.dispatch(call, e, obj);
    }

    /** ThrowDivZero: the DivideByZeroException of the runtime, code -2. */
    void throwDivZero(TrapCall call) {
        rt.event(call.name() + " -2");
        GuestException e = new GuestException(-2, call.name());
        exceptions.dispatch(call, e, rt.async().newException(e));
    }

    /** ThrowNullRef: the NullReferenceException of the runtime (a field of a null reference), code -3. */
    void throwNullRef(TrapCall call) {
        rt.event(call.name() + " -3");
        GuestException e = new GuestException(-3, call.name());
        exceptions.dispatch(call, e, rt.async().newException(e));
    }

    /** ThrowExact(obj): the rethrow of an exception object (a bare throw, or an Exception slot a resumption found non-null). */
    void throwExact(TrapCall call) {
        long obj = engine.regRead(abi.argumentRegister(0));
        if (obj == 0) { // as a throw of null: a NullReferenceException
            rt.event(call.name() + " of null: -3");
            GuestException e = new GuestException(-3, call.name());
            exceptions.dispatch(call, e, rt.async().newException(e));
            return;
        }
        if (!rt.isHeapObject(obj)) {
            throw new ExceptionDispatchException(String.format("%s was called with 0x%X, which is no object of the managed heap", call.name(), obj));
        }
        GuestException e = rt.async().exceptionOf(obj, call.name());
        rt.event(String.format("%s %d (object 0x%X)", call.name(), e.code(), obj));
        exceptions.dispatch(call, e, obj);
    }

    /** The exception {@code e} leaves the runtime's call (no managed frame caught it): the call ends with it. */
    void end(TrapCall call, GuestException e) {
        if (chain == null) {
            pendingException = e;
            call.stop();
        } else {
            following(call, new RunOutcome.Threw(e));
        }
    }
}
