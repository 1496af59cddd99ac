package r2rlab.tests.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.Backpatch;
import r2rlab.loader.runtime.BackpatchSlot;
import r2rlab.loader.runtime.CodeInfo;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.ExternalMethodFixupWorker;
import r2rlab.loader.runtime.FixupFailure;
import r2rlab.loader.runtime.ImportSectionAssertionFailure;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.loader.runtime.ReadyToRunInfo;
import r2rlab.loader.runtime.SimpleRuntimeServices;
import r2rlab.loader.runtime.TierUpResult;

/** The runtime model over images r2rlab's emitter writes: the fixup worker, hot/cold lookup (B4) and tier-up backpatching. */
class EmittedRuntimeTest {
    private static final long BASE = 0x1_4000_0000L;
    private static final int METHOD_IMPORTS = 4;

    static R2RImage emit(String example, EmitOptions options) {
        Path root = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("examples").resolve(example))) {
                root = p;
                break;
            }
        }
        if (root == null) {
            return Assertions.fail("examples/" + example + " not found");
        }
        try {
            return R2RImage.read(example, Emitter.emit(ScenarioParser.parse(root.resolve("examples").resolve(example)), options));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ImportCell methodEntryCell(R2RImage img, int token, boolean asyncVariant) {
        for (ImportCell c : img.importSections().get(METHOD_IMPORTS).cells()) {
            if (c.signature().kind() == ReadyToRunFixupKind.MethodEntry && c.method().token() == token
                    && c.method().isAsyncVariant() == asyncVariant) {
                return c;
            }
        }
        return Assertions.fail(String.format("no MethodEntry cell for 0x%08X", token));
    }

    private static ReadyToRunMethod method(R2RImage img, String name, CodeBodyKind variant, ReadyToRunMethod.Source source) {
        return img.methods().stream().filter(m -> m.name().equals(name) && m.kind() == variant && m.source() == source)
                .findFirst().orElseThrow(() -> new AssertionError(name + " " + variant + " " + source));
    }

    /** The first MethodImports cell naming a MemberRef with a module override: a CoreLib method of the manifest. */
    static ImportCell firstRefTokenCell(R2RImage img) {
        return img.importSections().get(METHOD_IMPORTS).cells().stream()
                .filter(c -> c.signature().kind() == ReadyToRunFixupKind.MethodEntry_RefToken).findFirst().orElseThrow();
    }

    @Test
    void worker_patchesAMethodImportsCellWithTheLocalAsyncVariantsEntry() {
        R2RImage img = emit("async-basic.yaml", EmitOptions.of(Architecture.X64));
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices(BASE));
        assertTrue(info.initialize().isEmpty());
        ReadyToRunMethod main = method(img, "Demo.Program.Main", CodeBodyKind.ASYNC_VARIANT, ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS);
        ImportCell cell = methodEntryCell(img, main.token(), true);
        assertEquals(1, cell.index()); // after ExecutionAndSyncBlockStore.Push, the Task-returning method's first call
        long thunk = info.cellValue(METHOD_IMPORTS, cell.index());
        assertTrue(thunk != 0, "a delay-load cell starts at its import thunk");
        ExternalMethodFixupWorker worker = new ExternalMethodFixupWorker(info);

        long target = worker.resolve(cell.rva(), METHOD_IMPORTS);
        assertEquals(BASE + main.entryRva(), target);
        assertEquals(target, info.cellValue(METHOD_IMPORTS, cell.index()));
        // Resolving the target prepared the async variant: its own fixups ran, its stub is registered.
        MethodDesc variant = info.methodDescForEntryPoint(main.entryRva());
        assertEquals(MethodDesc.Kind.ASYNC_VARIANT, variant.kind());
        assertEquals(MethodDesc.Kind.RESUMPTION_STUB, info.methodDescForEntryPoint(img.resumptionStubs().get(0).rva()).kind());
        assertTrue(info.slotsOf(variant).stream().anyMatch(s -> s.kind() == BackpatchSlot.Kind.IMPORT_CELL
                && s.section() == METHOD_IMPORTS && s.index() == cell.index()));

        // A MemberRef with a module override (CoreLib's AsyncHelpers): the runtime resolves it.
        ImportCell ref = firstRefTokenCell(img);
        assertEquals(0x80 | ReadyToRunFixupKind.MethodEntry_RefToken.value, ref.signature().kindByte());
        assertEquals(SimpleRuntimeServices.EXTERNAL_BASE, worker.resolve(ref.rva(), METHOD_IMPORTS));
        assertEquals(SimpleRuntimeServices.EXTERNAL_BASE, info.cellValue(METHOD_IMPORTS, ref.index()));
    }

    @Test
    void worker_unresolvableExternalMethodFailsNamingTheCellAndLeavesItUnpatched() {
        R2RImage img = emit("async-basic.yaml", EmitOptions.of(Architecture.X64));
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices(BASE).failExternalMethods());
        ImportCell ref = firstRefTokenCell(img);
        long before = info.cellValue(METHOD_IMPORTS, ref.index());
        FixupFailure f = assertThrows(FixupFailure.class, () -> new ExternalMethodFixupWorker(info).resolve(ref.rva(), METHOD_IMPORTS));
        // Cell 0: the Task-returning method's first call, ExecutionAndSyncBlockStore.Push (manifest MemberRef 1: the
        // manifest's MemberRefs are numbered in the order the code first references them), named from the manifest's tables.
        assertEquals("fixup ImportSection[4] cell 0 (MethodEntry_RefToken) failed: the runtime could not resolve "
                + "System.Runtime.CompilerServices.ExecutionAndSyncBlockStore.Push", f.getMessage());
        assertEquals(FixupFailure.Reason.UNRESOLVED, f.reason());
        assertEquals(before, info.cellValue(METHOD_IMPORTS, ref.index()));
    }

    @Test
    void worker_assertsThatTheNamedSectionContainsTheCell_B2() {
        R2RImage img = emit("async-basic.yaml", EmitOptions.of(Architecture.X64));
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices(BASE));
        info.initialize();
        ImportCell cell = img.importSections().get(METHOD_IMPORTS).cells().get(6);
        ImportSection precode = img.importSections().get(5);
        long before = info.cellValue(METHOD_IMPORTS, 6);
        ImportSectionAssertionFailure f = assertThrows(ImportSectionAssertionFailure.class,
                () -> new ExternalMethodFixupWorker(info).resolve(cell.rva(), 5));
        assertEquals(String.format("ASSERT FAILED: pImportSection == pModule->GetImportSectionForRVA(rva) in ExternalMethodFixupWorker: "
                + "import section 5 [0x%X, 0x%X) does not contain cell RVA 0x%X, which lies in import section 4",
                precode.rva(), precode.rva() + precode.size(), cell.rva()), f.getMessage());
        assertEquals("ASSERT FAILED: pImportSection == pModule->GetImportSectionForRVA(rva) in ExternalMethodFixupWorker: "
                + "import section 5 [0x2098, 0x20B8) does not contain cell RVA 0x2060, which lies in import section 4", f.getMessage());
        assertEquals(5, f.namedSection());
        assertEquals(4, f.actualSection());
        assertEquals(0x2060, f.cellRva());
        // Nothing was patched.
        assertEquals(before, info.cellValue(METHOD_IMPORTS, 6));
    }

    @Test
    void codeManager_hotColdSplit_coldPartMapsToItsAsyncVariant_B4() {
        R2RImage img = emit("async-basic.yaml", EmitOptions.of(Architecture.X64).withDefects(Set.of(Defect.B4_HOT_COLD_SPLIT)));
        Map<Integer, Integer> coldToHot = img.coldToHot();
        // runtime functions: the two Task-returning methods with their catch and fault funclets (0-2, 3-5), Main's variant
        // and stub (6, 7), Compute's (8, 9), then the cold parts
        assertEquals(Map.of(10, 6, 11, 8), coldToHot);
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices(BASE));
        for (ReadyToRunMethod m : img.methods()) {
            if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                assertTrue(info.getEntryPoint(m.token()).isOk());
                EntryPoint av = info.getAsyncVariantEntryPoint(m.token());
                assertTrue(av.isOk(), () -> av.rejection().message());
            }
        }
        for (Map.Entry<Integer, Integer> e : coldToHot.entrySet()) {
            RuntimeFunction cold = img.runtimeFunctions().get(e.getKey());
            RuntimeFunction hot = img.runtimeFunctions().get(e.getValue());
            CodeInfo c = info.jitManager().jitCodeToMethodInfo(cold.beginRva() + 8);
            assertNotNull(c);
            assertEquals(MethodDesc.Kind.ASYNC_VARIANT, c.method().kind());
            assertEquals(hot.beginRva(), c.method().entryRva());
            assertTrue(c.cold());
            assertFalse(c.funclet());
            assertEquals(e.getKey().intValue(), c.runtimeFunction());
            assertEquals(e.getValue().intValue(), c.hotRuntimeFunction());
        }
        // The cold part of Main's variant (rf 10) lies right after Compute's stub (rf 9): without the map the walk
        // back from rf 10 would stop at that stub; with it, the IP belongs to Main's variant.
        assertEquals(MethodDesc.Kind.RESUMPTION_STUB, info.jitManager().methodForCodeAddress(img.runtimeFunctions().get(9).beginRva()).kind());
        assertEquals("Demo.Program.Main", info.jitManager().methodForCodeAddress(img.runtimeFunctions().get(10).beginRva()).name());
        assertEquals("Demo.Program.Compute", info.jitManager().methodForCodeAddress(img.runtimeFunctions().get(11).beginRva()).name());
    }

    @Test
    void tierUp_publishesTier1BodyAndBackpatchesTheWorkersCellButNotTheStub() {
        R2RImage img = emit("tiering.yaml", EmitOptions.of(Architecture.X64).withStubLayout(StubLayout.ADJACENT));
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices(BASE));
        ReadyToRunMethod hot = method(img, "Demo.Tiering.Hot", CodeBodyKind.ASYNC_VARIANT, ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS);
        ReadyToRunMethod tier1 = method(img, "Demo.Tiering.Hot" + R2RImage.TIER1_SUFFIX, CodeBodyKind.ASYNC_VARIANT,
                ReadyToRunMethod.Source.TIER1_CODE_VERSIONS);
        ReadyToRunMethod r2rStub = method(img, "Demo.Tiering.Hot" + R2RImage.STUB_SUFFIX, CodeBodyKind.RESUMPTION_STUB,
                ReadyToRunMethod.Source.RESUMPTION_STUB_FIXUP);
        ReadyToRunMethod tier1Stub = method(img, "Demo.Tiering.Hot" + R2RImage.STUB_SUFFIX + R2RImage.TIER1_SUFFIX,
                CodeBodyKind.RESUMPTION_STUB, ReadyToRunMethod.Source.TIER1_CODE_VERSIONS);

        // Main's code calls Hot's async variant through a MethodImports cell: the worker patches it with the R2R entry.
        ImportCell cell = methodEntryCell(img, hot.token(), true);
        ExternalMethodFixupWorker worker = new ExternalMethodFixupWorker(info);
        assertEquals(BASE + hot.entryRva(), worker.resolve(cell.rva(), METHOD_IMPORTS));
        MethodDesc md = info.methodDescForEntryPoint(hot.entryRva());
        assertEquals(MethodDesc.Kind.ASYNC_VARIANT, md.kind());
        MethodDesc stub = info.methodDescForEntryPoint(r2rStub.entryRva());
        assertEquals(MethodDesc.Kind.RESUMPTION_STUB, stub.kind());
        assertNull(info.methodDescForEntryPoint(tier1.entryRva()));
        assertEquals(BASE + hot.entryRva(), info.precodeTarget(md));

        info.tiering().setThreshold(3);
        assertNull(info.tiering().recordCall(md));
        assertNull(info.tiering().recordCall(md));
        TierUpResult r = info.tiering().recordCall(md);
        assertNotNull(r);
        assertTrue(r.published(), () -> r.failure().message());
        assertEquals(3, info.tiering().callCount(md));
        assertSame(md, r.method());
        assertEquals(hot.entryRva(), r.oldEntryRva());
        assertEquals(tier1.entryRva(), r.newEntryRva());
        assertEquals(0x14A0, r.newEntryRva());
        MethodDesc body = r.tier1Body();
        assertEquals(MethodDesc.Kind.TIER1_BODY, body.kind());
        assertEquals(1, body.codeVersion());
        assertSame(md, body.owner());
        assertEquals(tier1.entryRva(), md.currentEntryRva());

        List<Backpatch> patched = r.backpatched();
        assertEquals(2, patched.size());
        Backpatch c = patched.stream().filter(b -> b.slot().kind() == BackpatchSlot.Kind.IMPORT_CELL).findFirst().orElseThrow();
        assertEquals(METHOD_IMPORTS, c.slot().section());
        assertEquals(cell.index(), c.slot().index());
        assertEquals(BASE + hot.entryRva(), c.oldValue());
        assertEquals(BASE + tier1.entryRva(), c.newValue());
        assertEquals(BASE + tier1.entryRva(), info.cellValue(METHOD_IMPORTS, cell.index()));
        assertEquals(BASE + tier1.entryRva(), info.precodeTarget(md));
        assertEquals(patched, info.tiering().backpatches());
        // No stub was touched: the R2R stub keeps its MethodDesc and code (it calls the R2R body directly).
        assertTrue(patched.stream().noneMatch(b -> b.slot().method().isResumptionStub()));
        assertSame(stub, info.methodDescForEntryPoint(r2rStub.entryRva()));
        assertEquals(r2rStub.entryRva(), stub.currentEntryRva());
        assertTrue(info.slotsOf(stub).isEmpty());

        // The Tier1 body's fixups registered its own stub; code lookups see both versions.
        MethodDesc t1Stub = info.methodDescForEntryPoint(tier1Stub.entryRva());
        assertEquals(MethodDesc.Kind.RESUMPTION_STUB, t1Stub.kind());
        assertEquals(1, t1Stub.codeVersion());
        assertSame(body, info.jitManager().methodForCodeAddress(tier1.entryRva() + 0x10));
        assertSame(md, info.jitManager().methodForCodeAddress(hot.entryRva() + 0x10));
        // New resolutions through the worker now reach Tier1.
        assertEquals(BASE + tier1.entryRva(), worker.resolve(cell.rva(), METHOD_IMPORTS));
        // Tiering up again changes nothing.
        assertSame(r, info.tiering().tierUp(md));
        assertNull(info.tiering().recordCall(md));
    }
}
