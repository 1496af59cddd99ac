package r2rlab.loader.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import r2rlab.format.CompressedInteger;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunImportSection;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.MethodRef;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;

/**
 * The runtime's ReadyToRunInfo over one {@link R2RImage}: the values of the import cells, eager
 * fixups at load ({@link #initialize()}, with AcquireImage's Module-cell check), entry-point lookup
 * with FixupDelayList semantics, fixup resolution for the kinds r2rlab emits, the
 * entry point → MethodDesc map (first writer wins) with resumption-stub registration and its
 * allocation accounting (B6), and the slots that lead to each method's entry point (for tiering).
 *
 * <p>Addresses: RVAs name code and cells; cell values and entry addresses are
 * {@code services.imageBase() + RVA}. The model is single-threaded; the B6 race is driven explicitly
 * through {@link StubRegistration}.
 */
public final class ReadyToRunInfo {
    private final R2RImage image;
    private final RuntimeServices services;
    private final int pointerSize;
    private final long[][] cells;
    private final boolean[][] resolved;
    private final int[][] resolveCounts;

    private final Map<Integer, ReadyToRunMethod> methodDefEntries = new HashMap<>();
    private final Map<Integer, ReadyToRunMethod> asyncEntries = new HashMap<>();
    private final Map<Long, ReadyToRunMethod> codeStarts = new HashMap<>();
    private final Map<Long, ResumptionStub> stubsByRva = new HashMap<>();

    private final Map<Long, MethodDesc> entryPointToMethodDesc = new HashMap<>();
    private final Map<Long, MethodDesc> methodDescs = new HashMap<>();
    private final Map<ReadyToRunMethod, EntryPoint> prepared = new IdentityHashMap<>();
    private final Set<ReadyToRunMethod> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<MethodDesc, List<BackpatchSlot>> slots = new IdentityHashMap<>();
    private final Map<MethodDesc, Long> precodes = new IdentityHashMap<>();

    private enum TrackerState { PENDING, COMMITTED, FREED }

    private final Map<MethodDesc, TrackerState> stubAllocations = new LinkedHashMap<>();
    private long nextId = 1;

    private final List<WorkerPatch> workerPatches = new ArrayList<>();
    private RuntimeOptions options = RuntimeOptions.DEFAULT;

    private boolean initialized;
    private Rejection rejection;
    private final ReadyToRunJitManager jitManager;
    private final TieringModel tiering;

    public ReadyToRunInfo(R2RImage image, RuntimeServices services) {
        this.image = image;
        this.services = services;
        this.pointerSize = image.pe().pointerSize();
        int n = image.importSections().size();
        cells = new long[n][];
        resolved = new boolean[n][];
        resolveCounts = new int[n][];
        for (ImportSection s : image.importSections()) {
            int c = s.cells().size();
            cells[s.index()] = new long[c];
            resolved[s.index()] = new boolean[c];
            resolveCounts[s.index()] = new int[c];
            for (ImportCell cell : s.cells()) {
                cells[s.index()][cell.index()] = cell.value();
            }
        }
        for (ReadyToRunMethod m : image.methods()) {
            codeStarts.putIfAbsent(m.entryRva(), m);
            if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                methodDefEntries.putIfAbsent(m.token(), m);
            } else if (m.source() == ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS && m.kind() == CodeBodyKind.ASYNC_VARIANT
                    && m.signature() != null && m.signature().isLocal()) {
                asyncEntries.putIfAbsent(m.token(), m);
            }
        }
        for (ResumptionStub s : image.resumptionStubs()) {
            stubsByRva.putIfAbsent(s.rva(), s);
        }
        this.jitManager = new ReadyToRunJitManager(this);
        this.tiering = new TieringModel(this);
    }

    public R2RImage image() {
        return image;
    }

    public RuntimeServices services() {
        return services;
    }

    public ReadyToRunJitManager jitManager() {
        return jitManager;
    }

    public TieringModel tiering() {
        return tiering;
    }

    public long imageBase() {
        return services.imageBase();
    }

    /** The build and the runtime defects switched on; {@link RuntimeOptions#DEFAULT} unless set. */
    public synchronized RuntimeOptions options() {
        return options;
    }

    public synchronized void setOptions(RuntimeOptions options) {
        this.options = options;
    }

    /** Every cell ExternalMethodFixupWorker patched, in order. */
    public synchronized List<WorkerPatch> workerPatches() {
        return List.copyOf(workerPatches);
    }

    synchronized void recordWorkerPatch(WorkerPatch p) {
        workerPatches.add(p);
    }

    // ---- Load ----

    /**
     * "Loads" the image: AcquireImage's check that the Module cell (Helper fixup 1A 01) sits in an
     * Eager import section, then every eager cell resolved. On failure the image's R2R code is
     * rejected: every later entry-point lookup answers REJECTED with this rejection. Returns the
     * rejection, or empty when the image's R2R code is usable. Idempotent.
     */
    public synchronized Optional<Rejection> initialize() {
        if (initialized) {
            return rejection();
        }
        initialized = true;
        ImportCell module = moduleCell();
        if (module == null) {
            rejection = new Rejection(Rejection.Reason.NO_MODULE_CELL,
                    "R2R code rejected: no Module cell (Helper fixup 1A 01) in an Eager import section");
            return rejection();
        }
        for (ImportSection s : image.importSections()) {
            if ((s.flags() & ReadyToRunImportSection.FLAGS_EAGER) == 0) {
                continue;
            }
            for (ImportCell c : s.cells()) {
                if (c.signature() == null) {
                    continue;
                }
                try {
                    resolveCell(s.index(), c.index());
                } catch (FixupFailure f) {
                    // RunEagerFixups: a failed eager cell disables all R2R code of the image (DisableAllR2RCode).
                    rejection = new Rejection(Rejection.Reason.EAGER_FIXUP_FAILED, f.reason() == FixupFailure.Reason.INSTRUCTION_SET
                            ? "all R2R code of " + image.name() + " disabled: its Eager " + f.kind() + " fixup " + f.detail()
                            : "R2R code rejected: eager " + f.getMessage());
                    return rejection();
                }
            }
        }
        return Optional.empty();
    }

    /** The Module cell in an Eager section, or null. */
    public ImportCell moduleCell() {
        for (ImportSection s : image.importSections()) {
            if ((s.flags() & ReadyToRunImportSection.FLAGS_EAGER) == 0) {
                continue;
            }
            for (ImportCell c : s.cells()) {
                if (c.signature() instanceof FixupSignature.Helper h && h.helperId() == ReadyToRunHelper.Module.id) {
                    return c;
                }
            }
        }
        return null;
    }

    /** Why the image's R2R code was rejected at load, or empty while it is usable. */
    public synchronized Optional<Rejection> rejection() {
        return Optional.ofNullable(rejection);
    }

    // ---- Cells ----

    public long cellValue(int section, int index) {
        return cells[section][index];
    }

    public void setCellValue(int section, int index, long value) {
        cells[section][index] = value;
    }

    public boolean isCellResolved(int section, int index) {
        return resolved[section][index];
    }

    /** How often the cell was resolved (FixupDelayList semantics: at most once). */
    public int resolveCount(int section, int index) {
        return resolveCounts[section][index];
    }

    /** The cell a fixup-list entry names (its slot is in pointer-size units). */
    public ImportCell cellOf(FixupCell f) {
        if (f.importSection() < 0 || f.importSection() >= image.importSections().size()) {
            throw new FixupFailure(f.importSection(), f.slot(), "?", FixupFailure.Reason.NO_IMPORT_SECTION,
                    "no import section " + f.importSection());
        }
        ImportSection s = image.importSections().get(f.importSection());
        long index = (long) f.slot() * pointerSize / s.cellSize(pointerSize);
        if (index >= s.cells().size()) {
            throw new FixupFailure(f.importSection(), (int) index, "?", FixupFailure.Reason.SLOT_OUT_OF_RANGE, "slot " + f.slot() + " is past the section's "
                    + s.cells().size() + " cells");
        }
        return s.cells().get((int) index);
    }

    /** Resolves a cell unless it already is (LoadDynamicInfoEntry); returns its value. */
    public synchronized long resolveCell(int section, int index) {
        if (resolved[section][index]) {
            return cells[section][index];
        }
        ImportCell c = image.importSections().get(section).cells().get(index);
        FixupSignature sig = c.signature();
        if (sig == null) {
            throw new FixupFailure(section, index, "?", FixupFailure.Reason.NO_SIGNATURE, "the section has no signatures");
        }
        long v = computeFixup(c, sig);
        cells[section][index] = v;
        resolved[section][index] = true;
        resolveCounts[section][index]++;
        return v;
    }

    private long computeFixup(ImportCell c, FixupSignature sig) {
        String kindName = sig.kind().name();
        long v;
        if (sig instanceof FixupSignature.Helper h) {
            v = h.helperId() == ReadyToRunHelper.Module.id ? services.moduleHandle() : services.helperAddress(h.helperId());
            if (v == 0) {
                throw new FixupFailure(c.section(), c.index(), kindName, FixupFailure.Reason.NO_HELPER,
                        "the runtime has no helper " + ReadyToRunHelper.nameOf(h.helperId()));
            }
        } else if (sig.kind() == ReadyToRunFixupKind.MethodEntry || sig.kind() == ReadyToRunFixupKind.MethodEntry_DefToken
                || sig.kind() == ReadyToRunFixupKind.MethodEntry_RefToken) {
            v = methodEntryTarget(c, kindName);
        } else if (sig instanceof FixupSignature.Layout layout && sig.kind() == ReadyToRunFixupKind.ContinuationLayout) {
            v = services.methodTableForContinuationLayout(c.signatureRva(), layout);
            if (v == 0) {
                throw new FixupFailure(c.section(), c.index(), kindName, FixupFailure.Reason.NO_CONTINUATION_TYPE,
                        "no continuation type for " + c.signatureText());
            }
        } else if (sig instanceof FixupSignature.ResumptionStubEntryPoint stubFixup) {
            long stubRva = stubFixup.stubRva();
            if (image.runtimeFunctionStartingAt(stubRva) < 0) {
                throw new FixupFailure(c.section(), c.index(), kindName, FixupFailure.Reason.NO_STUB_CODE,
                        String.format("no code starts at stub RVA 0x%X", stubRva));
            }
            loadStubRva(c);
            if (services.registersResumptionStubs()) {
                MethodDesc stub = registerResumptionStub(stubRva, options.registrationOrder());
                v = imageBase() + stub.entryRva();
            } else {
                // A runtime without RegisterResumptionStub: the fixup resolves, nothing maps the stub's code.
                v = imageBase() + stubRva;
            }
        } else {
            v = services.resolveOther(c);
            if (v == 0) {
                throw new FixupFailure(c.section(), c.index(), kindName, FixupFailure.Reason.UNRESOLVED,
                        "the runtime could not resolve " + c.signatureText());
            }
        }
        return v;
    }

    /**
     * LoadDynamicInfoEntry's read of the stub RVA right after the kind byte (and module override): with
     * {@link StubRvaLoad#ALIGNED_DWORD} on a strict-alignment target, a blob whose RVA field is not
     * 4-aligned faults (B10).
     */
    private void loadStubRva(ImportCell c) {
        if (options.stubRvaLoad() != StubRvaLoad.ALIGNED_DWORD || !options.strictAlignment()) {
            return;
        }
        FixupSignature sig = c.signature();
        int payload = 1 + (sig.moduleOverride() == FixupSignature.NO_MODULE_OVERRIDE ? 0 : CompressedInteger.size(sig.moduleOverride()));
        long address = imageBase() + c.signatureRva() + payload;
        if ((address & 3) != 0) {
            throw new RuntimeMemoryFault(RuntimeMemoryFault.Access.MISALIGNED, address, "LoadDynamicInfoEntry", c.section(), c.index(), String.format(
                    "misaligned DWORD load at 0x%X in LoadDynamicInfoEntry: the stub RVA of ImportSection[%d] cell %d (%s), "
                            + "signature RVA 0x%X + %d", address, c.section(), c.index(), sig.kind().name(), c.signatureRva(), payload));
        }
    }

    /** Target of a MethodEntry-family fixup: a method of this image's own, or one the runtime resolves. */
    long methodEntryTarget(ImportCell c, String kindName) {
        MethodRef ref = c.method();
        if (ref == null) {
            throw new FixupFailure(c.section(), c.index(), kindName, FixupFailure.Reason.NO_METHOD, "no method in the signature");
        }
        MethodDesc local = localMethodDesc(ref);
        if (local != null) {
            return imageBase() + local.currentEntryRva();
        }
        long v = services.resolveExternalMethod(ref, c.signature().moduleOverride());
        if (v == 0) {
            throw new FixupFailure(c.section(), c.index(), kindName, FixupFailure.Reason.UNRESOLVED,
                    "the runtime could not resolve " + ref.name());
        }
        return v;
    }

    /**
     * The prepared MethodDesc of a MethodDef of this image with R2R code, or null when the reference
     * is not one (a MemberRef, another module, a method without R2R code here).
     */
    MethodDesc localMethodDesc(MethodRef ref) {
        if (!ref.isLocal() || MetadataTable.table(ref.token()) != MetadataTable.METHODDEF || ref.isUnboxingStub() || ref.isInstantiatingStub()) {
            return null;
        }
        ReadyToRunMethod m = ref.isAsyncVariant() ? asyncEntries.get(ref.token()) : methodDefEntries.get(ref.token());
        if (m == null) {
            return null;
        }
        if (inProgress.contains(m)) {
            return methodDesc(m); // a cycle of fixup lists: its code address is known already
        }
        EntryPoint ep = prepare(m);
        if (!ep.isOk()) {
            throw new FixupFailure(-1, -1, "MethodEntry", FixupFailure.Reason.TARGET_REJECTED,
                    "target " + ref.name() + ": " + ep.rejection().message());
        }
        return ep.method();
    }

    // ---- Entry points ----

    /** ReadyToRunInfo::GetEntryPoint for a MethodDef token: MethodDefEntryPoints, fixups first. */
    public EntryPoint getEntryPoint(int methodDefToken) {
        ReadyToRunMethod m = methodDefEntries.get(methodDefToken);
        if (m == null) {
            return EntryPoint.notPrecompiled(String.format("no MethodDefEntryPoints entry for token 0x%08X", methodDefToken));
        }
        return prepare(m);
    }

    /** The async variant's entry point, from the InstanceMethodEntryPoints entry with the AsyncVariant flag. */
    public EntryPoint getAsyncVariantEntryPoint(int methodDefToken) {
        ReadyToRunMethod m = asyncEntries.get(methodDefToken);
        if (m == null) {
            return EntryPoint.notPrecompiled(String.format("no AsyncVariant InstanceMethodEntryPoints entry for token 0x%08X", methodDefToken));
        }
        return prepare(m);
    }

    /**
     * The entry point of one code body of this image (a MethodDef entry, an InstanceMethodEntryPoints entry such as an
     * async variant or a generic instantiation), fixups first, as the prestub would prepare it.
     */
    public EntryPoint getEntryPoint(ReadyToRunMethod m) {
        if (!image.methods().contains(m)) {
            return EntryPoint.notPrecompiled("no entry point of " + image.name() + " is " + m.label());
        }
        return prepare(m);
    }

    private synchronized EntryPoint prepare(ReadyToRunMethod m) {
        EntryPoint done = prepared.get(m);
        if (done != null) {
            return done;
        }
        Optional<Rejection> imageRejected = initialize();
        if (imageRejected.isPresent()) {
            return EntryPoint.rejected(imageRejected.get(), List.of());
        }
        inProgress.add(m);
        List<FixupCell> ran = new ArrayList<>();
        try {
            Optional<FixupFailure> failure = runFixups(m.fixups(), ran);
            // r2rlab's own check, after the runtime's: code the CPU cannot execute is rejected as a failed fixup would be.
            String unsupported = failure.isPresent() ? null : services.unsupportedCode(m);
            EntryPoint ep;
            if (failure.isPresent()) {
                FixupFailure f = failure.get();
                ep = EntryPoint.rejected(new Rejection(Rejection.Reason.FIXUP_FAILED, "R2R code of " + m.name() + " rejected: "
                        + (f.reason() == FixupFailure.Reason.INSTRUCTION_SET ? f.detail() : f.getMessage())), ran);
            } else if (unsupported != null) {
                ep = EntryPoint.rejected(new Rejection(Rejection.Reason.UNSUPPORTED_INSTRUCTIONS,
                        "R2R code of " + m.name() + " rejected: " + unsupported), ran);
            } else {
                MethodDesc md = methodDesc(m);
                setMethodDescForEntryPoint(m.entryRva(), md);
                if (!precodes.containsKey(md)) {
                    precodes.put(md, imageBase() + md.currentEntryRva());
                    recordSlot(md, BackpatchSlot.precode(md));
                }
                ep = new EntryPoint(EntryPoint.Status.OK, md, m.entryRva(), imageBase() + m.entryRva(), null, List.copyOf(ran));
            }
            prepared.put(m, ep);
            return ep;
        } finally {
            inProgress.remove(m);
        }
    }

    /** Module::FixupDelayList: resolves every cell of the list once; returns the first failure, if any. */
    synchronized Optional<FixupFailure> runFixups(List<FixupCell> list, List<FixupCell> ran) {
        for (FixupCell f : list) {
            try {
                ImportCell c = cellOf(f);
                if (!resolved[c.section()][c.index()]) {
                    resolveCell(c.section(), c.index());
                    ran.add(f);
                }
            } catch (FixupFailure e) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** The MethodDesc of a method's R2R code (one per method and variant, created on first use). */
    synchronized MethodDesc methodDesc(ReadyToRunMethod m) {
        long key = ((long) m.token() << 2) | (m.kind() == CodeBodyKind.ASYNC_VARIANT ? 1 : 0);
        return methodDescs.computeIfAbsent(key, k -> new MethodDesc(nextId++,
                m.kind() == CodeBodyKind.ASYNC_VARIANT ? MethodDesc.Kind.ASYNC_VARIANT : MethodDesc.Kind.NORMAL,
                m.name(), m.token(), m.entryRva(), 0, null));
    }

    synchronized MethodDesc newTier1Body(MethodDesc method, ReadyToRunMethod tier1) {
        return new MethodDesc(nextId++, MethodDesc.Kind.TIER1_BODY, tier1.name(), method.token(), tier1.entryRva(), 1, method);
    }

    // ---- Entry point → MethodDesc map ----

    /** SetMethodDescForEntryPointInNativeImage: inserts only if absent; true when it inserted. */
    public synchronized boolean setMethodDescForEntryPoint(long rva, MethodDesc md) {
        return entryPointToMethodDesc.putIfAbsent(rva, md) == null;
    }

    /** The MethodDesc registered for a code start, or null. */
    public synchronized MethodDesc methodDescForEntryPoint(long rva) {
        return entryPointToMethodDesc.get(rva);
    }

    /** A copy of the entry point → MethodDesc map, by RVA. */
    public synchronized Map<Long, MethodDesc> entryPointMap() {
        return Collections.unmodifiableMap(new TreeMap<>(entryPointToMethodDesc));
    }

    // ---- Resumption stubs (RegisterResumptionStub) and allocation accounting ----

    /** Starts one "thread"'s registration of the stub at {@code stubRva}; see {@link StubRegistration}. */
    public StubRegistration beginStubRegistration(long stubRva) {
        return new StubRegistration(this, stubRva);
    }

    /** RegisterResumptionStub: lookup, allocate if absent, publish in the given order; returns the registered MethodDesc. */
    public synchronized MethodDesc registerResumptionStub(long stubRva, RegistrationOrder order) {
        StubRegistration r = beginStubRegistration(stubRva);
        MethodDesc existing = r.lookup();
        if (existing != null) {
            return existing;
        }
        r.allocate();
        return r.publish(order);
    }

    synchronized MethodDesc allocateStubMethodDesc(long stubRva) {
        ResumptionStub s = stubsByRva.get(stubRva);
        ReadyToRunMethod code = codeStarts.get(stubRva);
        String name;
        int version = 0;
        if (code != null && code.kind() == CodeBodyKind.RESUMPTION_STUB) {
            name = code.name();
            version = code.source() == ReadyToRunMethod.Source.TIER1_CODE_VERSIONS ? 1 : 0;
        } else if (s != null && s.owner() != null) {
            name = s.owner().name() + R2RImage.STUB_SUFFIX;
        } else {
            name = String.format("<stub 0x%X>", stubRva) + R2RImage.STUB_SUFFIX;
        }
        MethodDesc md = new MethodDesc(nextId++, MethodDesc.Kind.RESUMPTION_STUB, name, 0, stubRva, version, null);
        stubAllocations.put(md, TrackerState.PENDING);
        services.methodDescAllocated(md);
        return md;
    }

    synchronized void suppressRelease(MethodDesc md) {
        stubAllocations.put(md, TrackerState.COMMITTED);
    }

    synchronized void release(MethodDesc md) {
        if (stubAllocations.get(md) == TrackerState.PENDING) {
            stubAllocations.put(md, TrackerState.FREED);
            services.methodDescFreed(md);
        }
    }

    /** Stub MethodDesc accounting: allocated, freed, pending, retained, leaked. */
    public synchronized AllocationStats allocationStats() {
        Set<MethodDesc> referenced = Collections.newSetFromMap(new IdentityHashMap<>());
        referenced.addAll(entryPointToMethodDesc.values());
        int freed = 0;
        int pending = 0;
        int retained = 0;
        int leaked = 0;
        for (Map.Entry<MethodDesc, TrackerState> e : stubAllocations.entrySet()) {
            switch (e.getValue()) {
                case FREED -> freed++;
                case PENDING -> pending++;
                default -> {
                    if (referenced.contains(e.getKey())) {
                        retained++;
                    } else {
                        leaked++;
                    }
                }
            }
        }
        return new AllocationStats(stubAllocations.size(), freed, pending, retained, leaked);
    }

    // ---- Slots that lead to a method's entry point ----

    synchronized void recordSlot(MethodDesc md, BackpatchSlot slot) {
        List<BackpatchSlot> l = slots.computeIfAbsent(md, k -> new ArrayList<>());
        if (!l.contains(slot)) {
            l.add(slot);
        }
    }

    /** The recorded slots holding {@code md}'s entry point (import cells the worker patched, its precode). */
    public synchronized List<BackpatchSlot> slotsOf(MethodDesc md) {
        return List.copyOf(slots.getOrDefault(md, List.of()));
    }

    /** Where {@code md}'s precode leads (0 when the method has none yet). */
    public synchronized long precodeTarget(MethodDesc md) {
        return precodes.getOrDefault(md, 0L);
    }

    synchronized long slotValue(BackpatchSlot s) {
        return s.kind() == BackpatchSlot.Kind.PRECODE ? precodes.getOrDefault(s.method(), 0L) : cells[s.section()][s.index()];
    }

    synchronized void writeSlot(BackpatchSlot s, long value) {
        if (s.kind() == BackpatchSlot.Kind.PRECODE) {
            precodes.put(s.method(), value);
        } else {
            cells[s.section()][s.index()] = value;
        }
    }

    // ---- For the code manager and tiering ----

    int pointerSize() {
        return pointerSize;
    }

    boolean oddEntryPointsAreFunclets() {
        return image.pe().machine() == Machine.AMD64;
    }

    /** The R2R method (entry-point tables or Tier1 section) whose code starts at {@code rva}, or null. */
    ReadyToRunMethod codeAt(long rva) {
        return codeStarts.get(rva);
    }

    Set<Long> allCodeStarts() {
        return new HashSet<>(codeStarts.keySet());
    }
}
