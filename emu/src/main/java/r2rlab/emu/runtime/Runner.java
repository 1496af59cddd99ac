package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_SP;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X30;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.loader.runtime.EntryPoint;

/**
 * Runs guest code: enters code with the ABI's argument registers, a fresh stack and a return address
 * that is the runtime's exit trap, under a time limit; calls a method's R2R code, fixups first; runs
 * an async method through its Task-returning method and the dispatcher; and ends a run in one
 * {@link RunOutcome}. The Throw helpers end a call with the exception they raise.
 */
final class Runner {
    private final EmulatedRuntime rt;
    private final CpuEngine engine;
    private final Abi abi;
    private final long exitTrap;
    private long timeoutMicros = EmulatedRuntime.DEFAULT_TIMEOUT_MICROS;
    private GuestException pendingException;

    Runner(EmulatedRuntime rt, TrapPage traps) {
        this.rt = rt;
        this.engine = rt.engine();
        this.abi = rt.abi();
        this.exitTrap = traps.add(StackWalker.EXIT_TRAP, TrapCall::stop);
    }

    void setTimeoutMicros(long micros) {
        this.timeoutMicros = micros;
    }

    // ---- runs

    /**
     * Runs the method with MethodDef token {@code token} to its outcome: an async method through the
     * dispatcher, any other by a call. A fault is located exactly by running a second time (see
     * {@link FaultReport#capture}).
     *
     * @throws RunRejectedException the method has no usable R2R code, or too many arguments
     */
    RunOutcome run(int token, long... args) {
        checkArguments(args);
        EntryPoint ep = rt.info().getEntryPoint(token);
        if (!ep.isOk()) {
            throw noUsableCode(token, ep);
        }
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
        async.runThreadPool();
        long status = async.status(task);
        if (status == AsyncDispatcher.COMPLETED) {
            return async.finishRun(new RunOutcome.Returned(async.result(task)), task, sync);
        }
        if (status == AsyncDispatcher.FAULTED) {
            return async.finishRun(new RunOutcome.Threw(async.faultOf(task)), task, sync);
        }
        throw new IllegalStateException(String.format("Task 0x%X is still pending after the thread pool drained", task));
    }

    /** Calls code at {@code address} with the ABI's argument registers and returns when it returns. */
    RunOutcome.Completed callAddress(long address, long... args) {
        checkArguments(args);
        for (int i = 0; i < args.length; i++) {
            engine.regWrite(abi.argumentRegister(i), args[i]);
        }
        long top = EmulatedRuntime.STACK_BASE + EmulatedRuntime.STACK_SIZE - 0x100;
        if (abi.isArm64()) {
            engine.regWrite(UC_ARM64_REG_SP, top);
            engine.regWrite(UC_ARM64_REG_X30, exitTrap);
        } else {
            long rsp = top - 8; // as after a call: RSP + 8 is 16-byte aligned
            engine.writeLong(rsp, exitTrap);
            engine.regWrite(UC_X86_REG_RSP, rsp);
        }
        pendingException = null;
        engine.emuStart(address, 0, timeoutMicros, 0);
        if (pendingException != null) {
            GuestException e = pendingException;
            pendingException = null;
            return new RunOutcome.Threw(e);
        }
        if (engine.pc() != exitTrap) {
            throw new IllegalStateException(String.format("emulation stopped at 0x%X, not at the return to the runtime", engine.pc()));
        }
        return new RunOutcome.Returned(engine.regRead(abi.resultRegister));
    }

    private void checkArguments(long[] args) {
        if (args.length > abi.registerArguments()) {
            throw new RunRejectedException(RunRejectedException.Reason.TOO_MANY_ARGUMENTS,
                    args.length + " arguments; the emulated calls pass at most " + abi.registerArguments());
        }
    }

    // ---- the Throw helpers

    /** Throw(code): a new managed exception object a dispatcher can store; the call ends with it. */
    void throwCode(TrapCall call) {
        raise(call, engine.regRead(abi.argumentRegister(0)));
    }

    /** ThrowDivZero: the DivideByZeroException of the runtime, code -2. */
    void throwDivZero(TrapCall call) {
        raise(call, -2);
    }

    private void raise(TrapCall call, long code) {
        rt.event(call.name() + " " + code);
        GuestException e = new GuestException(code, call.name());
        rt.async().newException(e);
        end(call, e);
    }

    /** ThrowExact(obj): the rethrow of an exception object (a resume block found its Exception slot non-null). */
    void throwExact(TrapCall call) {
        long obj = engine.regRead(abi.argumentRegister(0));
        GuestException e = rt.async().exceptionOf(obj, call.name());
        rt.event(String.format("%s %d (object 0x%X)", call.name(), e.code(), obj));
        end(call, e);
    }

    private void end(TrapCall call, GuestException e) {
        pendingException = e;
        call.stop();
    }
}
