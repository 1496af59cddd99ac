package r2rlab.emu.runtime;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import r2rlab.format.CompressedInteger;
import r2rlab.format.metadata.CallingConvention;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.ExceptionObject;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.LabObject;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunInstructionSet;
import r2rlab.loader.ImportCell;
import r2rlab.loader.MethodRef;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.runtime.FixupFailure;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.loader.runtime.RuntimeServices;

/**
 * What the emulated runtime gives the model's fixup resolution: the Module*, helper addresses from the
 * {@link HelperTable}, continuation MethodTables in the managed heap, CoreLib methods by name as trap
 * slots, Check_InstructionSetSupport resolved against the {@link CpuProfile}, and a value for every
 * other fixup so that code loads.
 */
final class EmulatedRuntimeServices implements RuntimeServices {
    /** Fixup kinds that check the image against the runtime: apart from the instruction sets, the emulated runtime passes them all. */
    private static final Set<ReadyToRunFixupKind> CHECKS = EnumSet.of(ReadyToRunFixupKind.Check_TypeLayout,
            ReadyToRunFixupKind.Check_FieldOffset, ReadyToRunFixupKind.Verify_TypeLayout, ReadyToRunFixupKind.Verify_FieldOffset,
            ReadyToRunFixupKind.Check_VirtualFunctionOverride, ReadyToRunFixupKind.Verify_VirtualFunctionOverride,
            ReadyToRunFixupKind.Check_IL_Body, ReadyToRunFixupKind.Verify_IL_Body);

    private final EmulatedRuntime rt;
    private final HelperTable helpers;
    private final long moduleHandle;
    private final boolean registerResumptionStubs;
    private final CpuProfile cpu;
    private final Set<ReadyToRunInstructionSet> cpuInstructionSets;
    private final InstructionSetGuard guard;
    private final CoreLibMethods coreLib;
    private final Map<String, Long> runtimeMethodTraps = new HashMap<>();
    /** The MethodTables of Box and Pair, made when a TypeHandle cell first names them. */
    private final Map<LabObject, Long> labObjectMethodTables = new EnumMap<>(LabObject.class);

    EmulatedRuntimeServices(EmulatedRuntime rt, HelperTable helpers, CoreLibMethods coreLib, long moduleHandle,
                            boolean registerResumptionStubs, CpuProfile cpu) {
        this.rt = rt;
        this.helpers = helpers;
        this.coreLib = coreLib;
        this.moduleHandle = moduleHandle;
        this.registerResumptionStubs = registerResumptionStubs;
        this.cpu = cpu;
        this.cpuInstructionSets = cpu.instructionSets(rt.engine());
        // The guard reads x64 code; no ARM64 profile claims more than the engine executes.
        this.guard = rt.engine().isX86() && cpu.claimsMoreThan(rt.engine()) ? new InstructionSetGuard(rt.image(), rt.engine().instructionSets()) : null;
    }

    @Override
    public long imageBase() {
        return rt.imageBase();
    }

    @Override
    public boolean registersResumptionStubs() {
        return registerResumptionStubs;
    }

    @Override
    public void methodDescAllocated(MethodDesc md) {
        rt.event(String.format("resumption stub MethodDesc allocated: %s at RVA 0x%X", md.name(), md.entryRva()));
    }

    @Override
    public long moduleHandle() {
        return moduleHandle;
    }

    @Override
    public long helperAddress(int helperId) {
        return helpers.address(helperId);
    }

    /** The CoreLib methods whose arguments hold references a collection on their way in must update, by key. */
    private static final Map<String, int[]> REFERENCE_ARGUMENTS = Map.of(
            CoreLibMethod.TASK_FROM_EXCEPTION.key(), new int[] {0},
            CoreLibMethod.TASK_FROM_EXCEPTION_OF_T.key(), new int[] {0},
            CoreLibMethod.YIELD.key(), new int[] {0},
            CoreLibMethod.RESTORE_EXECUTION_CONTEXT.key(), new int[] {0},
            CoreLibMethod.RESTORE_CONTEXTS.key(), new int[] {1, 2},
            CoreLibMethod.RESTORE_CONTEXTS_ON_SUSPENSION.key(), new int[] {1, 2},
            AsyncDispatcher.referenceKey(CoreLibMethod.TASK_FROM_RESULT), new int[] {0});

    private static int[] referenceArguments(String key) {
        return REFERENCE_ARGUMENTS.getOrDefault(key, new int[0]);
    }

    @Override
    public long methodTableForContinuationLayout(long signatureRva, FixupSignature.Layout layout) {
        // As CreateNewContinuationMethodTable: the base size, and a GCDesc with the base class's Next and one series
        // per run of cells the layout's GC map marks (a cell the map leaves out is never traced nor updated: B8).
        int size = AsyncDispatcher.CONTINUATION.data() + layout.layout().size();
        List<Integer> references = new ArrayList<>();
        references.add(AsyncDispatcher.CONTINUATION.next());
        int cells = layout.layout().size() / AsyncDispatcher.CONTINUATION.pointerSize();
        for (int i = 0; i < cells; i++) {
            if (layout.layout().isReference(i)) {
                references.add(AsyncDispatcher.CONTINUATION.data() + AsyncDispatcher.CONTINUATION.pointerSize() * i);
            }
        }
        long mt = MethodTableLayout.allocate(rt, size, references);
        rt.gcHeap().registerContinuation(mt, new GcHeap.Layout("Continuation_" + layout.layout().size(), size, references));
        rt.event(String.format("ContinuationLayout %s -> MethodTable 0x%X (object size %d)", layout.layout(), mt, size));
        return mt;
    }

    @Override
    public long resolveExternalMethod(MethodRef method, int moduleOverride) {
        String name = externalName(rt.image(), method);
        if (name == null) {
            rt.event(String.format("external method %s is in module %d, which the emulated runtime does not load", method.label(), method.module()));
            return 0;
        }
        if (method.methodInstantiation().contains("System.__Canon") && coreLib.handler(CoreLibMethods.sharedKey(name)) != null) {
            name = CoreLibMethods.sharedKey(name); // shared code: the generic dictionary comes first
        } else if (method.methodInstantiation().size() == 1 && !method.methodInstantiation().get(0).startsWith("System.")
                && coreLib.handler(name + "<object>") != null) {
            name = name + "<object>"; // an exact instantiation over one of the image's classes: Task<Box>
        }
        Long trap = runtimeMethodTraps.get(name);
        if (trap != null) {
            return trap;
        }
        EmulatedRuntime.RuntimeMethodHandler h = coreLib.handler(name);
        if (h == null) {
            rt.event("external method " + name + " is not provided by the emulated runtime");
            return 0;
        }
        long address = rt.traps().add(name, rt.atSafePoint(call -> h.call(rt, call), referenceArguments(name)));
        runtimeMethodTraps.put(name, address);
        return address;
    }

    /**
     * The name an external method's handler is provided under ({@link CoreLibMethod#keyOf}: its
     * {@code Namespace.Type.Method} and generic arity), read in the module its signature names and only
     * there (ZapSig::DecodeMethod's pInfoModule): this image's metadata, or the ManifestMetadata section
     * for the native manifest module; null for a module the image cannot name.
     */
    static String externalName(R2RImage image, MethodRef method) {
        Metadata md = image.modules().metadataOf(method.module());
        int token = method.token();
        int table = MetadataTable.table(token);
        int rid = MetadataTable.rid(token);
        if (md == null || table >= MetadataTable.COUNT || rid < 1 || rid > md.rowCount(table)) {
            return null;
        }
        if (table == MetadataTable.MEMBERREF) {
            byte[] sig = md.memberRef(rid).signature();
            int arity = sig.length > 1 && (sig[0] & CallingConvention.GENERIC) != 0
                    ? CompressedInteger.read(sig, 1, sig.length, "MemberRef " + rid + " signature") : 0;
            return CoreLibMethod.keyOf(md.memberRefName(rid), arity);
        }
        return table == MetadataTable.METHODDEF ? md.methodDefName(rid) : null;
    }

    /**
     * Check_InstructionSetSupport is resolved against the CPU profile as LoadDynamicInfoEntry resolves
     * it against the host CPU: it fails when a set the code needs (+) is absent or a set it must not
     * find (−) is present. The other checks pass (layouts are taken to match); the kinds {@link RealCodeModel}
     * gives a meaning (helpers bound to a type, field offsets, string handles) get it, and every other type, method
     * or field handle is a distinct zeroed block of the managed heap, one per cell.
     */
    @Override
    public long resolveOther(ImportCell cell) {
        if (cell.signature() instanceof FixupSignature.InstructionSetSupport isa) {
            String mismatch = instructionSetMismatch(ReadyToRunInstructionSet.entries(isa.entries()), cpuInstructionSets);
            if (mismatch != null) {
                throw new FixupFailure(cell.section(), cell.index(), cell.signature().kind().name(), FixupFailure.Reason.INSTRUCTION_SET,
                        mismatch + " (--cpu " + cpu.name() + "; " + cell.signatureText() + ")");
            }
            return 1;
        }
        if (cell.signature() instanceof FixupSignature.TypeHandle th) {
            String type = typeHandleName(rt.image(), th);
            if ((ExceptionObject.NAMESPACE + "." + ExceptionObject.NAME).equals(type)) {
                return rt.async().exceptionMethodTable; // sized, so NewObject can allocate the exception a throw carries
            }
            for (LabObject o : LabObject.values()) {
                if (o.fullName().equals(type)) {
                    return labObjectMethodTables.computeIfAbsent(o, k -> MethodTableLayout.allocate(rt, k.baseSize(), k.referenceOffsets()));
                }
            }
        }
        if (CHECKS.contains(cell.signature().kind())) {
            return 1;
        }
        long modelled = rt.realCodeModel().resolve(cell);
        return modelled != 0 ? modelled : rt.allocate(64);
    }

    /** The language's object type whose MethodTable is {@code mt}, or null. */
    LabObject labObjectOf(long mt) {
        for (Map.Entry<LabObject, Long> e : labObjectMethodTables.entrySet()) {
            if (e.getValue() == mt) {
                return e.getKey();
            }
        }
        return null;
    }

    /**
     * The namespace-qualified name of a TypeHandle fixup's type, read in the module its signature names (the fixup's
     * module override or the image, then a MODULE_ZAPSIG type's module); null for a type that is not a plain class or
     * value type token, or whose module or row the image cannot name.
     */
    static String typeHandleName(R2RImage image, FixupSignature.TypeHandle th) {
        int module = th.moduleOverride() == FixupSignature.NO_MODULE_OVERRIDE ? 0 : th.moduleOverride();
        SignatureType t = th.type();
        if (t instanceof SignatureType.ModuleOverride mo) {
            module = mo.module();
            t = mo.type();
        }
        if (!(t instanceof SignatureType.TypeDefOrRef tt)) {
            return null;
        }
        Metadata md = image.modules().metadataOf(module);
        int table = MetadataTable.table(tt.token());
        int rid = MetadataTable.rid(tt.token());
        if (md == null || (table != MetadataTable.TYPEDEF && table != MetadataTable.TYPEREF) || rid < 1 || rid > md.rowCount(table)) {
            return null;
        }
        return md.typeDefOrRefName(tt.token());
    }

    /** "needs Avx, Avx2, which the emulated CPU lacks" and/or "must not find VectorT512, which the emulated CPU has", or null when the entries hold. */
    static String instructionSetMismatch(List<ReadyToRunInstructionSet.Entry> entries, Set<ReadyToRunInstructionSet> cpu) {
        List<String> lacking = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (ReadyToRunInstructionSet.Entry e : entries) {
            ReadyToRunInstructionSet set = ReadyToRunInstructionSet.fromId(e.id());
            boolean has = set != null && cpu.contains(set);
            if (e.supported() && !has) {
                lacking.add(ReadyToRunInstructionSet.nameOf(e.id()));
            } else if (!e.supported() && has) {
                present.add(set.name());
            }
        }
        List<String> parts = new ArrayList<>();
        if (!lacking.isEmpty()) {
            parts.add("needs " + String.join(", ", lacking) + ", which the emulated CPU lacks");
        }
        if (!present.isEmpty()) {
            parts.add("must not run where " + String.join(", ", present) + (present.size() == 1 ? " is" : " are")
                    + " supported, which the emulated CPU has");
        }
        return parts.isEmpty() ? null : String.join("; ", parts);
    }

    @Override
    public String unsupportedCode(ReadyToRunMethod method) {
        return guard == null ? null : guard.unsupportedCode(method);
    }

    /** Releases the guard's disassembler. */
    void close() {
        if (guard != null) {
            guard.close();
        }
    }
}
