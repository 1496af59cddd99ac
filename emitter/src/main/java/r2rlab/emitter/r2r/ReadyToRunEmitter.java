package r2rlab.emitter.r2r;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.codegen.Backend;
import r2rlab.emitter.codegen.BodyKind;
import r2rlab.emitter.codegen.CodeFragment;
import r2rlab.emitter.codegen.CodegenContext;
import r2rlab.emitter.codegen.CompiledBody;
import r2rlab.emitter.codegen.RuntimeMethod;
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
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.nativeformat.FixupList;
import r2rlab.format.nativeformat.NativeArrayWriter;
import r2rlab.format.nativeformat.NativeHashtableWriter;
import r2rlab.format.nativeformat.NativeWriter;
import r2rlab.format.pe.CorHeader;
import r2rlab.format.pe.DataDirectory;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.GCRefMap;
import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunHeaderConstants;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.TypeLayoutEncoding;
import r2rlab.format.r2r.VersionResilientHash;

/**
 * Compiles a scenario into a ReadyToRun image laid out as crossgen2 lays it out: code and
 * read-only data, R2R tables, metadata and headers in .text, import cells in .data, base
 * relocations in .reloc. See {@link #emit}.
 */
public final class ReadyToRunEmitter {
    public static final String COMPILER_IDENTIFIER = "r2rlab emitter 0.1 (crossgen2 18.5 layout)";
    /** READYTORUN_FLAG_PLATFORM_NEUTRAL_SOURCE | SKIP_TYPE_VALIDATION | NONSHARED_PINVOKE_STUBS. */
    public static final int HEADER_FLAGS = ReadyToRunHeaderConstants.FLAG_PLATFORM_NEUTRAL_SOURCE
            | ReadyToRunHeaderConstants.FLAG_SKIP_TYPE_VALIDATION | ReadyToRunHeaderConstants.FLAG_NONSHARED_PINVOKE_STUBS;
    private static final String MODULE_CELL = "cell$module";
    private static final String PERSONALITY_THUNK = "thunk$personality";
    private static final String METHOD_CALL_THUNK = "thunk$DelayLoad_MethodCall";
    private static final String EXISTING_CELL_THUNK = "thunk$DelayLoad_MethodCall$existing";

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
    private String bodySymbol(MethodDecl m, BodyKind kind, CodeVersion version) {
        return "code$" + metadata.methodRid(m) + kind.symbolSuffix + version.suffix;
    }

    private String resumeInfoSymbol(MethodDecl m, CodeVersion version) {
        return "resumeinfo$" + metadata.methodRid(m) + version.suffix;
    }

    // ---- Cells ----

    private ImportRegistry.Cell eagerHelper(int helperId) {
        return eagerHelpers.computeIfAbsent("helper$" + helperId, k -> imports.cell(ImportRegistry.EAGER, k,
                SignatureData.of(FixupSignatureBuilder.of(ReadyToRunFixupKind.Helper).compressed(helperId).toByteArray()), null, null));
    }

    /** GC ref map positions: x64 counts from the first argument register, ARM64 from the x8 slot. */
    private int firstArgPosition() {
        return options.arch().machine == Machine.ARM64 ? 1 : 0;
    }

    private SortedMap<Integer, Integer> gcRefsOfCall(MethodDecl target, boolean asyncVariant) {
        SortedMap<Integer, Integer> refs = new TreeMap<>();
        int pos = firstArgPosition();
        if (!target.isStatic()) {
            refs.put(pos++, GCRefMap.REF);
        }
        if (asyncVariant) {
            refs.put(pos, GCRefMap.REF);
        }
        return refs;
    }

    private final class Context implements CodegenContext {
        private final List<ImportRegistry.Cell> bodyFixups;

        Context(List<ImportRegistry.Cell> bodyFixups) {
            this.bodyFixups = bodyFixups;
        }

        @Override
        public r2rlab.format.pe.TargetOs os() {
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
        public String bodySymbol(MethodDecl method, BodyKind kind, CodeVersion version) {
            return ReadyToRunEmitter.this.bodySymbol(method, kind, version);
        }

        @Override
        public String resumeInfoSymbol(MethodDecl method, CodeVersion version) {
            return ReadyToRunEmitter.this.resumeInfoSymbol(method, version);
        }

        @Override
        public String methodCell(MethodDecl target, boolean asyncVariant) {
            int rid = metadata.methodRid(target);
            byte[] sig = asyncVariant
                    ? FixupSignatureBuilder.of(ReadyToRunFixupKind.MethodEntry).methodDef(ReadyToRunMethodSigFlags.AsyncVariant, rid).toByteArray()
                    : FixupSignatureBuilder.of(ReadyToRunFixupKind.MethodEntry_DefToken).compressed(rid).toByteArray();
            return imports.cell(ImportRegistry.METHOD, "method$" + rid + "$" + asyncVariant, SignatureData.of(sig), METHOD_CALL_THUNK,
                    gcRefsOfCall(target, asyncVariant)).symbol();
        }

        @Override
        public String tailCallCell(MethodDecl target) {
            int rid = metadata.methodRid(target);
            byte[] sig = FixupSignatureBuilder.of(ReadyToRunFixupKind.MethodEntry_DefToken).compressed(rid).toByteArray();
            // x64 tail jumps keep the cell in RAX, so their cell starts at the thunk that does not clear it.
            String thunk = options.arch().machine == Machine.AMD64 ? EXISTING_CELL_THUNK : METHOD_CALL_THUNK;
            return imports.cell(ImportRegistry.METHOD, "tail$" + rid, SignatureData.of(sig), thunk, gcRefsOfCall(target, false)).symbol();
        }

        @Override
        public String runtimeMethodCell(RuntimeMethod method) {
            byte[] sig = FixupSignatureBuilder.of(ReadyToRunFixupKind.MethodEntry_RefToken, metadata.manifestModuleIndex())
                    .compressed(metadata.runtimeMemberRefRid(method)).toByteArray();
            SortedMap<Integer, Integer> refs = new TreeMap<>();
            int p = firstArgPosition();
            switch (method) {
                case CAPTURE_CONTEXTS -> {
                    refs.put(p, GCRefMap.INTERIOR);
                    refs.put(p + 1, GCRefMap.INTERIOR);
                }
                case RESTORE_CONTEXTS -> {
                    refs.put(p + 1, GCRefMap.REF);
                    refs.put(p + 2, GCRefMap.REF);
                }
                case FINALIZE_TASK_RETURNING_THUNK, YIELD -> refs.put(p, GCRefMap.REF);
                default -> {
                }
            }
            return imports.cell(ImportRegistry.METHOD, "runtime$" + method, SignatureData.of(sig), METHOD_CALL_THUNK, refs).symbol();
        }

        @Override
        public String helperCell(int helperId) {
            return eagerHelper(helperId).symbol();
        }

        @Override
        public String continuationLayoutCell(MethodIr ir) {
            ContinuationLayout layout = ir.continuation();
            byte[] gcMap = TypeLayoutEncoding.gcMap(layout.dataSize(), ContinuationLayout.POINTER_SIZE,
                    java.util.BitSet.valueOf(layout.gcMap()), has(Defect.B8_GC_MAP_TRUNCATED));
            byte[] sig = FixupSignatureBuilder.of(ReadyToRunFixupKind.ContinuationLayout)
                    .raw(r2rlab.format.r2r.CorElementType.MODULE_ZAPSIG).compressed(metadata.manifestModuleIndex())
                    .raw(r2rlab.format.r2r.CorElementType.CLASS).compressed(metadata.continuationTypeRefRid() << 2 | 1)
                    .bytes(TypeLayoutEncoding.descriptor(ContinuationLayout.LAYOUT_FLAGS, layout.dataSize(), gcMap)).toByteArray();
            ImportRegistry.Cell c = imports.cell(ImportRegistry.PRECODE, "layout$" + java.util.HexFormat.of().formatHex(sig),
                    SignatureData.of(sig), null, null);
            if (!bodyFixups.contains(c)) {
                bodyFixups.add(c);
            }
            return c.symbol();
        }
    }

    // ---- Compilation ----

    private Placed compile(MethodIr ir, BodyKind kind) {
        List<ImportRegistry.Cell> cells = new ArrayList<>();
        Context ctx = new Context(cells);
        CompiledBody body = switch (kind) {
            case METHOD -> backend.compileMethod(ir, ctx);
            case TASK_THUNK -> backend.compileTaskThunk(ir, ctx);
            case ASYNC_VARIANT -> backend.compileAsyncVariant(ir, ctx);
            case RESUMPTION_STUB -> backend.compileResumptionStub(ir, ctx);
        };
        if (kind == BodyKind.ASYNC_VARIANT && ir.needsResumptionStub()) {
            // The variant's fixup list names its stub (payload: the stub's RVA), so the runtime
            // registers the stub before the variant can ever run.
            String stub = bodySymbol(ir.method(), BodyKind.RESUMPTION_STUB, ir.version());
            ResumptionStubEntryPointSignature node = new ResumptionStubEntryPointSignature(stub, has(Defect.B5_RELOCS_ONLY_CONDITIONAL_KIND));
            stubSignatures.add(node);
            cells.add(imports.cell(ImportRegistry.PRECODE, "stub$" + stub, node.getData(false), null, null));
            if (has(Defect.B10_DUPLICATE_STUB_FIXUP)) {
                cells.add(imports.add(ImportRegistry.PRECODE, node.getData(false), null, null));
            }
        }
        return new Placed(body, ir, cells);
    }

    private byte[] emit() {
        // The Module cell first: the runtime scans the eager sections for its signature (1A 01).
        eagerHelper(ReadyToRunHelper.Module.id);
        // Bodies in runtime-function order: methods and Task-returning thunks, then async variants
        // with their stubs (adjacent, or grouped before the variants), then Tier1 versions.
        List<Placed> main = new ArrayList<>();
        List<Placed> variants = new ArrayList<>();
        List<Placed> stubs = new ArrayList<>();
        List<Placed> tier1 = new ArrayList<>();
        for (MethodDecl m : metadata.methodsInRidOrder()) {
            MethodIr ir = Lowering.lower(m, CodeVersion.R2R);
            if (!m.isAsync()) {
                main.add(compile(ir, BodyKind.METHOD));
            } else {
                main.add(compile(ir, BodyKind.TASK_THUNK));
                Placed v = compile(ir, BodyKind.ASYNC_VARIANT);
                variants.add(v);
                if (ir.needsResumptionStub()) {
                    Placed s = compile(ir, BodyKind.RESUMPTION_STUB);
                    if (options.stubLayout() == StubLayout.ADJACENT) {
                        variants.add(s);
                    } else {
                        stubs.add(s);
                    }
                }
            }
            if (m.tier1()) {
                MethodIr t = Lowering.lower(m, CodeVersion.TIER1);
                tier1.add(compile(t, m.isAsync() ? BodyKind.ASYNC_VARIANT : BodyKind.METHOD));
                if (m.isAsync() && t.needsResumptionStub()) {
                    tier1.add(compile(t, BodyKind.RESUMPTION_STUB));
                }
            }
        }
        // The dependency pass, as crossgen2's relocs-only GetData: each stub signature must depend on
        // exactly the stub it names, whatever it emits in that mode (defect B5 changes only the bytes).
        java.util.Set<String> stubBodies = new java.util.HashSet<>();
        for (List<Placed> list : List.of(stubs, variants, tier1)) {
            for (Placed p : list) {
                if (p.body().kind() == BodyKind.RESUMPTION_STUB) {
                    stubBodies.add(p.body().symbol());
                }
            }
        }
        for (ResumptionStubEntryPointSignature sig : stubSignatures) {
            for (String dependency : sig.dependencies()) {
                if (!stubBodies.contains(dependency)) {
                    throw new IllegalStateException("ResumptionStubEntryPoint signature depends on " + dependency + ", which is no compiled stub");
                }
            }
        }
        List<Placed> order = new ArrayList<>(main);
        order.addAll(stubs);
        order.addAll(variants);
        order.addAll(tier1);

        ImageBuilder image = new ImageBuilder();
        image.relocationHook(relocationHook());

        // Runtime functions: hot fragments in body order, then cold fragments.
        List<CodeFragment> fragments = new ArrayList<>();
        List<int[]> hotCold = new ArrayList<>();
        for (Placed p : order) {
            p.runtimeFunction = fragments.size();
            fragments.add(p.body().fragments().get(0));
        }
        for (Placed p : order) {
            for (CodeFragment cold : p.body().fragments().subList(1, p.body().fragments().size())) {
                hotCold.add(new int[] {fragments.size(), p.runtimeFunction});
                fragments.add(cold);
            }
        }

        // .text: code first (hot then cold), thunks, then read-only data and tables.
        for (CodeFragment f : fragments) {
            image.add(new ObjectNode(f.symbol(), SectionKind.TEXT, 16, f.code(), f.relocations()));
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
        for (Placed p : order) {
            for (ObjectNode d : p.body().data()) {
                image.add(d);
            }
        }

        // Unwind records: unwind blob with the handler flag, personality routine, GC info after the main fragment.
        for (Placed p : order) {
            List<CodeFragment> fs = p.body().fragments();
            for (int i = 0; i < fs.size(); i++) {
                BlobBuilder u = new BlobBuilder();
                u.bytes(backend.withHandlerFlag(fs.get(i).unwindInfo())).align(4);
                u.rva32(PERSONALITY_THUNK, 0);
                if (i == 0) {
                    u.bytes(GcInfoPlaceholder.BLOB).align(4);
                }
                image.add(ObjectNode.of(unwindSymbol(fs.get(i)), SectionKind.TEXT, 4, u));
            }
        }

        // RuntimeFunctions, with the 0xFFFFFFFF sentinel that 18.x counts in the section size.
        boolean x64 = options.arch().machine == Machine.AMD64;
        BlobBuilder rf = new BlobBuilder();
        for (CodeFragment f : fragments) {
            rf.rva32(f.symbol(), 0);
            if (x64) {
                rf.rva32(f.symbol(), f.code().length);
            }
            rf.rva32(unwindSymbol(f), 0);
        }
        rf.u32(0xFFFFFFFFL);
        ObjectNode rfNode = image.add(ObjectNode.of("RuntimeFunctions", SectionKind.TEXT, 4, rf));

        // Import cells (.data) and their signatures (.text).
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
            image.add(ObjectNode.of("importsection$" + s, SectionKind.DATA, 8, cellBlob));
            for (ImportRegistry.Cell c : cells) {
                image.alias(c.symbol(), "importsection$" + s, 8L * c.index());
            }
            if (s == ImportRegistry.EAGER && !cells.isEmpty()) {
                image.alias(MODULE_CELL, "importsection$" + s, 0);
            }
            image.add(ObjectNode.of("signatures$" + s, SectionKind.TEXT, 4, sigArray));
            if (ImportRegistry.SECTIONS.get(s).hasGcRefMap() && !cells.isEmpty()) {
                List<SortedMap<Integer, Integer>> maps = new ArrayList<>();
                cells.forEach(c -> maps.add(c.gcRefs()));
                image.add(ObjectNode.of("gcrefmap$" + s, SectionKind.TEXT, 4, GCRefMap.encode(maps)));
            }
        }
        sigNodes.forEach(image::add);
        BlobBuilder sectionTable = new BlobBuilder();
        for (int s = 0; s < ImportRegistry.SECTIONS.size(); s++) {
            ImportRegistry.SectionSpec spec = ImportRegistry.SECTIONS.get(s);
            List<ImportRegistry.Cell> cells = imports.cells(s);
            sectionTable.rva32("importsection$" + s, 0).u32(8L * cells.size()).u16(spec.flags()).u8(spec.type()).u8(8);
            if (cells.isEmpty()) {
                sectionTable.u32(0);
            } else {
                sectionTable.rva32("signatures$" + s, 0);
            }
            if (spec.hasGcRefMap() && !cells.isEmpty()) {
                sectionTable.rva32("gcrefmap$" + s, 0);
            } else {
                sectionTable.u32(0);
            }
        }
        ObjectNode importSections = image.add(ObjectNode.of("ImportSections", SectionKind.TEXT, 4, sectionTable));

        // Entry-point tables.
        NativeArrayWriter methodDefs = new NativeArrayWriter();
        NativeHashtableWriter instances = new NativeHashtableWriter();
        for (Placed p : main) {
            methodDefs.set(metadata.methodRid(p.ir().method()) - 1, entryPoint(p.runtimeFunction, p.fixups()));
        }
        for (Placed p : variants) {
            if (p.body().kind() != BodyKind.ASYNC_VARIANT) {
                continue;
            }
            MethodDecl m = p.ir().method();
            byte[] sig = FixupSignatureBuilder.of(ReadyToRunFixupKind.MethodEntry).methodDef(ReadyToRunMethodSigFlags.AsyncVariant,
                    metadata.methodRid(m)).toByteArray();
            // The kind byte is not part of an entry's signature.
            byte[] methodSig = java.util.Arrays.copyOfRange(sig, 1, sig.length);
            byte[] entry = entryPoint(p.runtimeFunction, p.fixups());
            byte[] vertex = new byte[methodSig.length + entry.length];
            System.arraycopy(methodSig, 0, vertex, 0, methodSig.length);
            System.arraycopy(entry, 0, vertex, methodSig.length, entry.length);
            instances.add(VersionResilientHash.methodHash(typeHash(m.type()), m.name()), vertex);
        }
        ObjectNode methodDefNode = image.add(ObjectNode.of("MethodDefEntryPoints", SectionKind.TEXT, 4, methodDefs.toByteArray()));
        ObjectNode instanceNode = instances.size() == 0 ? null
                : image.add(ObjectNode.of("InstanceMethodEntryPoints", SectionKind.TEXT, 4, instances.toByteArray()));

        ObjectNode compilerId = image.add(ObjectNode.of("CompilerIdentifier", SectionKind.TEXT, 4,
                (COMPILER_IDENTIFIER + "\0").getBytes(StandardCharsets.US_ASCII)));
        ObjectNode manifest = image.add(ObjectNode.of("ManifestMetadata", SectionKind.TEXT, 4, metadata.manifest()));
        ObjectNode hotColdNode = null;
        if (!hotCold.isEmpty()) {
            BlobBuilder hc = new BlobBuilder();
            for (int[] pair : hotCold) {
                hc.u32(pair[0]).u32(pair[1]);
            }
            hotColdNode = image.add(ObjectNode.of("HotColdMap", SectionKind.TEXT, 4, hc));
        }
        ObjectNode tier1Node = null;
        if (!tier1.isEmpty()) {
            BlobBuilder t = new BlobBuilder();
            t.u32(tier1.size());
            for (Placed p : tier1) {
                t.u32(metadata.methodToken(p.ir().method())).u32(p.body().kind().ordinal()).u32(p.runtimeFunction)
                        .rva32(p.body().symbol(), 0);
                if (p.fixups().isEmpty()) {
                    t.u32(0);
                } else {
                    t.rva32("tier1fixups$" + p.body().symbol(), 0);
                }
            }
            tier1Node = image.add(ObjectNode.of("R2RLabTier1CodeVersions", SectionKind.TEXT, 4, t));
            for (Placed p : tier1) {
                if (!p.fixups().isEmpty()) {
                    image.add(ObjectNode.of("tier1fixups$" + p.body().symbol(), SectionKind.TEXT, 1, fixupList(p.fixups())));
                }
            }
        }
        // IL bodies and metadata.
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
        ObjectNode mdNode = image.add(new ObjectNode("Metadata", SectionKind.TEXT, 4, il, ilRelocs));

        // READYTORUN_HEADER, sections sorted by type.
        TreeMap<Integer, ObjectNode> sections = new TreeMap<>();
        sections.put(ReadyToRunSectionType.CompilerIdentifier.id, compilerId);
        sections.put(ReadyToRunSectionType.ImportSections.id, importSections);
        sections.put(ReadyToRunSectionType.RuntimeFunctions.id, rfNode);
        sections.put(ReadyToRunSectionType.MethodDefEntryPoints.id, methodDefNode);
        if (instanceNode != null) {
            sections.put(ReadyToRunSectionType.InstanceMethodEntryPoints.id, instanceNode);
        }
        sections.put(ReadyToRunSectionType.ManifestMetadata.id, manifest);
        if (hotColdNode != null) {
            sections.put(ReadyToRunSectionType.HotColdMap.id, hotColdNode);
        }
        if (tier1Node != null) {
            sections.put(R2RLabSections.TIER1_CODE_VERSIONS, tier1Node);
        }
        ObjectNode headerNode = image.add(readyToRunHeader(sections, delayLoadThunks));

        BlobBuilder cor = new BlobBuilder();
        cor.u32(CorHeader.SIZE).u16(2).u16(5).rva32("Metadata", 0).u32(il.length).u32(CorHeader.COMIMAGE_FLAGS_IL_LIBRARY).u32(0);
        cor.zeros(8 * 5);
        cor.rva32("READYTORUN_HEADER", 0).u32(headerNode.size());
        image.add(ObjectNode.of("IMAGE_COR20_HEADER", SectionKind.TEXT, 4, cor));

        image.directory(DataDirectory.COM_DESCRIPTOR, "IMAGE_COR20_HEADER", CorHeader.SIZE);
        image.directory(DataDirectory.EXCEPTION, "RuntimeFunctions", rfNode.size());
        int machine = options.os().encode(options.arch().machine);
        long imageBase = options.os() == r2rlab.format.pe.TargetOs.WINDOWS ? 0x140000000L : 0x180000000L;
        return image.build(machine, options.os(), imageBase);
    }

    /** One READYTORUN_SECTION entry: the symbol of its first byte and its size. */
    private record SectionEntry(String symbol, long size) {
    }

    /**
     * READYTORUN_HEADER with its section table sorted by type (the runtime's FindSection requires
     * it); DelayLoadMethodCallThunks covers the delay-load thunks, which were added next to each
     * other, each at its node alignment.
     */
    private static ObjectNode readyToRunHeader(TreeMap<Integer, ObjectNode> sections, List<ObjectNode> thunks) {
        TreeMap<Integer, SectionEntry> all = new TreeMap<>();
        sections.forEach((type, node) -> all.put(type, new SectionEntry(node.symbol(), node.size())));
        long thunkBytes = 0;
        for (ObjectNode t : thunks) {
            thunkBytes = ((thunkBytes + t.alignment() - 1) & -t.alignment()) + t.size();
        }
        all.put(ReadyToRunSectionType.DelayLoadMethodCallThunks.id, new SectionEntry(thunks.get(0).symbol(), thunkBytes));
        BlobBuilder header = new BlobBuilder();
        header.u32(ReadyToRunHeaderConstants.SIGNATURE).u16(ReadyToRunHeaderConstants.NET11_MAJOR_VERSION)
                .u16(ReadyToRunHeaderConstants.NET11_MINOR_VERSION).u32(HEADER_FLAGS).u32(all.size());
        all.forEach((type, e) -> header.u32(type).rva32(e.symbol(), 0).u32(e.size()));
        return ObjectNode.of("READYTORUN_HEADER", SectionKind.TEXT, 8, header);
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

    /** An entry-point value: the runtime function index, and the fixup list inline when there is one. */
    private byte[] entryPoint(int runtimeFunction, List<ImportRegistry.Cell> cells) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (cells.isEmpty()) {
            NativeWriter.writeUnsigned(out, (long) runtimeFunction << 1);
        } else {
            NativeWriter.writeUnsigned(out, (long) runtimeFunction << 2 | 1);
            out.writeBytes(fixupList(cells));
        }
        return out.toByteArray();
    }

    private byte[] fixupList(List<ImportRegistry.Cell> cells) {
        List<FixupCell> list = new ArrayList<>();
        TreeSet<FixupCell> seen = new TreeSet<>();
        for (ImportRegistry.Cell c : cells) {
            FixupCell f = new FixupCell(c.section(), c.index());
            if (seen.add(f)) {
                list.add(f);
            }
        }
        return FixupList.write(list);
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
