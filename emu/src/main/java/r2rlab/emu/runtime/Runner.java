package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_SP;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X30;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.ReadyToRunInfo;

/**
 * Runs guest code: enters code with the ABI's argument registers, a fresh stack and a return address
 * that is the runtime's exit trap, under a time limit; calls a method's R2R code, fixups first; runs
 * an async method through its Task-returning method and the dispatcher; and ends a run in one
 * {@link RunOutcome}. The Throw helpers end a call with the exception they raise.
 */
final class Runner {
    /** The most arguments a call from the runtime passes (those past the argument registers go on the stack). */
    static final int MAX_ARGUMENTS = 256;

    private final EmulatedRuntime rt;
    private final CpuEngine engine;
    private final Abi abi;
    private final long exitTrap;
    private long timeoutMicros = EmulatedRuntime.DEFAULT_TIMEOUT_MICROS;
    private GuestException pendingException;
    private boolean entryPointsPrepared;

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
     * @throws RunRejectedException the method has no usable R2R code, or not as many arguments as it has parameters
     */
    RunOutcome run(int token, long... args) {
        checkArguments(args);
        prepareEntryPoints();
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

    /** Calls the R2R code of the method with MethodDef token {@code token}, fixups first. */
    RunOutcome.Completed call(int token, long... args) {
        prepareEntryPoints();
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
        prepareEntryPoints();
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

    /**
     * Looks up the entry point of every method with R2R code (GetEntryPoint, running its fixups),
     * once. r2rlab scenarios may call or await a method DIRECTLY ({@code call rel32} / {@code bl}),
     * past the prestub that would do this in the runtime; without it the callee's fixups would not
     * have run (an empty ContinuationLayout cell, an unregistered stub) and its code would be missing
     * from the entry-point map, so the code manager would attribute it to the method before it
     * (runtime-async.md A.3.4).
     */
    void prepareEntryPoints() {
        if (entryPointsPrepared) {
            return;
        }
        entryPointsPrepared = true;
        ReadyToRunInfo info = rt.info();
        for (ReadyToRunMethod m : rt.image().methods()) {
            EntryPoint ep;
            if (m.kind() == CodeBodyKind.ASYNC_VARIANT && m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                ep = info.getAsyncVariantEntryPoint(m.token());
            } else if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                ep = info.getEntryPoint(m.token());
            } else {
                continue;
            }
            if (!ep.isOk()) {
                rt.event(String.format("method 0x%08X has no usable R2R code: %s", m.token(), ep.rejection().message()));
            }
        }
        rt.syncCells();
    }

    /**
     * Calls code at {@code address} and returns when it returns: the first arguments in the ABI's argument
     * registers, the rest on the stack where the callee finds them (ARM64 [sp + 8k]; x64 above the return address
     * and the Windows shadow area, with RSP + 8 16-byte aligned as after a call).
     */
    RunOutcome.Completed callAddress(long address, long... args) {
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
