package r2rlab.emitter.r2r;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.codegen.Backend;
import r2rlab.emitter.codegen.BodyPlan;
import r2rlab.emitter.codegen.CodeFragment;
import r2rlab.emitter.codegen.CodegenContext;
import r2rlab.emitter.codegen.CompiledBody;
import r2rlab.emitter.image.ImageBuilder;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.image.SectionKind;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.ContinuationLayout;
import r2rlab.emitter.ir.Lowering;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.reloc.RelocationResolver;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.TypeDecl;
import r2rlab.format.BlobBuilder;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.nativeformat.FixupList;
import r2rlab.format.nativeformat.NativeArrayWriter;
import r2rlab.format.nativeformat.NativeHashtableWriter;
import r2rlab.format.pe.CorHeader;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.CorElementType;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.LabObject;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ExceptionLookupEntry;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.GCRefMap;
import r2rlab.format.r2r.HotColdMapEntry;
import r2rlab.format.r2r.MethodEntryPoint;
import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunHeader;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunImportSection;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;
import r2rlab.format.r2r.ReadyToRunMethodSignature;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.RuntimeFunctionEntry;
import r2rlab.format.r2r.SignatureWriter;
import r2rlab.format.r2r.Tier1CodeVersions;
import r2rlab.format.r2r.TypeLayout;
import r2rlab.format.r2r.VersionResilientHash;
import r2rlab.format.unwind.x64.X64UnwindInfo;

/**
 * Compiles a scenario into a ReadyToRun image laid out as crossgen2 lays it out: code and
 * read-only data, R2R tables, metadata and headers in .text, import cells in .data, base
 * relocations in .reloc. See {@link #emit}.
 */
public final class ReadyToRunEmitter {
    public static final String COMPILER_IDENTIFIER = "r2rlab emitter 0.1 (crossgen2 18.5 layout)";
    /** READYTORUN_FLAG_PLATFORM_NEUTRAL_SOURCE | SKIP_TYPE_VALIDATION | NONSHARED_PINVOKE_STUBS. */
    public static final int HEADER_FLAGS = ReadyToRunHeader.FLAG_PLATFORM_NEUTRAL_SOURCE
            | ReadyToRunHeader.FLAG_SKIP_TYPE_VALIDATION | ReadyToRunHeader.FLAG_NONSHARED_PINVOKE_STUBS;
    /** Import cells are pointer-size (EntrySize 8), so a fixup list's slot is the cell's index. */
    private static final int CELL_SIZE = 8;
    private static final String MODULE_CELL = "cell$module";
    private static final String PERSONALITY_THUNK = "thunk$personality";
    private static final String METHOD_CALL_THUNK = "thunk$DelayLoad_MethodCall";
    private static final String EXISTING_CELL_THUNK = "thunk$DelayLoad_MethodCall$existing";
    private static final String EXCEPTION_CLAUSES = "ExceptionInfo$clauses";

    private final Scenario scenario;
    private final EmitOptions options;
    private final Backend backend;
    private final ModuleMetadata metadata;
    private final ImportRegistry imports = new ImportRegistry();
    private final Map<String, ImportRegistry.Cell> eagerHelpers = new LinkedHashMap<>();
    private final List<ResumptionStubEntryPointSignature> stubSignatures = new ArrayList<>();

    /** One body placed in the image: what it is, its compiled code, its fixups, and its entry runtime function. */
    private static final class Placed {
        final CompiledBody body;
        final MethodIr ir;
        final List<ImportRegistry.Cell> fixups;
        int runtimeFunction = -1;

        Placed(CompiledBody body, MethodIr ir, List<ImportRegistry.Cell> fixups) {
            this.body = body;
            this.ir = ir;
            this.fixups = fixups;
        }

        CompiledBody body() {
            return body;
        }

        MethodIr ir() {
            return ir;
        }

        List<ImportRegistry.Cell> fixups() {
            return fixups;
        }
    }

    private ReadyToRunEmitter(Scenario scenario, EmitOptions options, Backend backend) {
        this.scenario = scenario;
        this.options = options;
        this.backend = backend;
        this.metadata = new ModuleMetadata(scenario);
    }

    /** The image bytes; the same scenario and options always give the same bytes. */
    public static byte[] emit(Scenario scenario, EmitOptions options, Backend backend) {
        if (backend.machine() != options.arch().machine) {
            throw new IllegalArgumentException("backend for " + backend.machine() + " cannot emit " + options.arch());
        }
        return new ReadyToRunEmitter(scenario, options, backend).emit();
    }

    private boolean has(Defect d) {
        return options.defects().contains(d);
    }

    // ---- Symbols ----

    // Symbols are keyed by MethodDef rid: unique, short, and cheap to build for 100,000 methods.
    private String bodySymbol(MethodDecl m, CodeBodyKind kind, CodeVersion version) {
        return "code$" + metadata.methodRid(m) + CodegenContext.symbolSuffix(kind) + version.suffix;
    }

    private String resumeInfoSymbol(MethodDecl m, CodeVersion version) {
        return "resumeinfo$" + metadata.methodRid(m) + version.suffix;
    }

    // ---- Cells ----

    private ImportRegistry.Cell eagerHelper(int helperId) {
        return eagerHelpers.computeIfAbsent("helper$" + helperId, k -> imports.cell(ImportRegistry.EAGER, k,
                SignatureData.of(FixupSignature.Helper.of(helperId)), null, null));
    }

    /** GC ref map positions: x64 counts from the first argument register, ARM64 from the x8 slot. */
    private int firstArgPosition() {
        return options.arch().machine == Machine.ARM64 ? 1 : 0;
    }

    /** The argument registers and stack slots holding references in a call of {@code target}: 'this', the continuation, reference parameters. */
    private SortedMap<Integer, Integer> gcRefsOfCall(MethodDecl target, boolean asyncVariant) {
        SortedMap<Integer, Integer> refs = new TreeMap<>();
        int first = firstArgPosition();
        int contPos = asyncVariant ? BodyPlan.continuationPosition(target) : -1;
        if (asyncVariant) {
            refs.put(first + contPos, GCRefMap.REF);
        }
        for (int k = 0; k < target.arity(); k++) {
            if (target.paramTypes().get(k).isReference()) {
                refs.put(first + (asyncVariant ? BodyPlan.argumentPosition(k, contPos) : k), GCRefMap.REF);
            }
        }
        return refs;
    }

    private final class Context implements CodegenContext {
        private final List<ImportRegistry.Cell> bodyFixups;

        Context(List<ImportRegistry.Cell> bodyFixups) {
            this.bodyFixups = bodyFixups;
        }

        @Override
        public TargetOs os() {
            return options.os();
        }

        @Override
        public boolean has(Defect defect) {
            return options.defects().contains(defect);
        }

        @Override
        public Set<Defect> defects() {
            return options.defects();
        }

        @Override
        public String bodySymbol(MethodDecl method, CodeBodyKind kind, CodeVersion version) {
            return ReadyToRunEmitter.this.bodySymbol(method, kind, version);
        }

        @Override
        public String resumeInfoSymbol(MethodDecl method, CodeVersion version) {
            return ReadyToRunEmitter.this.resumeInfoSymbol(method, version);
        }

        @Override
        public String methodCell(MethodDecl target, boolean asyncVariant) {
            int rid = metadata.methodRid(target);
            FixupSignature sig = asyncVariant
                    ? new FixupSignature.MethodEntry(ReadyToRunFixupKind.MethodEntry, FixupSignature.NO_MODULE_OVERRIDE,
                            ReadyToRunMethodSignature.methodDef(ReadyToRunMethodSigFlags.AsyncVariant, rid))
                    : new FixupSignature.Token(ReadyToRunFixupKind.MethodEntry_DefToken, FixupSignature.NO_MODULE_OVERRIDE, rid);
            return imports.cell(ImportRegistry.METHOD, "method$" + rid + "$" + asyncVariant, SignatureData.of(sig), METHOD_CALL_THUNK,
                    gcRefsOfCall(target, asyncVariant)).symbol();
        }

        @Override
        public String tailCallCell(MethodDecl target) {
            int rid = metadata.methodRid(target);
            FixupSignature sig = new FixupSignature.Token(ReadyToRunFixupKind.MethodEntry_DefToken, FixupSignature.NO_MODULE_OVERRIDE, rid);
            // x64 tail jumps keep the cell in RAX, so their cell starts at the thunk that does not clear it.
            String thunk = options.arch().machine == Machine.AMD64 ? EXISTING_CELL_THUNK : METHOD_CALL_THUNK;
            return imports.cell(ImportRegistry.METHOD, "tail$" + rid, SignatureData.of(sig), thunk, gcRefsOfCall(target, false)).symbol();
        }

        @Override
        public String coreLibCell(CoreLibMethod method, SignatureType... instantiation) {
            if (instantiation.length != method.genericArity) {
                throw new IllegalArgumentException(method + " takes " + method.genericArity + " type arguments, not " + instantiation.length);
            }
            int rid = metadata.coreLibMemberRefRid(method);
            FixupSignature sig = method.genericArity == 0
                    ? new FixupSignature.Token(ReadyToRunFixupKind.MethodEntry_RefToken, metadata.manifestModuleIndex(), rid)
                    : new FixupSignature.MethodEntry(ReadyToRunFixupKind.MethodEntry, metadata.manifestModuleIndex(),
                            new ReadyToRunMethodSignature(ReadyToRunMethodSigFlags.MethodInstantiation | ReadyToRunMethodSigFlags.MemberRefToken,
                                    0, null, rid, List.of(instantiation), null));
            SortedMap<Integer, Integer> refs = new TreeMap<>();
            int p = firstArgPosition();
            switch (method) {
                case CAPTURE_CONTEXTS -> {
                    refs.put(p, GCRefMap.INTERIOR);
                    refs.put(p + 1, GCRefMap.INTERIOR);
                }
                case RESTORE_CONTEXTS, RESTORE_CONTEXTS_ON_SUSPENSION -> {
                    refs.put(p + 1, GCRefMap.REF);
                    refs.put(p + 2, GCRefMap.REF);
                }
                case RESTORE_EXECUTION_CONTEXT, YIELD, TASK_FROM_EXCEPTION, TASK_FROM_EXCEPTION_OF_T -> refs.put(p, GCRefMap.REF);
                case TASK_FROM_RESULT -> {
                    if (!(instantiation[0] instanceof SignatureType.Primitive)) {
                        refs.put(p, GCRefMap.REF); // Task.FromResult<Box>(Box)
                    }
                }
                default -> {
                }
            }
            return imports.cell(ImportRegistry.METHOD, "corelib$" + method + List.of(instantiation), SignatureData.of(sig), METHOD_CALL_THUNK,
                    refs).symbol();
        }

        @Override
        public String helperCell(int helperId) {
            return eagerHelper(helperId).symbol();
        }

        @Override
        public String exceptionTypeCell() {
            SignatureType exceptionType = new SignatureType.ModuleOverride(metadata.manifestModuleIndex(),
                    new SignatureType.TypeDefOrRef(CorElementType.CLASS, MetadataTable.token(MetadataTable.TYPEREF,
                            metadata.exceptionTypeRefRid())));
            FixupSignature sig = new FixupSignature.TypeHandle(ReadyToRunFixupKind.TypeHandle, FixupSignature.NO_MODULE_OVERRIDE,
                    exceptionType);
            ImportRegistry.Cell c = imports.cell(ImportRegistry.PRECODE, "type$System.Exception", SignatureData.of(sig), null, null);
            if (!bodyFixups.contains(c)) {
                bodyFixups.add(c);
            }
            return c.symbol();
        }

        @Override
        public String typeHandleCell(LabObject type) {
            FixupSignature sig = new FixupSignature.TypeHandle(ReadyToRunFixupKind.TypeHandle, FixupSignature.NO_MODULE_OVERRIDE,
                    typeSignature(type));
            ImportRegistry.Cell c = imports.cell(ImportRegistry.PRECODE, "type$" + type.fullName(), SignatureData.of(sig), null, null);
            if (!bodyFixups.contains(c)) {
                bodyFixups.add(c);
            }
            return c.symbol();
        }

        @Override
        public SignatureType typeSignature(LabObject type) {
            return new SignatureType.TypeDefOrRef(CorElementType.CLASS, metadata.objectTypeToken(type));
        }

        @Override
        public String continuationLayoutCell(MethodIr ir) {
            ContinuationLayout layout = ir.continuation();
            byte[] gcMap;
            try {
                gcMap = TypeLayout.gcMap(layout.dataSize(), ContinuationLayout.OBJECT.pointerSize(), layout.referenceCells(),
                        has(Defect.B8_GC_MAP_TRUNCATED));
            } catch (IndexOutOfBoundsException e) {
                // What crossgen2's TypeFixupSignature threw (IndexOutOfRange) for the truncated map of B8.
                throw new EmitException("ContinuationLayout of " + ir.method().fullName() + ": " + e.getMessage(), e);
            }
            if (has(Defect.B8_CONTINUATION_MAP_SHORT) && gcMap.length > 1) {
                gcMap = Arrays.copyOf(gcMap, gcMap.length - 1);
            }
            // The continuation base type lives in CoreLib, named through the manifest module.
            SignatureType continuationType = new SignatureType.ModuleOverride(metadata.manifestModuleIndex(),
                    new SignatureType.TypeDefOrRef(CorElementType.CLASS, MetadataTable.token(MetadataTable.TYPEREF,
                            metadata.continuationTypeRefRid())));
            byte[] sig = new FixupSignature.Layout(ReadyToRunFixupKind.ContinuationLayout, FixupSignature.NO_MODULE_OVERRIDE,
                    continuationType, TypeLayout.continuation(layout.dataSize(), gcMap)).toByteArray();
            ImportRegistry.Cell c = imports.cell(ImportRegistry.PRECODE, "layout$" + HexFormat.of().formatHex(sig),
                    SignatureData.of(sig), null, null);
            if (!bodyFixups.contains(c)) {
                bodyFixups.add(c);
            }
            return c.symbol();
        }
    }

    // ---- Compilation ----

    private Placed compile(MethodIr ir, CodeBodyKind kind) {
        List<ImportRegistry.Cell> cells = new ArrayList<>();
        Context ctx = new Context(cells);
        CompiledBody body = switch (kind) {
            case METHOD -> backend.compileMethod(ir, ctx);
            case TASK_RETURNING_THUNK -> backend.compileTaskThunk(ir, ctx);
            case ASYNC_VARIANT -> backend.compileAsyncVariant(ir, ctx);
            case RESUMPTION_STUB -> backend.compileResumptionStub(ir, ctx);
        };
        if (kind == CodeBodyKind.ASYNC_VARIANT && ir.needsResumptionStub()) {
            // The variant's fixup list names its stub (payload: the stub's RVA), so the runtime
            // registers the stub before the variant can ever run.
            String stub = bodySymbol(ir.method(), CodeBodyKind.RESUMPTION_STUB, ir.version());
            ResumptionStubEntryPointSignature node = new ResumptionStubEntryPointSignature(stub, has(Defect.B5_RELOCS_ONLY_CONDITIONAL_KIND));
            stubSignatures.add(node);
            cells.add(imports.cell(ImportRegistry.PRECODE, "stub$" + stub, node.getData(false), null, null));
            if (has(Defect.B10_DUPLICATE_STUB_FIXUP)) {
                cells.add(imports.add(ImportRegistry.PRECODE, node.getData(false), null, null));
            }
        }
        return new Placed(body, ir, cells);
    }

    /**
     * The bodies are scheduled first (compiled, ordered, given their runtime functions); then each
     * section is written, in the order crossgen2 lays out .text, and the headers last, since they
     * hold the other sections' sizes.
     */
    private byte[] emit() {
        // The Module cell first: the runtime scans the eager sections for its signature (1A 01).
        eagerHelper(ReadyToRunHelper.Module.id);
        Schedule schedule = scheduleBodies();

        ImageBuilder image = new ImageBuilder();
        image.relocationHook(relocationHook());
        // .text: code first (hot then cold), thunks, then read-only data and tables.
        List<ObjectNode> delayLoadThunks = writeCode(image, schedule);
        writeUnwindRecords(image, schedule.order());

        TreeMap<Integer, ObjectNode> sections = new TreeMap<>();
        ObjectNode runtimeFunctions = writeRuntimeFunctions(image, schedule.fragments());
        sections.put(ReadyToRunSectionType.RuntimeFunctions.id, runtimeFunctions);
        sections.put(ReadyToRunSectionType.ImportSections.id, writeImportSections(image));
        sections.put(ReadyToRunSectionType.MethodDefEntryPoints.id, writeMethodDefEntryPoints(image, schedule.methods()));
        ObjectNode instances = writeInstanceEntryPoints(image, schedule.asyncVariants());
        if (instances != null) {
            sections.put(ReadyToRunSectionType.InstanceMethodEntryPoints.id, instances);
        }
        sections.put(ReadyToRunSectionType.CompilerIdentifier.id, image.add(ObjectNode.of("CompilerIdentifier", SectionKind.TEXT, 4,
                (COMPILER_IDENTIFIER + "\0").getBytes(StandardCharsets.US_ASCII))));
        sections.put(ReadyToRunSectionType.ManifestMetadata.id, image.add(ObjectNode.of("ManifestMetadata", SectionKind.TEXT, 4,
                metadata.manifest())));
        ObjectNode exceptionInfo = writeExceptionInfo(image, schedule.order());
        if (exceptionInfo != null) {
            sections.put(ReadyToRunSectionType.ExceptionInfo.id, exceptionInfo);
        }
        if (!schedule.hotCold().isEmpty()) {
            BlobBuilder hc = new BlobBuilder();
            schedule.hotCold().forEach(pair -> pair.write(hc));
            sections.put(ReadyToRunSectionType.HotColdMap.id, image.add(ObjectNode.of("HotColdMap", SectionKind.TEXT, 4, hc)));
        }
        if (!schedule.tier1().isEmpty()) {
            sections.put(R2RLabSections.TIER1_CODE_VERSIONS, writeTier1CodeVersions(image, schedule.tier1()));
        }
        ObjectNode ilMetadata = writeMetadata(image);
        ObjectNode header = writeReadyToRunHeader(image, sections, delayLoadThunks);
        ObjectNode corHeader = writeCorHeader(image, ilMetadata, header);

        image.directory(DataDirectory.COM_DESCRIPTOR, corHeader.symbol(), corHeader.size());
        image.directory(DataDirectory.EXCEPTION, runtimeFunctions.symbol(), runtimeFunctions.size());
        int machine = options.os().encode(options.arch().machine);
        long imageBase = options.os() == TargetOs.WINDOWS ? 0x140000000L : 0x180000000L;
        return image.build(machine, options.os(), imageBase);
    }

    // ---- Body scheduling ----

    /**
     * The compiled bodies and their runtime functions. {@code order} is the bodies' runtime-function
     * order; {@code fragments} holds every body's main fragment in that order, each followed by its
     * funclets, then the cold sections (a split body's cold part and its funclets), which {@code hotCold} pairs, by
     * their first runtime function, with their body's main fragment.
     */
    private record Schedule(List<Placed> methods, List<Placed> asyncVariants, List<Placed> tier1, List<Placed> order,
                            List<CodeFragment> fragments, List<HotColdMapEntry> hotCold) {
    }

    /**
     * Compiles every body and orders them: methods and Task-returning thunks, then async variants
     * with their stubs (adjacent, or grouped before the variants), then Tier1 versions.
     */
    private Schedule scheduleBodies() {
        List<Placed> main = new ArrayList<>();
        List<Placed> variants = new ArrayList<>();
        List<Placed> stubs = new ArrayList<>();
        List<Placed> tier1 = new ArrayList<>();
        for (MethodDecl m : metadata.methodsInRidOrder()) {
            MethodIr ir = Lowering.lower(m, CodeVersion.R2R);
            if (!m.isAsync()) {
                main.add(compile(ir, CodeBodyKind.METHOD));
            } else {
                main.add(compile(ir, CodeBodyKind.TASK_RETURNING_THUNK));
                Placed v = compile(ir, CodeBodyKind.ASYNC_VARIANT);
                variants.add(v);
                if (ir.needsResumptionStub()) {
                    Placed s = compile(ir, CodeBodyKind.RESUMPTION_STUB);
                    if (options.stubLayout() == StubLayout.ADJACENT) {
                        variants.add(s);
                    } else {
                        stubs.add(s);
                    }
                }
            }
            if (m.tier1()) {
                MethodIr t = Lowering.lower(m, CodeVersion.TIER1);
                tier1.add(compile(t, m.isAsync() ? CodeBodyKind.ASYNC_VARIANT : CodeBodyKind.METHOD));
                if (m.isAsync() && t.needsResumptionStub()) {
                    tier1.add(compile(t, CodeBodyKind.RESUMPTION_STUB));
                }
            }
        }
        List<Placed> order = new ArrayList<>(main);
        order.addAll(stubs);
        order.addAll(variants);
        order.addAll(tier1);
        checkStubSignatureDependencies(order);

        List<CodeFragment> fragments = new ArrayList<>();
        List<HotColdMapEntry> hotCold = new ArrayList<>();
        for (Placed p : order) {
            p.runtimeFunction = fragments.size();
            // the main code, then the funclets, each with its unwind fragments, in the body's order
            fragments.addAll(hotFragments(p.body().fragments()));
        }
        for (Placed p : order) {
            List<CodeFragment> fs = p.body().fragments();
            List<CodeFragment> cold = fs.subList(hotFragments(fs).size(), fs.size());
            if (!cold.isEmpty()) {
                // one pair per method: its cold funclets belong to it by range, up to the next pair's cold part
                hotCold.add(new HotColdMapEntry(fragments.size(), p.runtimeFunction));
                fragments.addAll(cold);
            }
        }
        return new Schedule(main, variants, tier1, order, fragments, hotCold);
    }

    /** A body's fragments before its cold part: all of them unless split (the cold part and the funclets after it are cold). */
    private static List<CodeFragment> hotFragments(List<CodeFragment> fs) {
        for (int i = 0; i < fs.size(); i++) {
            if (fs.get(i).kind() == CodeFragment.Kind.COLD) {
                return fs.subList(0, i);
            }
        }
        return fs;
    }

    /**
     * The dependency pass, as crossgen2's relocs-only GetData: each stub signature must depend on
     * exactly the stub it names, whatever it emits in that mode (defect B5 changes only the bytes).
     */
    private void checkStubSignatureDependencies(List<Placed> bodies) {
        Set<String> stubBodies = new HashSet<>();
        for (Placed p : bodies) {
            if (p.body().kind() == CodeBodyKind.RESUMPTION_STUB) {
                stubBodies.add(p.body().symbol());
            }
        }
        for (ResumptionStubEntryPointSignature sig : stubSignatures) {
            for (String dependency : sig.dependencies()) {
                if (!stubBodies.contains(dependency)) {
                    throw new IllegalStateException("ResumptionStubEntryPoint signature depends on " + dependency + ", which is no compiled stub");
                }
            }
        }
    }

    // ---- Section writers ----

    /** Code fragments in runtime-function order, the delay-load and personality thunks, then the bodies' data; returns the delay-load thunks. */
    private List<ObjectNode> writeCode(ImageBuilder image, Schedule schedule) {
        for (CodeFragment f : schedule.fragments()) {
            // Funclets and unwind fragments follow the code before them without padding (x64 funclets start at odd RVAs,
            // as the JIT lays them out), so a clause's offsets from the method start and the branches across hold.
            boolean follows = f.kind() == CodeFragment.Kind.FUNCLET || f.kind() == CodeFragment.Kind.FRAGMENT;
            int alignment = !follows ? 16 : options.arch().machine == Machine.ARM64 ? 4 : 1;
            image.add(new ObjectNode(f.symbol(), SectionKind.TEXT, alignment, f.code(), f.relocations()));
        }
        List<ObjectNode> delayLoadThunks = new ArrayList<>();
        for (String thunk : List.of(METHOD_CALL_THUNK, EXISTING_CELL_THUNK)) {
            delayLoadThunks.add(image.add(backend.delayLoadThunk(thunk, ImportRegistry.METHOD, MODULE_CELL,
                    eagerHelper(ReadyToRunHelper.DelayLoad_MethodCall.id).symbol(), thunk.equals(EXISTING_CELL_THUNK))));
            if (backend.delayLoadThunkEntryOffset() != 0) {
                image.alias(thunk, Backend.thunkNodeSymbol(thunk), backend.delayLoadThunkEntryOffset());
            }
        }
        image.add(backend.jumpThunk(PERSONALITY_THUNK, eagerHelper(ReadyToRunHelper.PersonalityRoutine.id).symbol()));
        for (Placed p : schedule.order()) {
            for (ObjectNode d : p.body().data()) {
                image.add(d);
            }
        }
        return delayLoadThunks;
    }

    /** Per fragment: the unwind blob with the handler flag, the personality routine, and GC info after the main fragment. */
    private void writeUnwindRecords(ImageBuilder image, List<Placed> order) {
        for (Placed p : order) {
            List<CodeFragment> fs = p.body().fragments();
            for (int i = 0; i < fs.size(); i++) {
                BlobBuilder u = new BlobBuilder();
                if (fs.get(i).kind() == CodeFragment.Kind.COLD && options.arch().machine == Machine.AMD64) {
                    // x64: the cold main part's UNWIND_INFO has no codes and no handler but chains to the hot part's, which
                    // tells it from the cold funclets after it (hot-cold-splitting.md; the runtime's LazyIsFunclet)
                    CodeFragment hot = fs.get(0);
                    u.bytes(new X64UnwindInfo(X64UnwindInfo.UNW_FLAG_CHAININFO, 0, 0, 0, List.of()).encode())
                            .rva32(hot.symbol(), 0).rva32(hot.symbol(), hot.code().length).rva32(unwindSymbol(hot), 0);
                    image.add(ObjectNode.of(unwindSymbol(fs.get(i)), SectionKind.TEXT, 4, u));
                    continue;
                }
                u.bytes(backend.withHandlerFlag(fs.get(i).unwindInfo())).align(4);
                u.rva32(PERSONALITY_THUNK, 0);
                if (i == 0) {
                    u.bytes(GcInfoWriter.encode(options.arch().machine, p.body().gcInfo())).align(4);
                }
                image.add(ObjectNode.of(unwindSymbol(fs.get(i)), SectionKind.TEXT, 4, u));
            }
        }
    }

    /**
     * The ExceptionInfo section (104): a READYTORUN_EXCEPTION_LOOKUP_TABLE_ENTRY per body with EH clauses, in method
     * start order (the bodies' layout order) for the runtime's binary search, then the sentinel whose ExceptionInfo
     * closes the last clause array; the clause arrays before it. Null when no body has a clause.
     */
    private ObjectNode writeExceptionInfo(ImageBuilder image, List<Placed> order) {
        BlobBuilder clauses = new BlobBuilder();
        BlobBuilder table = new BlobBuilder();
        for (Placed p : order) {
            List<ExceptionClause> eh = p.body().clauses();
            if (eh.isEmpty()) {
                continue;
            }
            int at = table.position();
            new ExceptionLookupEntry(0, 0).write(table);
            table.rva32At(at + ExceptionLookupEntry.METHOD_START_OFFSET, p.body().symbol(), 0);
            table.rva32At(at + ExceptionLookupEntry.EXCEPTION_INFO_OFFSET, EXCEPTION_CLAUSES, clauses.position());
            eh.forEach(c -> c.write(clauses));
        }
        if (table.position() == 0) {
            return null;
        }
        int at = table.position();
        new ExceptionLookupEntry(ExceptionLookupEntry.SENTINEL, 0).write(table);
        table.rva32At(at + ExceptionLookupEntry.EXCEPTION_INFO_OFFSET, EXCEPTION_CLAUSES, clauses.position());
        image.add(ObjectNode.of(EXCEPTION_CLAUSES, SectionKind.TEXT, 4, clauses));
        return image.add(ObjectNode.of("ExceptionInfo", SectionKind.TEXT, 4, table));
    }

    /** RUNTIME_FUNCTIONs, with the sentinel that 18.x counts in the section size. */
    private ObjectNode writeRuntimeFunctions(ImageBuilder image, List<CodeFragment> fragments) {
        Machine machine = options.arch().machine;
        boolean storesEnd = RuntimeFunctionEntry.storesEndAddress(machine);
        BlobBuilder rf = new BlobBuilder();
        for (CodeFragment f : fragments) {
            int at = rf.position();
            new RuntimeFunctionEntry(0, storesEnd ? 0 : RuntimeFunctionEntry.NO_END_ADDRESS, 0).write(rf, machine);
            rf.rva32At(at + RuntimeFunctionEntry.BEGIN_ADDRESS_OFFSET, f.symbol(), 0);
            if (storesEnd) {
                rf.rva32At(at + RuntimeFunctionEntry.END_ADDRESS_OFFSET, f.symbol(), f.code().length);
            }
            rf.rva32At(at + RuntimeFunctionEntry.unwindDataOffset(machine), unwindSymbol(f), 0);
        }
        rf.u32(RuntimeFunctionEntry.SENTINEL);
        return image.add(ObjectNode.of("RuntimeFunctions", SectionKind.TEXT, 4, rf));
    }

    /** Import cells (.data), their signatures and GC ref maps (.text), and the READYTORUN_IMPORT_SECTION table. */
    private ObjectNode writeImportSections(ImageBuilder image) {
        List<ObjectNode> sigNodes = new ArrayList<>();
        for (int s = 0; s < ImportRegistry.SECTIONS.size(); s++) {
            List<ImportRegistry.Cell> cells = imports.cells(s);
            BlobBuilder cellBlob = new BlobBuilder();
            BlobBuilder sigArray = new BlobBuilder();
            for (ImportRegistry.Cell c : cells) {
                if (c.initialTarget() != null) {
                    cellBlob.pointer64(c.initialTarget(), 0);
                } else {
                    cellBlob.u64(0);
                }
                String sigSym = "sig$" + s + "$" + c.index();
                sigNodes.add(new ObjectNode(sigSym, SectionKind.TEXT, 1, c.signature().bytes(), c.signature().relocations()));
                sigArray.rva32(sigSym, 0);
            }
            image.add(ObjectNode.of(cellsSymbol(s), SectionKind.DATA, CELL_SIZE, cellBlob));
            for (ImportRegistry.Cell c : cells) {
                image.alias(c.symbol(), cellsSymbol(s), (long) CELL_SIZE * c.index());
            }
            if (s == ImportRegistry.EAGER && !cells.isEmpty()) {
                image.alias(MODULE_CELL, cellsSymbol(s), 0);
            }
            image.add(ObjectNode.of(signaturesSymbol(s), SectionKind.TEXT, 4, sigArray));
            if (hasGcRefMap(s)) {
                List<SortedMap<Integer, Integer>> maps = new ArrayList<>();
                cells.forEach(c -> maps.add(c.gcRefs()));
                image.add(ObjectNode.of(gcRefMapSymbol(s), SectionKind.TEXT, 4, GCRefMap.encode(maps)));
            }
        }
        sigNodes.forEach(image::add);
        BlobBuilder table = new BlobBuilder();
        for (int s = 0; s < ImportRegistry.SECTIONS.size(); s++) {
            ImportRegistry.SectionSpec spec = ImportRegistry.SECTIONS.get(s);
            List<ImportRegistry.Cell> cells = imports.cells(s);
            int at = table.position();
            new ReadyToRunImportSection(0, (long) CELL_SIZE * cells.size(), spec.flags(), spec.type(), CELL_SIZE, 0, 0).write(table);
            table.rva32At(at + ReadyToRunImportSection.SECTION_RVA_OFFSET, cellsSymbol(s), 0);
            if (!cells.isEmpty()) {
                table.rva32At(at + ReadyToRunImportSection.SIGNATURES_OFFSET, signaturesSymbol(s), 0);
            }
            if (hasGcRefMap(s)) {
                table.rva32At(at + ReadyToRunImportSection.AUXILIARY_DATA_OFFSET, gcRefMapSymbol(s), 0);
            }
        }
        return image.add(ObjectNode.of("ImportSections", SectionKind.TEXT, 4, table));
    }

    private static String cellsSymbol(int section) {
        return "importsection$" + section;
    }

    private static String signaturesSymbol(int section) {
        return "signatures$" + section;
    }

    private static String gcRefMapSymbol(int section) {
        return "gcrefmap$" + section;
    }

    private boolean hasGcRefMap(int section) {
        return ImportRegistry.SECTIONS.get(section).hasGcRefMap() && !imports.cells(section).isEmpty();
    }

    /** MethodDefEntryPoints: a NativeArray of entry points by MethodDef rid - 1. */
    private ObjectNode writeMethodDefEntryPoints(ImageBuilder image, List<Placed> methods) {
        NativeArrayWriter methodDefs = new NativeArrayWriter();
        for (Placed p : methods) {
            methodDefs.set(metadata.methodRid(p.ir().method()) - 1, entryPoint(p).toByteArray());
        }
        return image.add(ObjectNode.of("MethodDefEntryPoints", SectionKind.TEXT, 4, methodDefs.toByteArray()));
    }

    /** InstanceMethodEntryPoints: the async variants by version-resilient hash, or null when there are none. */
    private ObjectNode writeInstanceEntryPoints(ImageBuilder image, List<Placed> variants) {
        NativeHashtableWriter instances = new NativeHashtableWriter();
        for (Placed p : variants) {
            if (p.body().kind() != CodeBodyKind.ASYNC_VARIANT) {
                continue;
            }
            MethodDecl m = p.ir().method();
            SignatureWriter methodSig = new SignatureWriter();
            ReadyToRunMethodSignature.methodDef(ReadyToRunMethodSigFlags.AsyncVariant, metadata.methodRid(m)).write(methodSig);
            ByteArrayOutputStream vertex = new ByteArrayOutputStream();
            vertex.writeBytes(methodSig.toByteArray());
            entryPoint(p).write(vertex);
            instances.add(VersionResilientHash.methodHash(typeHash(m.type()), m.name()), vertex.toByteArray());
        }
        return instances.size() == 0 ? null
                : image.add(ObjectNode.of("InstanceMethodEntryPoints", SectionKind.TEXT, 4, instances.toByteArray()));
    }

    /** A body's entry-point value: its runtime function, and its fixup list inline when it has one. */
    private static MethodEntryPoint entryPoint(Placed p) {
        return MethodEntryPoint.of(p.runtimeFunction, fixupCells(p.fixups()));
    }

    /** r2rlab's Tier1 code-version section, followed by the fixup lists it points to. */
    private ObjectNode writeTier1CodeVersions(ImageBuilder image, List<Placed> tier1) {
        List<Tier1CodeVersions.Entry> entries = new ArrayList<>();
        for (Placed p : tier1) {
            entries.add(new Tier1CodeVersions.Entry(metadata.methodToken(p.ir().method()), p.body().kind(),
                    p.runtimeFunction, 0, 0));
        }
        BlobBuilder t = new BlobBuilder();
        new Tier1CodeVersions(entries).write(t);
        for (int i = 0; i < tier1.size(); i++) {
            Placed p = tier1.get(i);
            int at = Tier1CodeVersions.ENTRIES_OFFSET + i * Tier1CodeVersions.Entry.SIZE;
            t.rva32At(at + Tier1CodeVersions.Entry.CODE_RVA_OFFSET, p.body().symbol(), 0);
            if (!p.fixups().isEmpty()) {
                t.rva32At(at + Tier1CodeVersions.Entry.FIXUPS_RVA_OFFSET, tier1FixupsSymbol(p), 0);
            }
        }
        ObjectNode node = image.add(ObjectNode.of(Tier1CodeVersions.NAME, SectionKind.TEXT, 4, t));
        for (Placed p : tier1) {
            if (!p.fixups().isEmpty()) {
                image.add(ObjectNode.of(tier1FixupsSymbol(p), SectionKind.TEXT, 1, FixupList.write(fixupCells(p.fixups()))));
            }
        }
        return node;
    }

    private static String tier1FixupsSymbol(Placed p) {
        return "tier1fixups$" + p.body().symbol();
    }

    /** IL bodies, then the ECMA-335 metadata with each MethodDef's RVA bound to its body. */
    private ObjectNode writeMetadata(ImageBuilder image) {
        Map<MethodDecl, String> ilBodies = new IdentityHashMap<>();
        for (MethodDecl m : metadata.methodsInRidOrder()) {
            String sym = "il$" + metadata.methodRid(m);
            image.add(ObjectNode.of(sym, SectionKind.TEXT, 4, ModuleMetadata.ilBody(m)));
            ilBodies.put(m, sym);
        }
        byte[] il = metadata.ilMetadata();
        List<Relocation> ilRelocs = new ArrayList<>();
        metadata.methodRvaOffsets(il).forEach((m, off) -> ilRelocs.add(new Relocation(off, RelocType.IMAGE_REL_BASED_ADDR32NB, ilBodies.get(m), 0)));
        ilRelocs.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
        return image.add(new ObjectNode("Metadata", SectionKind.TEXT, 4, il, ilRelocs));
    }

    /**
     * READYTORUN_HEADER with its section table sorted by type (the runtime's FindSection requires
     * it); DelayLoadMethodCallThunks covers the delay-load thunks, which were added next to each
     * other, each at its node alignment.
     */
    private static ObjectNode writeReadyToRunHeader(ImageBuilder image, TreeMap<Integer, ObjectNode> sections, List<ObjectNode> thunks) {
        TreeMap<Integer, SectionEntry> all = new TreeMap<>();
        sections.forEach((type, node) -> all.put(type, new SectionEntry(node.symbol(), node.size())));
        long thunkBytes = 0;
        for (ObjectNode t : thunks) {
            thunkBytes = ((thunkBytes + t.alignment() - 1) & -t.alignment()) + t.size();
        }
        all.put(ReadyToRunSectionType.DelayLoadMethodCallThunks.id, new SectionEntry(thunks.get(0).symbol(), thunkBytes));
        List<ReadyToRunHeader.Section> table = new ArrayList<>();
        all.forEach((type, e) -> table.add(new ReadyToRunHeader.Section(type, 0, e.size())));
        BlobBuilder header = new BlobBuilder();
        new ReadyToRunHeader(ReadyToRunHeader.NET11_MAJOR_VERSION, ReadyToRunHeader.NET11_MINOR_VERSION, HEADER_FLAGS, table).write(header);
        int at = ReadyToRunHeader.SIZE;
        for (SectionEntry e : all.values()) {
            header.rva32At(at + ReadyToRunHeader.Section.RVA_OFFSET, e.symbol(), 0);
            at += ReadyToRunHeader.Section.SIZE;
        }
        return image.add(ObjectNode.of("READYTORUN_HEADER", SectionKind.TEXT, 8, header));
    }

    /** One READYTORUN_SECTION entry as written: the symbol of its first byte and its size. */
    private record SectionEntry(String symbol, long size) {
    }

    /** IMAGE_COR20_HEADER: the metadata, the IL_LIBRARY flag crossgen2 sets, and the READYTORUN_HEADER as ManagedNativeHeader. */
    private static ObjectNode writeCorHeader(ImageBuilder image, ObjectNode ilMetadata, ObjectNode readyToRunHeader) {
        BlobBuilder cor = new BlobBuilder();
        new CorHeader(CorHeader.SIZE, CorHeader.MAJOR_RUNTIME_VERSION, CorHeader.MINOR_RUNTIME_VERSION,
                new DataDirectory(0, ilMetadata.size()), CorHeader.COMIMAGE_FLAGS_IL_LIBRARY, 0, DataDirectory.EMPTY,
                DataDirectory.EMPTY, DataDirectory.EMPTY, DataDirectory.EMPTY, DataDirectory.EMPTY,
                new DataDirectory(0, readyToRunHeader.size())).write(cor);
        cor.rva32At(CorHeader.METADATA_OFFSET + DataDirectory.RVA_OFFSET, ilMetadata.symbol(), 0);
        cor.rva32At(CorHeader.MANAGED_NATIVE_HEADER_OFFSET + DataDirectory.RVA_OFFSET, readyToRunHeader.symbol(), 0);
        return image.add(ObjectNode.of("IMAGE_COR20_HEADER", SectionKind.TEXT, 4, cor));
    }

    private static String unwindSymbol(CodeFragment f) {
        return "unwind$" + f.symbol();
    }

    /** The version-resilient hash of a type: namespace and name, chained through enclosing types. */
    private int typeHash(TypeDecl t) {
        if (t.enclosing() == null) {
            return VersionResilientHash.typeHash(t.namespace(), t.name());
        }
        return VersionResilientHash.nestedTypeHash(typeHash(scenario.type(t.enclosing())), "", t.name());
    }

    /** A body's fixups as fixup-list cells: cells are pointer-size, so a cell's slot is its index. */
    private static List<FixupCell> fixupCells(List<ImportRegistry.Cell> cells) {
        List<FixupCell> out = new ArrayList<>();
        for (ImportRegistry.Cell c : cells) {
            out.add(new FixupCell(c.section(), c.index()));
        }
        return out;
    }

    private ImageBuilder.RelocationHook relocationHook() {
        if (has(Defect.B3_REJECT_PAGE_ADDENDS)) {
            return (section, sectionRva, reloc, symbolRva, imageBase) -> {
                if (isPageRelocation(reloc.type()) && reloc.addend() != 0) {
                    throw new IllegalStateException("PEObjectWriter: " + RelocType.name(reloc.type()) + " with non-zero addend "
                            + reloc.addend() + " to " + reloc.symbol() + " is not supported (defect B3)");
                }
                return RelocationResolver.apply(section, sectionRva, reloc, symbolRva, imageBase);
            };
        }
        if (has(Defect.B3_DROP_PAGE_ADDENDS)) {
            return (section, sectionRva, reloc, symbolRva, imageBase) -> {
                if (reloc.type() == RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21 && reloc.addend() != 0) {
                    // page(S) + A: the addend is dropped from the page computation.
                    return RelocationResolver.apply(section, sectionRva, new Relocation(reloc.offset(), reloc.type(), reloc.symbol(), 0),
                            symbolRva, imageBase);
                }
                return RelocationResolver.apply(section, sectionRva, reloc, symbolRva, imageBase);
            };
        }
        return RelocationResolver::apply;
    }

    private static boolean isPageRelocation(int type) {
        return type == RelocType.IMAGE_REL_BASED_ARM64_PAGEBASE_REL21 || type == RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12A
                || type == RelocType.IMAGE_REL_BASED_ARM64_PAGEOFFSET_12L;
    }
}
