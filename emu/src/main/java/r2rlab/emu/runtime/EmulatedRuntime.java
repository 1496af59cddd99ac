package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_SP;
import static r2rlab.emu.unicorn.UnicornConst.UC_ARM64_REG_X30;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_READ;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_WRITE;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;
import java.util.function.LongUnaryOperator;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapHandler;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.format.r2r.GCRefMap;
import r2rlab.format.r2r.LabObject;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.runtime.ReadyToRunInfo;
import r2rlab.loader.runtime.Rejection;
import r2rlab.loader.runtime.TierUpResult;

/**
 * A ReadyToRun image running in a CPU engine against r2rlab's model of the runtime. It puts together
 * the parts, one role each: the {@link GuestImage} (the image mapped, rebased, its cells written), the
 * {@link HelperTable} (runtime helpers on one trap page, so guest code runs at the engine's speed
 * between them), the {@link DelayLoadHelper} (DelayLoad_MethodCall with the ExternalMethodFixupWorker),
 * the async dispatcher, the {@link TieringDriver} (call counting, tier-up, backpatching) and the
 * {@link Runner} (calls, async runs, time limits, outcomes); with a stack and a bump-allocated managed
 * heap.
 */
public final class EmulatedRuntime implements AutoCloseable {
    public static final long TRAP_BASE = 0x5000_0000L;
    public static final long HEAP_BASE = 0x6000_0000L;
    public static final long STACK_BASE = 0x7000_0000L;
    public static final long STACK_SIZE = 1L << 20;
    /** Unmapped space below the stack, so a runaway recursion faults there instead of running on into the heap. */
    public static final long STACK_GUARD = 64L << 10;
    /** Up to the stack's guard; Unicorn backs pages as they are touched. */
    public static final long HEAP_SIZE = (256L << 20) - STACK_GUARD;
    /**
     * How long one run may take in all (every emulation slice, helper and dispatcher step) before it
     * is stopped as runaway, so a run never hangs.
     */
    public static final long DEFAULT_TIMEOUT_MICROS = 60_000_000L;

    private final R2RImage image;
    private final Abi abi;
    private final CpuEngine engine;
    private final GuestImage guest;
    private final TrapPage traps;
    private final Runner runner;
    private final AsyncDispatcher async;
    private final ThreadContexts contexts;
    private final EmulatedRuntimeServices services;
    private final CoreLibMethods coreLib = new CoreLibMethods();
    private final ReadyToRunInfo info;
    private final TieringDriver tiering;
    private final RealCodeEntry realCode = new RealCodeEntry(this);
    private final RealCodeModel realCodeModel;
    /** Events kept in {@link #trace()} at most; a run of a million suspensions keeps the first ones. */
    public static final int TRACE_LIMIT = 100_000;

    private final List<String> trace = new ArrayList<>();
    private boolean recordTrace = true;
    private Consumer<String> traceSink;
    private final List<Consumer<EmulatedRuntime>> gcPointListeners = new ArrayList<>();
    private final List<LongConsumer> writeBarrierListeners = new ArrayList<>();
    private final List<Consumer<EmulatedRuntime>> allocationListeners = new ArrayList<>();
    private final List<IntConsumer> suspensionListeners = new ArrayList<>();
    private long heapTop = HEAP_BASE;
    private final GcHeap gcHeap;
    private final Collector collector;
    /** Collect at every safepoint the guest reaches (run --gc-stress). */
    private boolean gcStress;
    /** The reference arguments of the helper running at a safepoint, or null outside one (no collection possible). */
    private int[] safePointArguments;
    /** The runtime runs a step of its own with no managed frame on the stack (between resumptions). */
    private boolean noManagedFrames;
    private final List<Consumer<Collector.Result>> collectionListeners = new ArrayList<>();
    /** The GCRefMaps of the import sections, decoded when a delay-load call first needs one. */
    private final Map<Integer, List<SortedMap<Integer, Integer>>> gcRefMaps = new HashMap<>();
    private WriteBarrierChecker barrierChecker;

    /** Handles a call of a CoreLib method that emitted code makes through a MethodEntry cell. */
    @FunctionalInterface
    public interface RuntimeMethodHandler {
        void call(EmulatedRuntime rt, TrapCall call);
    }

    public EmulatedRuntime(R2RImage image) {
        this(image, true);
    }

    /**
     * @param cpu the CPU the runtime states to the image, against which its Check_InstructionSetSupport
     *     fixups are resolved ({@link CpuProfile#EMULATED} by default); the image is mapped at its preferred
     *     base, or rebased where the emulator's memory leaves room
     */
    public EmulatedRuntime(R2RImage image, CpuProfile cpu) {
        this(image, true, GuestImage.loadBase(image), Unicorn::open, cpu);
    }

    /**
     * @param registerResumptionStubs false models a runtime that resolves ResumptionStubEntryPoint
     *     fixups without registering the stubs' MethodDescs, so stack walks misattribute stub frames;
     *     the image is mapped at its preferred base, or rebased where the emulator's memory leaves room
     */
    public EmulatedRuntime(R2RImage image, boolean registerResumptionStubs) {
        this(image, registerResumptionStubs, GuestImage.loadBase(image));
    }

    /**
     * @param loadBase where to map the image; away from its preferred base the image is rebased with
     *     its base relocations (.reloc), as the OS loader would
     */
    public EmulatedRuntime(R2RImage image, boolean registerResumptionStubs, long loadBase) {
        this(image, registerResumptionStubs, loadBase, Unicorn::open);
    }

    /**
     * @param engines opens the CPU engine the image runs in
     * @throws RunRejectedException the image is for another machine, cannot be rebased, or the runtime rejects its R2R code
     */
    public EmulatedRuntime(R2RImage image, boolean registerResumptionStubs, long loadBase, CpuEngine.Factory engines) {
        this(image, registerResumptionStubs, loadBase, engines, CpuProfile.EMULATED);
    }

    /**
     * @param cpu the CPU the runtime states to the image ({@link CpuProfile})
     * @throws RunRejectedException the image is for another machine than the emulator or {@code cpu}, cannot be
     *     rebased, or the runtime rejects its R2R code
     */
    public EmulatedRuntime(R2RImage image, boolean registerResumptionStubs, long loadBase, CpuEngine.Factory engines, CpuProfile cpu) {
        this.image = image;
        this.abi = Abi.of(image.pe().machine(), image.pe().os());
        if (cpu.machine() != null && cpu.machine() != image.pe().machine()) {
            throw new RunRejectedException(RunRejectedException.Reason.CPU_PROFILE_MISMATCH, "CPU profile " + cpu.name() + " describes an "
                    + cpu.machine().archName + " CPU; the image is " + image.pe().machine().archName);
        }
        this.engine = engines.open(image.pe().machine());
        try {
            this.guest = new GuestImage(engine, image, loadBase, this::event);
            engine.memMap(HEAP_BASE, HEAP_SIZE, UC_PROT_READ | UC_PROT_WRITE);
            engine.memMap(STACK_BASE, STACK_SIZE, UC_PROT_READ | UC_PROT_WRITE);
            this.gcHeap = new GcHeap(engine);
            this.collector = new Collector(this, gcHeap);
            this.traps = new TrapPage(engine, TRAP_BASE);
            this.runner = new Runner(this, traps);
            long moduleHandle = allocate(64);
            long yieldResume = traps.add("<Yield continuation resume>", call -> {
                engine.regWrite(abi.resultRegister, 0); // completes immediately, no new continuation
            });
            this.async = new AsyncDispatcher(this, yieldResume);
            this.contexts = new ThreadContexts(this, async.executionContextMethodTable);
            contexts.install(coreLib);
            HelperTable helpers = new HelperTable(traps);
            this.realCodeModel = new RealCodeModel(this);
            realCodeModel.install(helpers, coreLib);
            this.services = new EmulatedRuntimeServices(this, helpers, coreLib, moduleHandle, registerResumptionStubs, cpu);
            // The language's Box and Pair: the layout their MethodTable's GCDesc gives
            gcHeap.layoutsFromMethodTables(mt -> {
                LabObject o = services.labObjectOf(mt);
                return o == null ? null : new GcHeap.Layout(o.typeName, MethodTableLayout.baseSize(engine, mt),
                        MethodTableLayout.referenceOffsets(engine, mt));
            });
            async.install();
            this.info = new ReadyToRunInfo(image, services);
            this.tiering = new TieringDriver(info, guest, traps, this::event);
            helpers.provide(ReadyToRunHelper.DelayLoad_MethodCall, new DelayLoadHelper(engine, info, guest, tiering, this::event, this::delayLoadSafePoint))
                    .provide(ReadyToRunHelper.GCPoll, atSafePoint(call -> gcPoint()))
                    .provide(ReadyToRunHelper.AllocContinuation, atSafePoint(async::allocContinuation, 0))
                    .provide(ReadyToRunHelper.WriteBarrier, this::writeBarrier)
                    .provide(ReadyToRunHelper.CheckedWriteBarrier, this::writeBarrier)
                    .provide(ReadyToRunHelper.NewObject, atSafePoint(this::newObject))
                    .provide(ReadyToRunHelper.Throw, atSafePoint(runner::throwCode, 0))
                    .provide(ReadyToRunHelper.ThrowDivZero, atSafePoint(runner::throwDivZero))
                    .provide(ReadyToRunHelper.ThrowNullRef, atSafePoint(runner::throwNullRef))
                    .provide(ReadyToRunHelper.ThrowExact, atSafePoint(runner::throwExact, 0));
            Optional<Rejection> rejected = info.initialize();
            if (rejected.isPresent()) {
                throw new RunRejectedException(RunRejectedException.Reason.IMAGE_REJECTED, "the runtime rejects the image's R2R code",
                        rejected.get());
            }
            syncCells();
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    public R2RImage image() {
        return image;
    }

    public ReadyToRunInfo info() {
        return info;
    }

    /** The CPU engine the guest runs in. */
    public CpuEngine engine() {
        return engine;
    }

    public Abi abi() {
        return abi;
    }

    public TrapPage traps() {
        return traps;
    }

    /** The image as mapped into guest memory. */
    public GuestImage guest() {
        return guest;
    }

    /** The model of what real code reaches beyond the async protocol (lazy helper cells, fields, strings). */
    RealCodeModel realCodeModel() {
        return realCodeModel;
    }

    AsyncDispatcher async() {
        return async;
    }

    ThreadContexts contexts() {
        return contexts;
    }

    /** The ExecutionContext the guest thread has now (0 = none). */
    public long threadExecutionContext() {
        return contexts.executionContext();
    }

    /** The ExecutionContext of the thread that starts a run: a heap object, so that its flow through continuations shows. */
    public long callerExecutionContext() {
        return contexts.callerExecutionContext;
    }

    /** Ends the run with a timeout when its deadline has passed. */
    void checkDeadline() {
        runner.checkDeadline();
    }

    /** A chain of calls in one emulation slice ({@link Runner#callChain}). */
    void callChain(Runner.Call first, Function<RunOutcome.Completed, Runner.Call> following) {
        runner.callChain(first, following);
    }

    TieringDriver tiering() {
        return tiering;
    }

    /** The trace events recorded so far (the first {@link #TRACE_LIMIT}, then a note that it was cut). */
    public List<String> trace() {
        return trace;
    }

    /**
     * Also print trace events as they happen (helper calls, fixups resolved, ...), after the ones the runtime recorded
     * while it was being set up (a rebase, the eager cells).
     */
    public void traceTo(Consumer<String> sink) {
        trace.forEach(sink);
        this.traceSink = sink;
    }

    /**
     * Whether {@link #trace()} records events (default true). Off, the hot paths (helper traps,
     * suspensions, resumptions) do not even format their events unless a {@link #traceTo} sink wants them.
     */
    public void recordTrace(boolean record) {
        this.recordTrace = record;
    }

    /** Whether anyone takes trace events: hot paths test this before formatting one. */
    boolean tracing() {
        return recordTrace || traceSink != null;
    }

    void event(String e) {
        if (recordTrace) {
            if (trace.size() < TRACE_LIMIT) {
                trace.add(e);
            } else if (trace.size() == TRACE_LIMIT) {
                trace.add("... trace cut after " + TRACE_LIMIT + " events");
            }
        }
        if (traceSink != null) {
            traceSink.accept(e);
        }
    }

    /** Where the image is mapped (its preferred base unless it was rebased). */
    public long imageBase() {
        return guest.base();
    }

    // ---- Guest memory ----

    /** Allocates zeroed memory in the managed heap (16-byte aligned). */
    public long allocate(long size) {
        long at = heapTop;
        heapTop = (heapTop + size + 15) & ~15L;
        if (heapTop > HEAP_BASE + HEAP_SIZE) {
            throw new IllegalStateException("emulated managed heap exhausted (" + HEAP_SIZE + " bytes)");
        }
        return at;
    }

    /** Whether {@code address} is an object of the GC heap or lies in the runtime heap's allocated part. */
    boolean isHeapObject(long address) {
        return address >= HEAP_BASE && address < heapTop || gcHeap.isObject(address);
    }

    // ---- The GC

    /** The GC heap: the managed objects, and the layouts of their MethodTables. */
    public GcHeap gcHeap() {
        return gcHeap;
    }

    /** The collector (how many collections ran). */
    public Collector collector() {
        return collector;
    }

    /** GC stress: a collection at every safepoint the guest reaches (every GC-safe helper and CoreLib method call). */
    public void gcStress(boolean on) {
        this.gcStress = on;
    }

    /** Runs {@code listener} after every collection with what it did. */
    public void onCollection(Consumer<Collector.Result> listener) {
        collectionListeners.add(listener);
    }

    /**
     * A helper called from managed code at a safepoint: the runtime may collect on its way in (always under GC
     * stress, otherwise when an allocation does not fit); {@code referenceArguments} are the argument registers that
     * hold references, which the helper's frame protects.
     */
    TrapHandler atSafePoint(TrapHandler handler, int... referenceArguments) {
        return call -> {
            int[] outer = safePointArguments;
            safePointArguments = referenceArguments;
            try {
                if (barrierChecker != null) {
                    FrameRegisters caller = StackWalker.callSite(this, FrameRegisters.read(engine));
                    barrierChecker.verify(caller == null ? call.name() : StackWalker.symbolize(this, caller.pc()).symbol());
                }
                if (gcStress) {
                    collect();
                }
                handler.onTrap(call);
            } finally {
                safePointArguments = outer;
            }
        };
    }

    /** A collection now, with the guest inside a helper at a safepoint. */
    public Collector.Result collect() {
        if (safePointArguments == null) {
            throw new IllegalStateException("a collection outside a safepoint");
        }
        return collect(true, new long[0], safePointArguments);
    }

    private Collector.Result collect(boolean walkStack, long[] roots, int[] referenceArguments) {
        Collector.Result r = collector.collect(walkStack, roots, referenceArguments);
        if (barrierChecker != null) {
            barrierChecker.rebuild();
        }
        for (Consumer<Collector.Result> l : collectionListeners) {
            l.accept(r);
        }
        return r;
    }

    /**
     * DelayLoad_MethodCall is a safepoint: under GC stress it collects before it resolves the cell, with the call's
     * reference arguments protected as the runtime's transition frame protects them, by the cell's GCRefMap (x64
     * positions from the first argument register; ARM64 from the x8 slot): those in argument registers, and those on
     * the stack in the caller's outgoing area.
     */
    private void delayLoadSafePoint(long cellRva, int section) {
        if (!gcStress || section < 0 || section >= image.importSections().size()) {
            return;
        }
        ImportSection s = image.importSections().get(section);
        int index = (int) ((cellRva - s.rva()) / Math.max(1, s.entrySize()));
        List<SortedMap<Integer, Integer>> maps = gcRefMaps.computeIfAbsent(section, k -> readGcRefMaps(s));
        SortedMap<Integer, Integer> refs = index >= 0 && index < maps.size() ? maps.get(index) : new TreeMap<>();
        int first = abi.isArm64() ? 1 : 0;
        List<Integer> registers = new ArrayList<>();
        List<Long> stackSlots = new ArrayList<>();
        long callerSp = abi.isArm64() ? engine.regRead(UC_ARM64_REG_SP) : engine.regRead(UC_X86_REG_RSP) + 8L * 3 + abi.shadowBytes;
        refs.forEach((pos, token) -> {
            int arg = pos - first;
            if (token != GCRefMap.REF && token != GCRefMap.INTERIOR || arg < 0) {
                return;
            }
            if (arg < abi.registerArguments()) {
                registers.add(arg);
            } else {
                stackSlots.add(callerSp + 8L * (arg - abi.registerArguments()));
            }
        });
        long[] roots = new long[stackSlots.size()];
        for (int i = 0; i < roots.length; i++) {
            roots[i] = engine.readLong(stackSlots.get(i));
        }
        collect(true, roots, registers.stream().mapToInt(Integer::intValue).toArray());
        for (int i = 0; i < roots.length; i++) {
            engine.writeLong(stackSlots.get(i), roots[i]);
        }
    }

    /** The GCRefMap of an import section (its AuxiliaryData), a record per cell; none without one. */
    private List<SortedMap<Integer, Integer>> readGcRefMaps(ImportSection s) {
        long rva = s.auxiliaryDataRva();
        if (rva == 0 || rva >= image.pe().sizeOfImage()) {
            return List.of();
        }
        int length = (int) Math.min(1 << 16, image.pe().sizeOfImage() - rva);
        try {
            return GCRefMap.decode(engine.memRead(guest.base() + rva, length), s.cells().size());
        } catch (RuntimeException e) {
            return List.of(); // a map that does not decode protects nothing
        }
    }

    /**
     * A collection with no managed frame on the stack (between runs); {@code roots} are references the caller holds,
     * updated in place where their objects moved.
     */
    public Collector.Result collectBetweenRuns(long[] roots) {
        Collector.Result r = collector.collect(false, roots);
        if (barrierChecker != null) {
            barrierChecker.rebuild();
        }
        collectionListeners.forEach(l -> l.accept(r));
        return r;
    }

    /** A zeroed object of {@code methodTable} (its base size at +4) in the GC heap, as the allocation helpers make one. */
    public long allocateObject(long methodTable) {
        return async.allocateObject(methodTable);
    }

    /**
     * An allocation that does not fit: collects when the guest is at a safepoint, or when no managed frame is on the
     * stack (true); else false.
     */
    boolean collectForAllocation() {
        if (safePointArguments != null) {
            collect();
            return true;
        }
        if (noManagedFrames) {
            collectBetweenRuns(new long[0]);
            return true;
        }
        return false;
    }

    /** Runs {@code step} of the runtime's own, during which no managed frame is on the stack. */
    void withoutManagedFrames(Runnable step) {
        boolean outer = noManagedFrames;
        noManagedFrames = true;
        try {
            step.run();
        } finally {
            noManagedFrames = outer;
        }
    }

    /**
     * The stack trace the exception dispatches recorded in {@code e}'s exception object (its reference field, moved with
     * it by every collection): each frame's return address symbolized, innermost first of each throw and rethrow.
     */
    public List<String> stackTrace(GuestException e) {
        List<String> out = new ArrayList<>();
        ImageSymbols syms = new ImageSymbols(image); // once per trace, not once per frame
        long sp = engine.regRead(engine.spRegister());
        for (long pc : async.stackTrace(e)) {
            out.add(guest.contains(pc) ? StackWalker.symbolize(this, syms, pc, 0, sp, false).symbol() : String.format("0x%X", pc));
        }
        return out;
    }

    /** Every reference the runtime holds, relocated by a collection. */
    void relocateHostRoots(LongUnaryOperator relocate) {
        async.relocateRoots(relocate);
        runner.exceptions().relocateRoots(relocate);
    }

    /** Where a stack walk goes on below a running funclet: the frame that threw, or null. */
    FrameRegisters exceptionThrowSite() {
        return runner.exceptions().throwSite();
    }

    /**
     * A reference as a result is shown: {@code null}, {@code Box{value=5}}, {@code Pair{first=Box{value=1}, second=null}},
     * or for another object {@code object} — by what it holds, never by its address (which a moving GC changes).
     */
    public String describeReference(long reference) {
        return describeReference(reference, 0);
    }

    private String describeReference(long reference, int depth) {
        if (reference == 0) {
            return "null";
        }
        LabObject type = isHeapObject(reference) ? services.labObjectOf(engine.readLong(reference)) : null;
        if (type == null || depth > 8) {
            return "object";
        }
        StringBuilder sb = new StringBuilder(type.typeName).append('{');
        for (int i = 0; i < type.fields().size(); i++) {
            LabObject.Field f = type.fields().get(i);
            long v = engine.readLong(reference + type.fieldOffset(i));
            sb.append(i == 0 ? "" : ", ").append(f.name()).append('=').append(f.isReference() ? describeReference(v, depth + 1) : Long.toString(v));
        }
        return sb.append('}').toString();
    }

    /** NewObject(MethodTable): a zeroed object of the type's base size (the exception {@code throw} allocates). */
    private void newObject(TrapCall call) {
        long mt = engine.regRead(abi.argumentRegister(0));
        if (mt == 0) {
            throw FixupsNotRunException.at(this, returnAddress(), "NewObject got a null MethodTable");
        }
        long obj = async.allocateObject(mt);
        event(String.format("%s MT 0x%X -> 0x%X", call.name(), mt, obj));
        engine.regWrite(abi.resultRegister, obj);
    }

    /** Writes every resolved cell value of the model into guest memory. */
    public void syncCells() {
        guest.syncCells(info);
    }

    /** In a helper or CoreLib method: the address it returns to (x64: at [RSP]; ARM64: LR). */
    long returnAddress() {
        return abi.isArm64() ? engine.regRead(UC_ARM64_REG_X30) : engine.readLong(engine.regRead(UC_X86_REG_RSP));
    }

    // ---- Listeners and CoreLib methods ----

    /**
     * Runs {@code listener} each time a Task suspends and is queued, with the count of suspensions
     * so far in this run: the point between suspension and resumption where a test (or
     * {@code run --tier-up-after}) can publish a new code version.
     */
    public void onSuspension(IntConsumer listener) {
        suspensionListeners.add(listener);
    }

    void suspended(int count) {
        for (IntConsumer l : suspensionListeners) {
            l.accept(count);
        }
    }

    /** Runs {@code listener} at every GC-safe point (GCPoll helper call), with the guest stopped inside the helper. */
    public void onGcPoint(Consumer<EmulatedRuntime> listener) {
        gcPointListeners.add(listener);
    }

    /**
     * WriteBarrier and CheckedWriteBarrier: the reference is stored at the destination (the model has no card table),
     * then {@link #writeBarrier(long)} tells the listeners.
     */
    private void writeBarrier(TrapCall call) {
        long dst = engine.regRead(abi.writeBarrierDestination);
        long ref = engine.regRead(abi.writeBarrierReference);
        engine.writeLong(dst, ref);
        event(String.format("%s [0x%X] = 0x%X", call.name(), dst, ref));
        writeBarrier(dst);
    }

    /**
     * Checks the write barrier (a shadow heap compared with the GC heap at every safepoint: {@link WriteBarrierChecker});
     * the checker's findings name the stores made without it.
     */
    public WriteBarrierChecker checkWriteBarriers() {
        if (barrierChecker == null) {
            barrierChecker = new WriteBarrierChecker(engine, gcHeap);
            barrierChecker.rebuild();
        }
        return barrierChecker;
    }

    /** A store of a reference into an object by the runtime itself, through its own barrier (the checker's shadow; no helper hook). */
    void storeReference(long dst, long ref) {
        engine.writeLong(dst, ref);
        if (barrierChecker != null) {
            barrierChecker.barrier(dst);
        }
    }

    /**
     * The write barrier's hook: a reference was just stored at {@code dst} through WriteBarrier or CheckedWriteBarrier
     * (CheckedWriteBarrier's destination may lie outside the heap). Feeds the write-barrier checker's shadow heap and
     * runs the {@link #onWriteBarrier} listeners.
     */
    public void writeBarrier(long dst) {
        gcHeap.referenceStored(dst);
        if (barrierChecker != null) {
            barrierChecker.barrier(dst);
        }
        for (LongConsumer l : writeBarrierListeners) {
            l.accept(dst);
        }
    }

    /** Runs {@code listener} with the destination of every store through a write barrier helper, after the store. */
    public void onWriteBarrier(LongConsumer listener) {
        writeBarrierListeners.add(listener);
    }

    /** GCPoll: a GC-safe point, where the runtime may walk the stack (registers are the caller's). */
    private void gcPoint() {
        if (tracing()) {
            event("GCPoll");
        }
        for (Consumer<EmulatedRuntime> l : gcPointListeners) {
            l.accept(this);
        }
    }

    /**
     * Runs {@code listener} at every AllocContinuation helper call, before it allocates, with the guest
     * stopped inside the helper: an allocation may start a GC, whose stack walk begins in the suspension
     * code that called it.
     */
    public void onAllocation(Consumer<EmulatedRuntime> listener) {
        allocationListeners.add(listener);
    }

    void allocating() {
        for (Consumer<EmulatedRuntime> l : allocationListeners) {
            l.accept(this);
        }
    }

    /** The CoreLib methods this runtime provides; {@link CoreLibMethods#provide} adds one. */
    public CoreLibMethods coreLib() {
        return coreLib;
    }

    // ---- Tiering ----

    /**
     * Tier-up (runtime-async.md D): publishes the Tier1 code version of the method with MethodDef
     * token {@code token} (its async variant for an async method) and backpatches, in guest memory
     * too, every cell that leads to its entry point. Code that calls the R2R body directly, such as
     * a correct resumption stub, is not redirected.
     *
     * @throws RunRejectedException the method has no usable R2R code, or its Tier1 code's fixups failed
     */
    public TierUpResult tierUp(int token) {
        return tiering.tierUp(token);
    }

    /**
     * Call counting (runtime-async.md D): a method with a Tier1 code version is reached through a
     * counting stub until it has been called {@code threshold} times; then it tiers up and every
     * path through its entry point is backpatched, so later calls go straight to Tier1 code. Calls
     * through cells are counted by patching the cell with the counting stub rather than the code.
     */
    public void enableCallCounting(int threshold) {
        tiering.enableCallCounting(threshold);
    }

    // ---- Running ----

    /**
     * Limits each run ({@link #run}, or a {@link #call}, {@link #runAsync} or {@link #callAddress}
     * made outside a run) to {@code micros} in all; past it the run ends with an EmuTimeoutException
     * (a TIMEOUT fault of {@link #run}).
     */
    public void setTimeoutMicros(long micros) {
        runner.setTimeoutMicros(micros);
    }

    /**
     * Runs the method with MethodDef token {@code token} to its outcome, as {@code r2rlab run} does:
     * an async method through the dispatcher ({@link #runAsync}), any other by a {@link #call}; a
     * fault ends in a {@link FaultReport} with the exact faulting instruction.
     *
     * @throws RunRejectedException the method has no usable R2R code, or not as many arguments as it has parameters
     */
    public RunOutcome run(int token, long... args) {
        return runner.run(token, args);
    }

    /**
     * Calls the R2R code of the method with MethodDef token {@code token}, fixups first, and returns
     * what it returned or threw; a fault is thrown as the engine reports it.
     */
    public RunOutcome.Completed call(int token, long... args) {
        return runner.call(token, args);
    }

    /**
     * Runs the async method with MethodDef token {@code token} to completion: calls its Task-returning
     * method (MethodDefEntryPoints; its R2R thunk calls the async variant through a cell), and if the
     * returned Task is pending, runs the dispatcher (thread pool FIFO) until the Task completes or
     * faults. Returns the Task's value or exception, with the run's suspensions and resumptions.
     */
    public AsyncRun runAsync(int token, long... args) {
        return runner.runAsync(token, args);
    }

    /** Calls code at {@code address} with the ABI's argument registers and returns when it returns. */
    public RunOutcome.Completed callAddress(long address, long... args) {
        return runner.callAddress(address, args);
    }

    /**
     * Calls the async variant {@code variant} (an InstanceMethodEntryPoints body of this image) as a fresh call: a
     * null continuation in its place, {@code args} being {@code this} (for an instance method) and the parameters.
     * The variant's fixups run first; a fault ends in a {@link FaultReport}.
     *
     * @throws RunRejectedException the variant has no usable R2R code, or not as many arguments as it has parameters
     */
    public RunOutcome runAsyncVariant(ReadyToRunMethod variant, long... args) {
        return runner.timed(() -> realCode.callAsyncVariant(variant, args));
    }

    /**
     * Resumes through the resumption stub {@code stub} with a continuation built from its owner's ContinuationLayout
     * fixup in State {@code state} (every other slot zero), until the owner reaches the code after its resumption
     * dispatch ({@link ResumptionRun#reached()}), or the stub returns, throws or faults.
     *
     * @throws RunRejectedException the owner has no usable R2R code, the stub no owner or no ContinuationLayout to build from
     */
    public ResumptionRun runResumptionStub(ResumptionStub stub, int state) {
        return runner.timed(() -> realCode.resume(stub, state));
    }

    /** The return address of every call from the runtime: a hook that sets the PC here ends the call. */
    long exitTrap() {
        return runner.exitTrap();
    }

    /** The MethodTable of the runtime's Task objects (status +8, result +16, chain head +24, exception +32). */
    public long taskMethodTable() {
        return async.taskMethodTable;
    }

    /** The MethodTable of the runtime's own Yield continuations. */
    public long yieldContinuationMethodTable() {
        return async.yieldContinuationMethodTable;
    }

    @Override
    public void close() {
        services.close();
        engine.close();
    }
}
