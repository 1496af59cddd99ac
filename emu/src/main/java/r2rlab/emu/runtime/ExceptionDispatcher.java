package r2rlab.emu.runtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.CodeInfo;
import r2rlab.loader.runtime.MethodDesc;

/**
 * Two-pass exception dispatch, modelled on the runtime's (ExceptionHandling.cs over the code manager): the first pass
 * walks the managed frames from the throw with the image's unwind data, attributes each one through the code manager
 * (the nearest <em>registered</em> entry point at or before its runtime function) and, with the EH clauses of that
 * method (ExceptionInfo, keyed by the method's start), finds the first catch whose try region covers the frame's
 * offset (the call site, {@code return address - 1}); the second pass calls, innermost first, the fault and finally
 * funclets whose try regions cover the frames up to it (and the clauses before the catch in its frame), then the catch
 * funclet with the exception object, and resumes the catching frame at the address the catch funclet returns.
 *
 * <p>A funclet runs with the registers of its parent frame (its frame pointer above all) and the stack below the
 * throw, and returns to a trap of the runtime, from which the dispatch goes on. An exception that no managed frame
 * catches leaves the call after its fault and finally funclets ran: the runtime's call ends with it, and the async
 * dispatcher takes it into the next continuation's Exception slot. A frame the code manager takes for a funclet that
 * the dispatcher did not call (an unregistered resumption stub right after a method) has no parent frame to continue
 * from: the dispatch stops there with an {@link ExceptionDispatchException}, as the runtime would fail fast.
 */
final class ExceptionDispatcher {
    /** The trap a funclet returns to. */
    static final String FUNCLET_RETURN = "<return from funclet>";
    /** Bytes left below the throw's stack pointer before a funclet's frame (the throw helper's own area). */
    private static final long FUNCLET_STACK_GAP = 256;

    private final EmulatedRuntime rt;
    private final Runner runner;
    private final CpuEngine engine;
    private final long funcletReturn;
    private Dispatch active;

    /** A funclet to call: its address, the parent frame's registers, and the catch's or null. */
    private record FuncletCall(long address, FrameRegisters parent, boolean isCatch, String label) {
    }

    /** One dispatch in its second pass. */
    private static final class Dispatch {
        final GuestException exception;
        long object;
        final ArrayDeque<FuncletCall> calls = new ArrayDeque<>();
        final long stackPointer;
        /** The registers of the frame that threw (at its call of the throw helper): where a stack walk goes on below a funclet. */
        FrameRegisters throwSite;
        /** The frame that catches, or null when the exception leaves the call. */
        FrameRegisters catching;
        boolean inCatch;

        Dispatch(GuestException exception, long object, long stackPointer) {
            this.exception = exception;
            this.object = object;
            this.stackPointer = stackPointer;
        }
    }

    ExceptionDispatcher(EmulatedRuntime rt, Runner runner) {
        this.rt = rt;
        this.runner = runner;
        this.engine = rt.engine();
        this.funcletReturn = rt.traps().add(FUNCLET_RETURN, this::funcletReturned);
    }

    /**
     * Dispatches {@code e} (object {@code object}) thrown through the helper trap {@code call}: the first pass, then the
     * second, which goes on from each funclet's return.
     */
    void dispatch(TrapCall call, GuestException e, long object) {
        if (active != null) {
            throw new ExceptionDispatchException(String.format("exception %d thrown while the dispatch of exception %d runs a funclet",
                    e.code(), active.exception.code()));
        }
        FrameRegisters regs = FrameRegisters.read(engine);
        long base = rt.imageBase();
        FrameUnwinder unwinder = new FrameUnwinder(engine, base);
        Dispatch d = new Dispatch(e, object, regs.sp());
        FrameRegisters frame = unwinder.unwindLeaf(regs, 0).caller();
        d.throwSite = frame.copy();
        List<Long> frames = new ArrayList<>();
        ImageSymbols syms = null;
        walk:
        for (int i = 0; i < StackWalker.MAX_FRAMES; i++) {
            long pc = frame.pc();
            if (!rt.guest().contains(pc)) {
                break; // the frames end at the runtime (its exit trap): the exception leaves the call
            }
            long rva = pc - base - 1; // the call instruction
            CodeInfo ci = rt.info().jitManager().jitCodeToMethodInfo(rva);
            if (ci == null || ci.funclet()) {
                if (syms == null) {
                    syms = new ImageSymbols(rt.image());
                }
                Frame f = StackWalker.symbolize(rt, syms, pc, i, frame.sp(), true);
                throw new ExceptionDispatchException(String.format("exception %d: frame #%d at 0x%X (%s) %s", e.code(), i, pc, f.symbol(),
                        ci == null ? "maps to no method: " + f.note()
                                : "is a funclet of " + ci.method().name() + " to the code manager, but no dispatch called it: its parent"
                                + " frame cannot be found and the exception cannot go on" + (f.note().isEmpty() ? "" : " (" + f.note() + ")")));
            }
            MethodDesc md = ci.method();
            frames.add(pc);
            if (!ci.cold()) { // try regions lie in the main code, never in a cold part
                long offset = rva - md.entryRva();
                for (ExceptionClause c : rt.image().exceptionClauses(md.entryRva())) {
                    if (!c.tryCovers(offset)) {
                        continue;
                    }
                    String label = md.name() + " [" + (c.isCatch() ? "catch" : c.kindName()) + "]";
                    long handler = base + handlerRva(md, c, label, e, i, frame.sp());
                    if (c.isCatch()) {
                        d.calls.add(new FuncletCall(handler, frame.copy(), true, label));
                        d.catching = frame.copy();
                        break walk;
                    }
                    if (c.isFilter()) {
                        throw new ExceptionDispatchException(String.format("exception %d: %s has a filter clause, which the emulated runtime"
                                + " does not run", e.code(), md.name()));
                    }
                    d.calls.add(new FuncletCall(handler, frame.copy(), false, label));
                }
            }
            RuntimeFunction rf = rt.image().runtimeFunctions().get(ci.runtimeFunction());
            FrameUnwinder.Step step = unwinder.unwind(rf, frame);
            if (!step.ok()) {
                throw new ExceptionDispatchException(String.format("exception %d: frame #%d at 0x%X (%s): %s", e.code(), i, pc, md.name(),
                        step.error()));
            }
            frame = step.caller();
        }
        if (rt.tracing()) {
            rt.event(String.format("exception %d: %s; %d funclet(s) to run", e.code(),
                    d.catching == null ? "no managed frame catches it" : "caught by " + d.calls.peekLast().label(), d.calls.size()));
        }
        active = d;
        // The first pass records the frames it visited in the exception object (its allocation may move d's references).
        d.object = rt.async().appendStackTrace(e, frames);
        next(call);
    }

    /**
     * The RVA of {@code c}'s handler, which must start a funclet of {@code md} to the code manager: a split method's handlers lie in
     * its cold section, at the hot size plus their distance into it. A runtime that takes async code to be never split (B4) adds
     * the offset to the method's start and lands past the hot part, in code that is no funclet of the method: the dispatch stops
     * there, naming what the code manager made of it, rather than call into another method's code.
     */
    private long handlerRva(MethodDesc md, ExceptionClause c, String label, GuestException e, int frameIndex, long sp) {
        long rva = rt.info().jitManager().methodOffsetToRva(md, c.handlerStartPc());
        CodeInfo hci = rt.info().jitManager().jitCodeToMethodInfo(rva);
        if (hci != null && hci.funclet() && hci.method().entryRva() == md.entryRva()
                && rt.info().jitManager().methodOffsetOf(md, rva) == c.handlerStartPc()) {
            return rva;
        }
        Frame f = StackWalker.symbolize(rt, new ImageSymbols(rt.image()), rt.imageBase() + rva, frameIndex, sp, false);
        throw new ExceptionDispatchException(String.format("exception %d: frame #%d: the handler %s at offset 0x%X is at 0x%X (%s),"
                + " which the code manager %s, not a funclet of %s: the handler cannot be called", e.code(), frameIndex, label,
                c.handlerStartPc(), rt.imageBase() + rva, f.symbol(), hci == null ? "maps to no method"
                        : "attributes to " + hci.method().name() + (hci.funclet() ? " as a funclet" : "") + (hci.cold() ? " (cold)" : ""),
                md.name()));
    }

    /** Calls the next funclet of the active dispatch, or ends it. */
    private void next(TrapCall call) {
        Dispatch d = active;
        FuncletCall f = d.calls.poll();
        if (f == null) {
            active = null;
            runner.end(call, d.exception); // no catch: the exception leaves the runtime's call
            return;
        }
        rt.event("call funclet " + f.label());
        FrameRegisters r = f.parent().copy();
        long sp = (d.stackPointer - FUNCLET_STACK_GAP) & ~15L;
        if (r.isArm64()) {
            r.set(FrameRegisters.ARM64_LR, funcletReturn);
        } else {
            sp -= 8; // as after a call
            engine.writeLong(sp, funcletReturn);
        }
        r.setSp(sp);
        r.setPc(f.address());
        r.write(engine);
        if (f.isCatch()) {
            engine.regWrite(rt.abi().argumentRegister(0), d.object);
            d.inCatch = true;
        }
        call.jumpTo(f.address());
    }

    /** A funclet returned: the next one, or, after the catch funclet, the catching frame resumes where it said. */
    private void funcletReturned(TrapCall call) {
        Dispatch d = active;
        if (d == null) {
            throw new ExceptionDispatchException("a funclet returned with no exception dispatch in progress");
        }
        if (!d.inCatch) {
            next(call);
            return;
        }
        long resume = engine.regRead(rt.abi().resultRegister);
        active = null;
        if (!rt.guest().contains(resume)) {
            throw new ExceptionDispatchException(String.format("exception %d: the catch funclet returned 0x%X, outside the image, as its"
                    + " resume address", d.exception.code(), resume));
        }
        rt.event(String.format("exception %d caught: resume at 0x%X", d.exception.code(), resume));
        FrameRegisters r = d.catching.copy();
        r.setPc(resume);
        r.write(engine);
        call.jumpTo(resume);
    }

    /** The registers of the frame whose throw the running funclet belongs to, or null when no funclet runs. */
    FrameRegisters throwSite() {
        return active == null ? null : active.throwSite;
    }

    /** The dispatch's exception object and the register contexts it will write back, for a collection. */
    void relocateRoots(LongUnaryOperator relocate) {
        Dispatch d = active;
        if (d == null) {
            return;
        }
        d.object = relocate.applyAsLong(d.object);
        Collector.relocateRegisters(d.throwSite, relocate);
        if (d.catching != null) {
            Collector.relocateRegisters(d.catching, relocate);
        }
        for (FuncletCall f : d.calls) {
            Collector.relocateRegisters(f.parent(), relocate);
        }
    }

    /** Forgets a dispatch a run left unfinished (it faulted or timed out). */
    void reset() {
        active = null;
    }
}
