package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.*;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.format.ByteReader;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.MethodRef;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.ExternalMethodFixupWorker;
import r2rlab.loader.runtime.ReadyToRunInfo;
import r2rlab.loader.runtime.RuntimeServices;

/**
 * A ReadyToRun image mapped into Unicorn at its preferred base, with the runtime's side emulated:
 * eager cells filled at load, runtime helpers as traps (one bounded hook over one trap page, so
 * guest code runs at Unicorn's speed between them), DelayLoad_MethodCall with the
 * ExternalMethodFixupWorker's semantics (x64 recovers the cell from the call site, ARM64 takes it
 * from x11 and the section index from x9), a stack and a bump-allocated managed heap.
 */
public final class EmulatedRuntime implements AutoCloseable, RuntimeServices {
    public static final long TRAP_BASE = 0x5000_0000L;
    public static final long HEAP_BASE = 0x6000_0000L;
    public static final long HEAP_SIZE = 16L << 20;
    public static final long STACK_BASE = 0x7000_0000L;
    public static final long STACK_SIZE = 1L << 20;
    /** How long one run may take before it is stopped as runaway (a bounded run never hangs). */
    public static final long DEFAULT_TIMEOUT_MICROS = 10_000_000L;

    private final R2RImage image;
    private final Abi abi;
    private final Unicorn uc;
    private final TrapPage traps;
    private final ReadyToRunInfo info;
    private final ExternalMethodFixupWorker worker;
    private final Metadata manifest;
    private final Map<Integer, Long> helperTraps = new HashMap<>();
    private final boolean registerResumptionStubs;
    private final long base;
    private final Map<r2rlab.loader.runtime.MethodDesc, Long> countingStubs = new java.util.IdentityHashMap<>();
    private boolean callCounting;
    private long timeoutMicros = DEFAULT_TIMEOUT_MICROS;
    private final Map<String, Long> runtimeMethodTraps = new HashMap<>();
    private final Map<String, RuntimeMethodHandler> runtimeMethods = new HashMap<>();
    private final List<String> trace = new ArrayList<>();
    private final long exitTrap;
    private final long moduleHandle;
    private long heapTop = HEAP_BASE;
    private Consumer<String> traceSink;
    private final List<Consumer<EmulatedRuntime>> gcPointListeners = new ArrayList<>();
    private final List<java.util.function.IntConsumer> suspensionListeners = new ArrayList<>();
    private GuestException pendingException;
    private final AsyncDispatcher async;
    private boolean entryPointsPrepared;

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
        if ((loadBase & 0xFFFF) != 0) {
            throw new IllegalArgumentException(String.format("load base 0x%X is not 64 KiB aligned", loadBase));
        }
        this.registerResumptionStubs = registerResumptionStubs;
        this.base = loadBase;
        this.image = image;
        this.abi = Abi.of(image.pe().machine(), image.pe().os());
        this.uc = image.pe().machine() == Machine.ARM64 ? Unicorn.arm64() : Unicorn.x86_64();
        try {
            mapImage();
            uc.memMap(HEAP_BASE, HEAP_SIZE, UC_PROT_READ | UC_PROT_WRITE);
            uc.memMap(STACK_BASE, STACK_SIZE, UC_PROT_READ | UC_PROT_WRITE);
            this.traps = new TrapPage(uc, TRAP_BASE);
            this.exitTrap = traps.add("<return to runtime>", TrapCall::stop);
            this.moduleHandle = allocate(64);
            long yieldResume = traps.add("<Yield continuation resume>", call -> {
                uc.regWrite(abi.resultRegister, 0); // completes immediately, no new continuation
            });
            this.async = new AsyncDispatcher(this, yieldResume);
            async.install();
            this.manifest = readManifest(image);
            this.info = new ReadyToRunInfo(image, this);
            this.worker = new ExternalMethodFixupWorker(info);
            String rejected = info.initialize();
            if (rejected != null) {
                throw new IllegalStateException("the runtime rejects the image's R2R code: " + rejected);
            }
            syncCells();
        } catch (RuntimeException e) {
            uc.close();
            throw e;
        }
    }

    private void mapImage() {
        long size = (image.pe().sizeOfImage() + 0xFFF) & ~0xFFFL;
        uc.memMap(base, size, UC_PROT_ALL);
        ByteReader file = image.pe().file();
        long headers = Math.min(image.pe().sizeOfHeaders(), file.length());
        uc.memWrite(base, file.bytes("headers", 0, (int) headers));
        for (SectionHeader s : image.pe().sections()) {
            long raw = Math.min(s.sizeOfRawData(), s.mappedSize());
            if (raw > 0) {
                uc.memWrite(base + s.virtualAddress(), file.bytes(s.name(), s.pointerToRawData(), (int) raw));
            }
        }
        long delta = base - image.pe().imageBase();
        if (delta != 0) {
            for (r2rlab.format.pe.PeImage.BaseRelocation r : image.pe().baseRelocations()) {
                if (r.type() == RelocType.IMAGE_REL_BASED_DIR64) {
                    uc.writeLong(base + r.rva(), uc.readLong(base + r.rva()) + delta);
                } else {
                    throw new IllegalStateException(String.format("base relocation type %d at RVA 0x%X is not supported on a 64-bit image",
                            r.type(), r.rva()));
                }
            }
            event(String.format("image rebased from 0x%X to 0x%X (%d base relocations)", image.pe().imageBase(), base,
                    image.pe().baseRelocations().size()));
        }
    }

    private static Metadata readManifest(R2RImage image) {
        ReadyToRunSection s = image.header().section(ReadyToRunSectionType.ManifestMetadata.id);
        if (s == null) {
            return null;
        }
        long off = image.pe().rvaToOffset("ManifestMetadata", s.rva(), s.size());
        return Metadata.read(image.pe().file(), off, (int) s.size());
    }

    public R2RImage image() {
        return image;
    }

    public ReadyToRunInfo info() {
        return info;
    }

    public Unicorn unicorn() {
        return uc;
    }

    public Abi abi() {
        return abi;
    }

    public TrapPage traps() {
        return traps;
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
        long base = this.base;
        for (ImportSection s : image.importSections()) {
            for (ImportCell c : s.cells()) {
                if (info.isCellResolved(s.index(), c.index())) {
                    long v = info.cellValue(s.index(), c.index());
                    if (uc.readLong(base + c.rva()) != v) {
                        uc.writeLong(base + c.rva(), v);
                        if (c.signature() != null) {
                            event(String.format("fixup resolved: ImportSection %d[%d] %s = 0x%X", s.index(), c.index(),
                                    c.signature().text(), v));
                        }
                    }
                }
            }
        }
    }

    // ---- RuntimeServices ----

    /** Where the image is mapped (its preferred base unless it was rebased). */
    @Override
    public long imageBase() {
        return base;
    }

    @Override
    public boolean registersResumptionStubs() {
        return registerResumptionStubs;
    }

    @Override
    public long moduleHandle() {
        return moduleHandle;
    }

    @Override
    public long helperAddress(int helperId) {
        Long trap = helperTraps.get(helperId);
        if (trap != null) {
            return trap;
        }
        String name = ReadyToRunHelper.nameOf(helperId);
        long address = traps.add(name, call -> onHelper(helperId, name, call));
        helperTraps.put(helperId, address);
        return address;
    }

    @Override
    public long methodTableForContinuationLayout(long signatureRva, String layoutText) {
        // A MethodTable the heap can size objects by: base size at +4, as the runtime's MethodTable has it.
        long mt = allocate(64);
        int size = 32 + parseSize(layoutText);
        uc.memWrite(mt + 4, new byte[] {(byte) size, (byte) (size >>> 8), (byte) (size >>> 16), (byte) (size >>> 24)});
        event(String.format("ContinuationLayout %s -> MethodTable 0x%X (object size %d)", layoutText, mt, size));
        return mt;
    }

    private static int parseSize(String layoutText) {
        int i = layoutText.indexOf(" size ");
        if (i < 0) {
            return 0;
        }
        int j = i + 6;
        int k = j;
        while (k < layoutText.length() && Character.isDigit(layoutText.charAt(k))) {
            k++;
        }
        return Integer.parseInt(layoutText.substring(j, k));
    }

    @Override
    public long resolveExternalMethod(MethodRef method, int moduleOverride) {
        String name = externalName(method, moduleOverride);
        Long trap = runtimeMethodTraps.get(name);
        if (trap != null) {
            return trap;
        }
        RuntimeMethodHandler h = runtimeMethods.get(name);
        if (h == null) {
            event("external method " + name + " is not provided by the emulated runtime");
            return 0;
        }
        long address = traps.add(name, call -> h.call(this, call));
        runtimeMethodTraps.put(name, address);
        return address;
    }

    /** The simple name of an external method: the MemberRef's name in the manifest metadata when the override names it. */
    private String externalName(MethodRef method, int moduleOverride) {
        int token = method.token();
        if (manifest != null && (token >>> 24) == 0x0A && (token & 0xFFFFFF) <= manifest.rowCount(0x0A)) {
            return manifest.memberRef(token & 0xFFFFFF).name();
        }
        return method.name();
    }

    /**
     * Runs {@code listener} each time a Task suspends and is queued, with the count of suspensions
     * so far in this run: the point between suspension and resumption where a test (or
     * {@code run --tier-up-after}) can publish a new code version.
     */
    public void onSuspension(java.util.function.IntConsumer listener) {
        suspensionListeners.add(listener);
    }

    void suspended(int count) {
        for (java.util.function.IntConsumer l : suspensionListeners) {
            l.accept(count);
        }
    }

    /**
     * Tier-up (runtime-async.md D): publishes the Tier1 code version of the method with MethodDef
     * token {@code token} (its async variant for an async method) and backpatches, in guest memory
     * too, every cell that leads to its entry point. Code that calls the R2R body directly, such as
     * a correct resumption stub, is not redirected.
     */
    public r2rlab.loader.runtime.TierUpResult tierUp(int token) {
        boolean async = (image.metadata().methodImplFlags(token & 0xFFFFFF) & r2rlab.format.metadata.MethodImplAttributes.ASYNC) != 0;
        EntryPoint ep = async ? info.getAsyncVariantEntryPoint(token) : info.getEntryPoint(token);
        if (!ep.isOk()) {
            throw new IllegalStateException(String.format("method 0x%08X has no R2R code to tier up: %s", token, ep.reason()));
        }
        r2rlab.loader.runtime.TierUpResult r = info.tiering().tierUp(ep.method());
        if (!r.published()) {
            throw new IllegalStateException("tier-up of " + ep.method().name() + " failed: " + r.failure());
        }
        applyTierUp(r);
        return r;
    }

    /** Writes a published tier-up's backpatches into guest memory and resolves the Tier1 code's fixups there. */
    private void applyTierUp(r2rlab.loader.runtime.TierUpResult r) {
        long base = this.base;
        for (r2rlab.loader.runtime.Backpatch b : r.backpatched()) {
            if (b.slot().kind() == r2rlab.loader.runtime.BackpatchSlot.Kind.IMPORT_CELL) {
                ImportCell c = image.importSections().get(b.slot().section()).cells().get(b.slot().index());
                uc.writeLong(base + c.rva(), b.newValue());
            }
        }
        syncCells();
        event(String.format("tier-up: %s now runs Tier1 code at 0x%X (%d path(s) backpatched)", r.method().name(),
                base + r.newEntryRva(), r.backpatched().size()));
    }

    /**
     * Call counting (runtime-async.md D): a method with a Tier1 code version is reached through a
     * counting stub until it has been called {@code threshold} times; then it tiers up and every
     * path through its entry point is backpatched, so later calls go straight to Tier1 code. Calls
     * through cells are counted by patching the cell with the counting stub rather than the code.
     */
    public void enableCallCounting(int threshold) {
        info.tiering().setThreshold(threshold);
        callCounting = true;
    }

    /** The counting stub of {@code md}: counts, tiers up at the threshold, then enters the current code. */
    private long callCountingStub(r2rlab.loader.runtime.MethodDesc md) {
        return countingStubs.computeIfAbsent(md, m -> traps.add("CallCountingStub " + m.name(), call -> {
            int count = info.tiering().callCount(m) + 1;
            r2rlab.loader.runtime.TierUpResult r = info.tiering().recordCall(m);
            event(String.format("call %d of %s", count, m.name()));
            if (r != null && r.published()) {
                applyTierUp(r);
            }
            call.jumpTo(base + m.currentEntryRva());
        }));
    }

    /** Limits each emulated call to {@code micros} of run time; past it the run ends with an EmuTimeoutException. */
    public void setTimeoutMicros(long micros) {
        this.timeoutMicros = micros;
    }

    /** Runs {@code listener} at every GC-safe point (GCPoll helper call), with the guest stopped inside the helper. */
    public void onGcPoint(Consumer<EmulatedRuntime> listener) {
        gcPointListeners.add(listener);
    }

    /** Provides the CoreLib method {@code name} (e.g. "CaptureContexts") to emulated code. */
    public void provide(String name, RuntimeMethodHandler handler) {
        runtimeMethods.put(name, handler);
    }

    /**
     * Fixups the emulated runtime has no model for get values that let code load: the checks pass
     * (the emulated CPU has the instruction sets, layouts are taken to match), and every type,
     * method, field or string handle is a distinct zeroed block of the managed heap, one per cell.
     */
    @Override
    public long resolveOther(ImportCell cell) {
        int kind = cell.signature().kind();
        boolean check = kind == r2rlab.format.r2r.ReadyToRunFixupKind.Check_InstructionSetSupport.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Check_TypeLayout.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Check_FieldOffset.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Verify_TypeLayout.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Verify_FieldOffset.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Check_VirtualFunctionOverride.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Verify_VirtualFunctionOverride.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Check_IL_Body.value
                || kind == r2rlab.format.r2r.ReadyToRunFixupKind.Verify_IL_Body.value;
        if (check) {
            return 1;
        }
        return allocate(64);
    }

    // ---- Helpers ----

    private void onHelper(int helperId, String name, TrapCall call) {
        if (helperId == ReadyToRunHelper.DelayLoad_MethodCall.id) {
            delayLoadMethodCall(call);
            return;
        }
        if (helperId == ReadyToRunHelper.GCPoll.id) {
            // A GC-safe point: the runtime may walk the stack here (registers are the caller's).
            event("GCPoll");
            for (Consumer<EmulatedRuntime> l : gcPointListeners) {
                l.accept(this);
            }
            return;
        }
        if (helperId == ReadyToRunHelper.AllocContinuation.id) {
            async.allocContinuation(call);
            return;
        }
        if (helperId == ReadyToRunHelper.ThrowExact.id) {
            // Rethrow of an exception object (a resume block found its Exception slot non-null).
            long obj = uc.regRead(abi.argumentRegister(0));
            GuestException e = async.exceptionOf(obj, name);
            event(String.format("%s %d (object 0x%X)", name, e.code(), obj));
            pendingException = e;
            call.stop();
            return;
        }
        if (helperId == ReadyToRunHelper.Throw.id || helperId == ReadyToRunHelper.ThrowDivZero.id) {
            long code = helperId == ReadyToRunHelper.ThrowDivZero.id ? -2 : uc.regRead(abi.argumentRegister(0));
            event(name + " " + code);
            GuestException e = new GuestException(code, name);
            async.newException(e); // the managed exception object a dispatcher can store
            pendingException = e;
            call.stop();
            return;
        }
        throw new IllegalStateException("runtime helper " + name + " is not provided by the emulated runtime");
    }

    /**
     * DelayLoad_MethodCall: x64 finds the cell from the call site (RAX = 0: the int32 before the
     * return address) or takes it from RAX (a tail jump through an existing indirection cell), the
     * thunk pushed the section index and the Module*; ARM64 passes the cell in x11, the section in
     * x9 and the Module* in x10. The worker resolves the fixup and patches the cell, then the call
     * continues at the target with the caller's arguments.
     */
    private void delayLoadMethodCall(TrapCall call) {
        long base = this.base;
        long cell;
        int section;
        if (abi.isArm64()) {
            cell = uc.regRead(UC_ARM64_REG_X11);
            section = (int) uc.regRead(UC_ARM64_REG_X9);
        } else {
            long rsp = uc.regRead(UC_X86_REG_RSP);
            section = (int) uc.readLong(rsp + 8);
            long rax = uc.regRead(UC_X86_REG_RAX);
            if (rax != 0) {
                cell = rax;
            } else {
                long returnAddress = uc.readLong(rsp + 16);
                byte[] disp = uc.memRead(returnAddress - 4, 4);
                int d = (disp[0] & 0xFF) | (disp[1] & 0xFF) << 8 | (disp[2] & 0xFF) << 16 | (disp[3] & 0xFF) << 24;
                cell = returnAddress + d;
            }
        }
        // Resolve before popping the thunk's two pushes, so a failure is reported with the frame intact.
        long target = worker.resolve(cell - base, section);
        if (!abi.isArm64()) {
            uc.regWrite(UC_X86_REG_RSP, uc.regRead(UC_X86_REG_RSP) + 16);
        }
        long patched = target;
        if (callCounting) {
            r2rlab.loader.runtime.MethodDesc md = info.jitManager().methodForCodeAddress(target - base);
            if (md != null && !info.tiering().isTier1(md) && info.tiering().tier1CodeOf(md) != null) {
                patched = callCountingStub(md);
                target = patched; // this call is counted too
            }
        }
        uc.writeLong(cell, patched);
        syncCells();
        event(String.format("DelayLoad_MethodCall cell 0x%X (section %d) -> 0x%X", cell - base, section, patched));
        call.jumpTo(target);
    }

    // ---- Running ----

    /** The outcome of a run: the value in the result register, or the exception that ended it. */
    public record Result(long value, GuestException exception) {
        public boolean threw() {
            return exception != null;
        }
    }

    /** Calls the R2R code of the method with MethodDef token {@code token}, fixups first, and returns its result. */
    public Result call(int token, long... args) {
        prepareEntryPoints();
        EntryPoint ep = info.getEntryPoint(token);
        if (!ep.isOk()) {
            throw new IllegalStateException(String.format("method 0x%08X has no R2R code to run: %s", token, ep.reason()));
        }
        syncCells();
        long address = ep.address();
        if (callCounting && !info.tiering().isTier1(ep.method()) && info.tiering().tier1CodeOf(ep.method()) != null) {
            // A call through the method's entry point counts like one through a cell.
            r2rlab.loader.runtime.TierUpResult t = info.tiering().recordCall(ep.method());
            if (t != null && t.published()) {
                applyTierUp(t);
            }
            address = base + ep.method().currentEntryRva();
        }
        return callAddress(address, args);
    }

    /**
     * Runs the async method with MethodDef token {@code token} to completion: calls its Task-returning
     * method (MethodDefEntryPoints; its R2R thunk calls the async variant through a cell), and if the
     * returned Task is pending, runs the dispatcher (thread pool FIFO) until the Task completes or
     * faults. Returns the Task's value or exception, with the run's suspensions and resumptions.
     */
    public AsyncRun runAsync(int token, long... args) {
        prepareEntryPoints();
        async.resetRun();
        Result r = call(token, args);
        if (r.threw()) {
            event("runAsync: exception " + r.exception().code() + " escaped the Task-returning method synchronously");
            return async.finishRun(0, r.exception(), 0, true);
        }
        long task = r.value();
        if (!async.isTask(task)) {
            throw new IllegalStateException(String.format("method 0x%08X returned 0x%X, not a Task", token, task));
        }
        boolean sync = async.status(task) != AsyncDispatcher.PENDING;
        async.runThreadPool();
        long status = async.status(task);
        if (status == AsyncDispatcher.COMPLETED) {
            return async.finishRun(async.result(task), null, task, sync);
        }
        if (status == AsyncDispatcher.FAULTED) {
            return async.finishRun(0, async.faultOf(task), task, sync);
        }
        throw new IllegalStateException(String.format("Task 0x%X is still pending after the thread pool drained", task));
    }

    /**
     * Looks up the entry point of every method with R2R code (GetEntryPoint, running its fixups),
     * once. r2rlab scenarios may call or await a method DIRECTLY ({@code call rel32} / {@code bl}),
     * past the prestub that would do this in the runtime; without it the callee's fixups would not
     * have run (an empty ContinuationLayout cell, an unregistered stub) and its code would be missing
     * from the entry-point map, so the code manager would attribute it to the method before it
     * (runtime-async.md A.3.4). {@link #call} and {@link #runAsync} call this first.
     */
    public void prepareEntryPoints() {
        if (entryPointsPrepared) {
            return;
        }
        entryPointsPrepared = true;
        for (r2rlab.loader.ReadyToRunMethod m : image.methods()) {
            EntryPoint ep;
            if (m.variant() == r2rlab.loader.MethodVariant.ASYNC && m.source() == r2rlab.loader.ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS) {
                ep = info.getAsyncVariantEntryPoint(m.token());
            } else if (m.source() == r2rlab.loader.ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                // r2rlab scenarios may call a method directly, past its prestub: prepare it as the prestub would.
                ep = info.getEntryPoint(m.token());
            } else {
                continue;
            }
            if (!ep.isOk()) {
                event(String.format("method 0x%08X has no usable R2R code: %s", m.token(), ep.reason()));
            }
        }
        syncCells();
    }

    /** The MethodTable of the runtime's Task objects (status +8, result +16, chain head +24, exception +32). */
    public long taskMethodTable() {
        return async.taskMethodTable;
    }

    /** The MethodTable of the runtime's own Yield continuations. */
    public long yieldContinuationMethodTable() {
        return async.yieldContinuationMethodTable;
    }

    /** Calls code at {@code address} with the ABI's argument registers and returns when it returns. */
    public Result callAddress(long address, long... args) {
        if (args.length > abi.registerArguments()) {
            throw new IllegalArgumentException(args.length + " arguments; the emulated calls pass at most " + abi.registerArguments());
        }
        for (int i = 0; i < args.length; i++) {
            uc.regWrite(abi.argumentRegister(i), args[i]);
        }
        long top = STACK_BASE + STACK_SIZE - 0x100;
        if (abi.isArm64()) {
            uc.regWrite(UC_ARM64_REG_SP, top);
            uc.regWrite(UC_ARM64_REG_X30, exitTrap);
        } else {
            long rsp = top - 8; // as after a call: RSP + 8 is 16-byte aligned
            uc.writeLong(rsp, exitTrap);
            uc.regWrite(UC_X86_REG_RSP, rsp);
        }
        pendingException = null;
        uc.emuStart(address, 0, timeoutMicros, 0);
        if (pendingException != null) {
            GuestException e = pendingException;
            pendingException = null;
            return new Result(0, e);
        }
        if (uc.pc() != exitTrap) {
            throw new IllegalStateException(String.format("emulation stopped at 0x%X, not at the return to the runtime", uc.pc()));
        }
        return new Result(uc.regRead(abi.resultRegister), null);
    }

    @Override
    public void close() {
        uc.close();
    }
}
