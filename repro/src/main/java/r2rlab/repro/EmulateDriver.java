package r2rlab.repro;

import java.util.ArrayList;
import java.util.List;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.Frame;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.emu.runtime.StackWalker;
import r2rlab.emu.runtime.WriteBarrierChecker;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.format.r2r.ContinuationObject;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.runtime.ImportSectionAssertionFailure;
import r2rlab.loader.runtime.RegistrationOrder;
import r2rlab.loader.runtime.RuntimeMemoryFault;
import r2rlab.loader.runtime.RuntimeOptions;
import r2rlab.loader.runtime.StubRvaLoad;
import r2rlab.loader.runtime.WorkerPatch;

/**
 * The default driver: emits the scenario (the emitter's defect on or off), runs the entry method in
 * the emulated runtime with the regression's run options (the runtime's defect on or off), and records
 * how the run ended — the value, the exception, or the fault with its report — what the fixup worker
 * patched, the stack walks taken, and for async runs the ResumeInfo each continuation carried.
 */
final class EmulateDriver implements RunDriver {
    private static final ContinuationObject CONTINUATION = ContinuationObject.POINTER_SIZE_8;
    private static final int TRACE_LINES = 400;

    @Override
    public Observation observe(Regression r, Target t, boolean buggy) {
        Observation o = new Observation(t.name(), buggy);
        R2RImage img = Images.emit(r, t, buggy, o);
        if (img == null) {
            return o;
        }
        int stubFixups = Images.stubFixupsPerStub(img);
        o.fact(SymptomKind.STUB_FIXUPS, stubFixups);
        run(r, buggy, o, img);
        if (stubFixups > 1) {
            o.appendSummary("a fixup list names one resumption stub in " + stubFixups + " ResumptionStubEntryPoint cells");
        }
        return o;
    }

    private static RuntimeOptions runtimeOptions(Regression r, boolean buggy) {
        RunOptions opt = r.options();
        return RuntimeOptions.DEFAULT.withCheckedBuild(opt.checkedBuild()).withStrictAlignment(opt.strictAlignment())
                .withHotColdMap(opt.hotColdMap())
                .withStubRvaLoad(buggy && r.defect().is(RuntimeDefect.ALIGNED_STUB_RVA_LOAD) ? StubRvaLoad.ALIGNED_DWORD : StubRvaLoad.UNALIGNED_SAFE)
                .withRegistrationOrder(buggy && r.defect().is(RuntimeDefect.SUPPRESS_RELEASE_BEFORE_INSERT)
                        ? RegistrationOrder.BUGGY_SUPPRESS_BEFORE_INSERT : RegistrationOrder.FIXED);
    }

    private static void run(Regression r, boolean buggy, Observation o, R2RImage img) {
        RunOptions opt = r.options();
        ImageSymbols syms = new ImageSymbols(img);
        int token = Images.methodDefToken(img, r.entry());
        long[] args = r.args().stream().mapToLong(Long::longValue).toArray();
        boolean async = (img.metadata().methodImplFlags(MetadataTable.rid(token)) & MethodImplAttributes.ASYNC) != 0;
        try (EmulatedRuntime rt = new EmulatedRuntime(img, opt.registerStubs() && !(buggy && r.defect().is(RuntimeDefect.UNREGISTERED_STUBS)))) {
            rt.info().setOptions(runtimeOptions(r, buggy));
            rt.gcStress(opt.gcStress());
            WriteBarrierChecker barriers = opt.checkBarriers() ? rt.checkWriteBarriers() : null;
            List<String> gcProblems = new ArrayList<>();
            rt.onCollection(c -> gcProblems.addAll(c.problems()));
            if (opt.tierUpAfter() != null) {
                int n = opt.tierUpAfter();
                rt.onSuspension(count -> {
                    if (count == n) {
                        rt.tierUp(token);
                    }
                });
            }
            List<StackWalker.Walk> walks = new ArrayList<>();
            if (opt.walkAt() == RunOptions.WalkAt.ALLOCATION) {
                rt.onAllocation(x -> walks.add(StackWalker.atGcPoint(x)));
            } else if (opt.walkAt() == RunOptions.WalkAt.GCPOINT) {
                rt.onGcPoint(x -> walks.add(StackWalker.atGcPoint(x)));
            }
            AsyncRun[] asyncRun = {null};
            RunOutcome.Completed[] completed = {null};
            FaultReport fault;
            try {
                fault = FaultReport.capture(rt, () -> {
                    if (async) {
                        asyncRun[0] = rt.runAsync(token, args);
                        completed[0] = asyncRun[0].outcome();
                    } else {
                        completed[0] = rt.call(token, args);
                    }
                });
            } catch (RunRejectedException e) {
                o.fact(SymptomKind.OUTCOME, "rejected");
                o.fact(SymptomKind.MESSAGE, e.getMessage());
                o.summary("rejected: " + e.getMessage());
                return;
            } finally {
                record(o, rt, syms, walks);
            }
            if (fault != null) {
                faulted(o, rt, syms, fault, async);
            } else if (completed[0] instanceof RunOutcome.Returned v) {
                o.fact(SymptomKind.OUTCOME, "returned");
                o.fact(SymptomKind.RETURNS, v.value());
                o.summary("returned " + v.value());
            } else if (completed[0] instanceof RunOutcome.Threw th) {
                o.fact(SymptomKind.OUTCOME, "threw");
                o.fact(SymptomKind.THROWS, th.code());
                o.summary("threw " + th.code() + " (" + th.helper() + ")");
            }
            if (asyncRun[0] != null) {
                for (AsyncRun.Resumption res : asyncRun[0].resumptions()) {
                    o.resumeInfoByState.putIfAbsent(res.state(), res.resumeInfo());
                }
            }
            walks(o, walks);
            collections(o, rt, gcProblems, barriers);
        }
    }

    /** What the collector and the write-barrier checker found: the first problem or store each, with counts. */
    private static void collections(Observation o, EmulatedRuntime rt, List<String> problems, WriteBarrierChecker barriers) {
        if (rt.collector().collections() > 0) {
            o.fact(SymptomKind.GC_PROBLEM, problems.isEmpty() ? "none" : problems.get(0));
            o.fact(SymptomKind.STALE_REFERENCE, problems.stream().filter(p -> p.contains(Collector.STALE_REFERENCE)).findFirst().orElse("none"));
            o.appendSummary(rt.collector().collections() + " collections" + (problems.isEmpty() ? ", every frame walked right"
                    : "; " + problems.get(0)));
            problems.forEach(p -> o.note("gc: " + p));
        }
        if (barriers != null) {
            List<String> found = barriers.findings();
            o.fact(SymptomKind.BARRIER, found.isEmpty() ? "none" : found.get(0));
            o.appendSummary(found.isEmpty() ? "every reference store went through the write barrier"
                    : found.size() + " store(s) without the write barrier: " + found.get(0));
            found.forEach(f -> o.note("barrier: " + f));
        }
    }

    /** What every run records, however it ended: the worker's patches and the trace. */
    private static void record(Observation o, EmulatedRuntime rt, ImageSymbols syms, List<StackWalker.Walk> walks) {
        R2RImage img = rt.image();
        for (WorkerPatch p : rt.info().workerPatches()) {
            ImportSection s = img.importSections().get(p.section());
            o.workerPatches.add(syms.describeCell(s.cells().get(p.index())));
        }
        List<String> trace = rt.trace();
        int from = Math.max(0, trace.size() - TRACE_LINES);
        if (from > 0) {
            o.note("trace: (" + from + " earlier events left out)");
        }
        for (String e : trace.subList(from, trace.size())) {
            o.note("trace: " + e);
        }
    }

    private static void faulted(Observation o, EmulatedRuntime rt, ImageSymbols syms, FaultReport f, boolean async) {
        o.fault(f);
        o.fact(SymptomKind.OUTCOME, "faulted");
        o.fact(SymptomKind.FAULT, f.kind());
        o.fact(SymptomKind.AT, f.location());
        o.fact(SymptomKind.MESSAGE, f.message());
        StringBuilder s = new StringBuilder(f.kind().name());
        s.append(String.format(" at 0x%X (%s)", f.pc(), f.location()));
        Frame caller = f.faultingFrame();
        if (caller != null && caller.index() > 0 && caller.symbol() != null) {
            s.append(", called from ").append(caller.symbol());
        }
        if (f.cause() instanceof ImportSectionAssertionFailure a) {
            o.fact(SymptomKind.ASSERTION, a.getMessage());
            ImportCell c = syms.cellAt(a.cellRva());
            String cell = c == null ? String.format("RVA 0x%X", a.cellRva()) : syms.describeCell(c);
            o.fact(SymptomKind.CELL, cell);
            o.fact(SymptomKind.NAMED_SECTION, a.namedSection());
            o.fact(SymptomKind.ACTUAL_SECTION, a.actualSection());
            s.append(": ").append(a.getMessage()).append(" (x11/rax: ").append(cell).append(')');
        } else {
            if (f.cause() instanceof RuntimeMemoryFault m && m.section() >= 0) {
                o.fact(SymptomKind.CELL, syms.describeCell(syms.image().importSections().get(m.section()).cells().get(m.index())));
            }
            if (f.faultAddress() != -1) {
                s.append(String.format(", address 0x%X", f.faultAddress()));
            }
            s.append(": ").append(f.message());
        }
        o.summary(s.toString());
        if (async) {
            resumingContinuation(o, rt, f);
        }
    }

    /**
     * A fault in the dispatcher's call of a continuation's Resume: the continuation is the call's first
     * argument, and the faulting PC is what its ResumeInfo's Resume field held. Recorded for the pair's
     * comparison of ResumeInfo addresses.
     */
    private static void resumingContinuation(Observation o, EmulatedRuntime rt, FaultReport f) {
        long cont = rt.engine().regRead(rt.abi().argumentRegister(0));
        if (cont < EmulatedRuntime.HEAP_BASE || cont >= EmulatedRuntime.HEAP_BASE + EmulatedRuntime.HEAP_SIZE - CONTINUATION.data()) {
            return;
        }
        long resumeInfo = rt.engine().readLong(cont + CONTINUATION.resumeInfo());
        if (f.kind() != FaultReport.Kind.FETCH_UNMAPPED || !rt.guest().contains(resumeInfo) || rt.engine().readLong(resumeInfo) != f.pc()) {
            return;
        }
        o.faultingState = rt.engine().readInt(cont + CONTINUATION.state());
        o.faultingResumeInfo = resumeInfo;
    }

    private static void walks(Observation o, List<StackWalker.Walk> walks) {
        if (walks.isEmpty()) {
            return;
        }
        Frame first = null;
        for (StackWalker.Walk w : walks) {
            for (Frame f : w.frames()) {
                if (first == null && f.has(Frame.Flag.MISATTRIBUTED)) {
                    first = f;
                    o.note("walk: " + w.methodNames());
                    o.note("walk: " + f);
                    o.note("walk: " + f.note());
                }
            }
        }
        o.fact(SymptomKind.WALKS, first == null ? "attributed" : "misattributed");
        if (first != null) {
            o.fact(SymptomKind.MISATTRIBUTED, codeName(first) + " -> " + first.methodName());
            o.appendSummary(String.format("%d stack walks; frame #%d at 0x%X (%s) attributed to %s", walks.size(), first.index(), first.ip(),
                    first.symbol(), first.methodName()));
        } else {
            o.appendSummary(walks.size() + " stack walks, every frame attributed as the image lists it");
        }
    }

    /** The frame's code as the image names it, without the offset: "Demo.Program.Main [cold]". */
    private static String codeName(Frame f) {
        String s = f.symbol() == null ? "?" : f.symbol();
        int plus = s.lastIndexOf("+0x");
        return plus > 0 ? s.substring(0, plus) : s;
    }

    @Override
    public void compare(Regression r, Observation buggy, Observation fixed) {
        List<String> b = buggy.workerPatches;
        List<String> f = fixed.workerPatches;
        for (int i = 0; i < b.size() && i < f.size(); i++) {
            if (!b.get(i).equals(f.get(i))) {
                buggy.fact(SymptomKind.PATCHED_CELL, b.get(i));
                buggy.fact(SymptomKind.INTENDED_CELL, f.get(i));
                buggy.appendSummary("the fixup worker patched " + b.get(i) + " where the fixed run's patched " + f.get(i));
                break;
            }
        }
        if (buggy.faultingState >= 0) {
            Long right = fixed.resumeInfoByState.get(buggy.faultingState);
            if (right != null) {
                long off = buggy.faultingResumeInfo - right;
                buggy.fact(SymptomKind.RESUME_INFO_OFF, off);
                buggy.appendSummary(String.format("the continuation of state %d carried ResumeInfo 0x%X, %d bytes from the fixed image's record "
                        + "0x%X for that state; its Resume field held the faulting PC", buggy.faultingState, buggy.faultingResumeInfo, off, right));
            }
        }
    }
}
