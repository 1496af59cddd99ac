package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_READ;
import static r2rlab.emu.unicorn.UnicornConst.UC_PROT_WRITE;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.loader.R2RImage;
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
    public static final long HEAP_SIZE = 16L << 20;
    public static final long STACK_BASE = 0x7000_0000L;
    public static final long STACK_SIZE = 1L << 20;
    /** How long one run may take before it is stopped as runaway (a bounded run never hangs). */
    public static final long DEFAULT_TIMEOUT_MICROS = 10_000_000L;

    private final R2RImage image;
    private final Abi abi;
    private final CpuEngine engine;
    private final GuestImage guest;
    private final TrapPage traps;
    private final Runner runner;
    private final AsyncDispatcher async;
    private final EmulatedRuntimeServices services;
    private final ReadyToRunInfo info;
    private final TieringDriver tiering;
    private final List<String> trace = new ArrayList<>();
    private Consumer<String> traceSink;
    private final List<Consumer<EmulatedRuntime>> gcPointListeners = new ArrayList<>();
    private final List<Consumer<EmulatedRuntime>> allocationListeners = new ArrayList<>();
    private final List<IntConsumer> suspensionListeners = new ArrayList<>();
    private long heapTop = HEAP_BASE;

    /** Handles a call of a CoreLib method that emitted code makes through a MethodEntry cell. */
    @FunctionalInterface
    public interface RuntimeMethodHandler {
        void call(EmulatedRuntime rt, TrapCall call);
    }

    public EmulatedRuntime(R2RImage image) {
        this(image, true);
    }

    /**
     * @param registerResumptionStubs false models a runtime that resolves ResumptionStubEntryPoint
     *     fixups without registering the stubs' MethodDescs, so stack walks misattribute stub frames
     */
    public EmulatedRuntime(R2RImage image, boolean registerResumptionStubs) {
        this(image, registerResumptionStubs, image.pe().imageBase());
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
        this.image = image;
        this.abi = Abi.of(image.pe().machine(), image.pe().os());
        this.engine = engines.open(image.pe().machine());
        try {
            this.guest = new GuestImage(engine, image, loadBase, this::event);
            engine.memMap(HEAP_BASE, HEAP_SIZE, UC_PROT_READ | UC_PROT_WRITE);
            engine.memMap(STACK_BASE, STACK_SIZE, UC_PROT_READ | UC_PROT_WRITE);
            this.traps = new TrapPage(engine, TRAP_BASE);
            this.runner = new Runner(this, traps);
            long moduleHandle = allocate(64);
            long yieldResume = traps.add("<Yield continuation resume>", call -> {
                engine.regWrite(abi.resultRegister, 0); // completes immediately, no new continuation
            });
            this.async = new AsyncDispatcher(this, yieldResume);
            HelperTable helpers = new HelperTable(traps);
            this.services = new EmulatedRuntimeServices(this, helpers, moduleHandle, registerResumptionStubs);
            async.install();
            this.info = new ReadyToRunInfo(image, services);
            this.tiering = new TieringDriver(info, guest, traps, this::event);
            helpers.provide(ReadyToRunHelper.DelayLoad_MethodCall, new DelayLoadHelper(engine, info, guest, tiering, this::event))
                    .provide(ReadyToRunHelper.GCPoll, call -> gcPoint())
                    .provide(ReadyToRunHelper.AllocContinuation, async::allocContinuation)
                    .provide(ReadyToRunHelper.Throw, runner::throwCode)
                    .provide(ReadyToRunHelper.ThrowDivZero, runner::throwDivZero)
                    .provide(ReadyToRunHelper.ThrowExact, runner::throwExact);
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

    AsyncDispatcher async() {
        return async;
    }

    TieringDriver tiering() {
        return tiering;
    }

    public List<String> trace() {
        return trace;
    }

    /** Also print trace events as they happen (helper calls, fixups resolved, ...). */
    public void traceTo(Consumer<String> sink) {
        this.traceSink = sink;
    }

    void event(String e) {
        trace.add(e);
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

    /** Writes every resolved cell value of the model into guest memory. */
    public void syncCells() {
        guest.syncCells(info);
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

    /** GCPoll: a GC-safe point, where the runtime may walk the stack (registers are the caller's). */
    private void gcPoint() {
        event("GCPoll");
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

    /** Provides the CoreLib method {@code name} (e.g. "CaptureContexts") to emulated code. */
    public void provide(String name, RuntimeMethodHandler handler) {
        services.provide(name, handler);
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

    /** Limits each emulated call to {@code micros} of run time; past it the run ends with an EmuTimeoutException. */
    public void setTimeoutMicros(long micros) {
        runner.setTimeoutMicros(micros);
    }

    /**
     * Runs the method with MethodDef token {@code token} to its outcome, as {@code r2rlab run} does:
     * an async method through the dispatcher ({@link #runAsync}), any other by a {@link #call}; a
     * fault ends in a {@link FaultReport} with the exact faulting instruction.
     *
     * @throws RunRejectedException the method has no usable R2R code, or too many arguments
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

    /** Looks up the entry point of every method with R2R code once, as the prestub would; runs call this first. */
    public void prepareEntryPoints() {
        runner.prepareEntryPoints();
    }

    /** Calls code at {@code address} with the ABI's argument registers and returns when it returns. */
    public RunOutcome.Completed callAddress(long address, long... args) {
        return runner.callAddress(address, args);
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
        engine.close();
    }
}
