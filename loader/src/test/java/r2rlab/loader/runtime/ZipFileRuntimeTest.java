package r2rlab.loader.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.LoaderFixtures;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;

/** ReadyToRunInfo, the code manager and stub registration over the real System.IO.Compression.ZipFile.dll (.NET 11 preview 4). */
class ZipFileRuntimeTest {
    private static final int OPEN_ASYNC = 0x0600002B;
    private static final int DO_CREATE_FROM_DIRECTORY_ASYNC = 0x06000032;
    /** ZipFileExtensions.ExtractToFileAsync at 0x6CE0 (runtime functions 114-116), right before the block of stubs. */
    private static final int METHOD_BEFORE_STUBS = 0x0600005B;

    static Path zipFile() {
        return LoaderFixtures.net11("System.IO.Compression.ZipFile.dll");
    }

    static R2RImage image() throws Exception {
        return R2RImage.read(zipFile());
    }

    @Test
    void initialize_findsTheModuleCellInTheEagerSectionAndResolvesEveryEagerCell() throws Exception {
        ReadyToRunInfo info = new ReadyToRunInfo(image(), new SimpleRuntimeServices());
        assertTrue(info.initialize().isEmpty());
        ImportCell module = info.moduleCell();
        assertEquals(2, module.section());
        assertEquals(1, module.index());
        assertEquals(SimpleRuntimeServices.MODULE, info.cellValue(2, 1));
        // Cell 16 is the AllocContinuation helper (0x113).
        assertEquals(SimpleRuntimeServices.HELPER_BASE + 0x10L * 0x113, info.cellValue(2, 16));
        for (int i = 0; i < 17; i++) {
            assertTrue(info.isCellResolved(2, i), "eager cell " + i);
            assertEquals(1, info.resolveCount(2, i));
        }
        assertFalse(info.isCellResolved(5, 102));
        assertTrue(info.initialize().isEmpty());
        assertEquals(1, info.resolveCount(2, 1));
    }

    @Test
    void initialize_rejectsR2RCodeWithoutAModuleCell() throws Exception {
        byte[] bytes = Files.readAllBytes(zipFile());
        R2RImage original = R2RImage.read("zip", bytes);
        ImportCell module = original.importSections().get(2).cells().get(1);
        int off = (int) original.pe().rvaToOffset("Module cell signature", module.signatureRva(), 2);
        assertEquals(0x1A, bytes[off]);
        assertEquals(0x01, bytes[off + 1]);
        byte[] patched = bytes.clone();
        patched[off + 1] = 0x02; // Helper GSCookie instead of Helper Module
        ReadyToRunInfo info = new ReadyToRunInfo(R2RImage.read("zip-without-module-cell", patched), new SimpleRuntimeServices());
        String expected = "R2R code rejected: no Module cell (Helper fixup 1A 01) in an Eager import section";
        assertEquals(expected, info.initialize().orElseThrow().message());
        assertEquals(Rejection.Reason.NO_MODULE_CELL, info.initialize().orElseThrow().reason());
        assertEquals(expected, info.rejection().orElseThrow().message());
        EntryPoint ep = info.getAsyncVariantEntryPoint(OPEN_ASYNC);
        assertEquals(EntryPoint.Status.REJECTED, ep.status());
        assertEquals(expected, ep.rejection().message());
        assertEquals(Rejection.Reason.NO_MODULE_CELL, ep.rejection().reason());
        assertNull(ep.method());
        assertTrue(info.entryPointMap().isEmpty());
        assertFalse(info.isCellResolved(2, 0));
    }

    @Test
    void asyncVariantEntryPoint_runsItsFixupsOnceAndRegistersItsStub() throws Exception {
        SimpleRuntimeServices services = new SimpleRuntimeServices();
        ReadyToRunInfo info = new ReadyToRunInfo(image(), services);
        EntryPoint ep = info.getAsyncVariantEntryPoint(OPEN_ASYNC);
        assertEquals(EntryPoint.Status.OK, ep.status(), () -> ep.rejection().message());
        assertNull(ep.rejection());
        assertEquals(0x6F80, ep.rva());
        MethodDesc md = ep.method();
        assertEquals(MethodDesc.Kind.ASYNC_VARIANT, md.kind());
        assertEquals("System.IO.Compression.ZipFile.OpenAsync", md.name());
        assertEquals(OPEN_ASYNC, md.token());
        assertEquals(0, md.codeVersion());
        assertEquals(slots(10, 17, 27, 65, 66, 79, 102), ep.fixupsResolved());
        for (FixupCell f : ep.fixupsResolved()) {
            assertEquals(1, info.resolveCount(5, f.slot()));
        }
        assertEquals(0x6DA0, info.cellValue(5, 102));
        assertEquals(SimpleRuntimeServices.CONTINUATION_MT_BASE, info.cellValue(5, 79));

        MethodDesc stub = info.methodDescForEntryPoint(0x6DA0);
        assertNotNull(stub);
        assertEquals(MethodDesc.Kind.RESUMPTION_STUB, stub.kind());
        assertEquals("System.IO.Compression.ZipFile.OpenAsync$ResumptionStub", stub.name());
        assertEquals("object(object, ref byte)", stub.signatureText());
        assertEquals(0x6DA0, stub.entryRva());
        assertEquals(0, stub.token());
        assertSame(md, info.methodDescForEntryPoint(0x6F80));
        assertEquals(new AllocationStats(1, 0, 0, 1, 0), info.allocationStats());
        assertEquals(1, services.allocatedCallbacks());

        // Cached: the same answer and MethodDesc, nothing resolved again.
        assertSame(ep, info.getAsyncVariantEntryPoint(OPEN_ASYNC));
        // A second method whose list shares cells 10, 17, 27 and 65: only its own cells are resolved.
        EntryPoint other = info.getAsyncVariantEntryPoint(DO_CREATE_FROM_DIRECTORY_ASYNC);
        assertTrue(other.isOk(), () -> other.rejection().message());
        assertEquals(slots(41, 44, 71, 82, 87, 88, 103), other.fixupsResolved());
        assertEquals(1, info.resolveCount(5, 10));
        assertNotSame(md, other.method());
        // Not precompiled: a token with no entry.
        // Not precompiled: ExtractToFileInitialize (0x06000056) is no async method, so it has no async variant.
        EntryPoint none = info.getAsyncVariantEntryPoint(0x06000056);
        assertEquals(EntryPoint.Status.NOT_PRECOMPILED, none.status());
        assertEquals("no AsyncVariant InstanceMethodEntryPoints entry for token 0x06000056", none.rejection().message());
        assertEquals(Rejection.Reason.NOT_PRECOMPILED, none.rejection().reason());
        assertTrue(info.getEntryPoint(0x06000056).isOk());
    }

    @Test
    void failedFixup_rejectsTheR2RCodeAndStopsTheList() throws Exception {
        SimpleRuntimeServices noLayouts = new SimpleRuntimeServices() {
            @Override
            public long methodTableForContinuationLayout(long signatureRva, FixupSignature.Layout layout) {
                return 0;
            }
        };
        ReadyToRunInfo info = new ReadyToRunInfo(image(), noLayouts);
        EntryPoint ep = info.getAsyncVariantEntryPoint(OPEN_ASYNC);
        assertEquals(EntryPoint.Status.REJECTED, ep.status());
        assertEquals("R2R code of System.IO.Compression.ZipFile.OpenAsync rejected: fixup ImportSection[5] cell 79 "
                + "(ContinuationLayout) failed: no continuation type for ContinuationLayout System.Runtime.CompilerServices.Continuation"
                + " flags 0xE size 40 gcmap 1f",
                ep.rejection().message());
        assertEquals(Rejection.Reason.FIXUP_FAILED, ep.rejection().reason());
        assertEquals(slots(10, 17, 27, 65, 66), ep.fixupsResolved());
        assertFalse(info.isCellResolved(5, 79));
        assertFalse(info.isCellResolved(5, 102));
        assertNull(info.methodDescForEntryPoint(0x6F80));
        assertNull(info.methodDescForEntryPoint(0x6DA0));
        assertEquals(new AllocationStats(0, 0, 0, 0, 0), info.allocationStats());
    }

    @Test
    void codeManager_unregisteredStubsAreFuncletsOfThePrecedingMethod_registeredOnesAreStubs() throws Exception {
        R2RImage img = image();
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices());
        ReadyToRunJitManager jm = info.jitManager();
        EntryPoint before = info.getEntryPoint(METHOD_BEFORE_STUBS);
        assertTrue(before.isOk(), () -> before.rejection().message());
        assertEquals(0x6CE0, before.rva());
        List<ResumptionStub> stubs = img.resumptionStubs();
        assertEquals(10, stubs.size());
        for (ResumptionStub s : stubs) {
            CodeInfo c = jm.jitCodeToMethodInfo(s.rva() + 4);
            assertNotNull(c);
            assertSame(before.method(), c.method(), String.format("stub 0x%X", s.rva()));
            assertTrue(c.funclet());
            assertFalse(c.cold());
            assertEquals(114, c.methodStartRuntimeFunction());
            assertEquals(s.runtimeFunction(), c.runtimeFunction());
        }
        // Padding between runtime functions 116 (ends 0x6D91) and 117 (starts 0x6DA0) is no code.
        assertNull(jm.methodForCodeAddress(0x6D95));

        for (ReadyToRunMethod m : img.methods()) {
            if (m.kind() == CodeBodyKind.ASYNC_VARIANT) {
                assertTrue(info.getAsyncVariantEntryPoint(m.token()).isOk(), m.name());
            }
        }
        for (ResumptionStub s : stubs) {
            CodeInfo c = jm.jitCodeToMethodInfo(s.rva() + 4);
            assertEquals(MethodDesc.Kind.RESUMPTION_STUB, c.method().kind());
            assertEquals(s.rva(), c.method().entryRva());
            assertEquals(s.owner().name() + R2RImage.STUB_SUFFIX, c.method().name());
            assertFalse(c.funclet());
            assertEquals(s.runtimeFunction(), c.methodStartRuntimeFunction());
        }
        assertEquals(new AllocationStats(10, 0, 0, 10, 0), info.allocationStats());
        // The method before the block keeps its own funclets 115 and 116.
        CodeInfo f = jm.jitCodeToMethodInfo(0x6D7D);
        assertSame(before.method(), f.method());
        assertEquals(116, f.runtimeFunction());
        assertTrue(f.funclet());
        // OpenAsync's funclet 128 belongs to OpenAsync.
        CodeInfo oa = jm.jitCodeToMethodInfo(0x71D9);
        assertEquals("System.IO.Compression.ZipFile.OpenAsync", oa.method().name());
        assertEquals(127, oa.methodStartRuntimeFunction());
        assertTrue(oa.funclet());
    }

    @Test
    void stubRegistration_firstWriterWins_fixedOrderFreesTheLosersAllocation() throws Exception {
        SimpleRuntimeServices services = new SimpleRuntimeServices();
        ReadyToRunInfo info = new ReadyToRunInfo(image(), services);
        MethodDesc winner = race(info, RegistrationOrder.FIXED);
        assertEquals(new AllocationStats(2, 1, 0, 1, 0), info.allocationStats());
        assertEquals(2, services.allocatedCallbacks());
        assertEquals(1, services.freedCallbacks());
        // The fixup resolved afterwards finds the registered MethodDesc and allocates nothing.
        assertTrue(info.getAsyncVariantEntryPoint(OPEN_ASYNC).isOk());
        assertSame(winner, info.methodDescForEntryPoint(0x6DA0));
        assertEquals(new AllocationStats(2, 1, 0, 1, 0), info.allocationStats());
    }

    @Test
    void stubRegistration_B6_suppressReleaseBeforeInsertLeaksTheLosersAllocation() throws Exception {
        SimpleRuntimeServices services = new SimpleRuntimeServices();
        ReadyToRunInfo info = new ReadyToRunInfo(image(), services);
        race(info, RegistrationOrder.BUGGY_SUPPRESS_BEFORE_INSERT);
        assertEquals(new AllocationStats(2, 0, 0, 1, 1), info.allocationStats());
        assertEquals(0, services.freedCallbacks());
    }

    /** Both threads see the map empty, both allocate, T1 inserts, T2's insert does nothing. */
    private static MethodDesc race(ReadyToRunInfo info, RegistrationOrder order) {
        StubRegistration t1 = info.beginStubRegistration(0x6DA0);
        StubRegistration t2 = info.beginStubRegistration(0x6DA0);
        assertNull(t1.lookup());
        assertNull(t2.lookup());
        MethodDesc a1 = t1.allocate();
        MethodDesc a2 = t2.allocate();
        assertNotSame(a1, a2);
        assertEquals(new AllocationStats(2, 0, 2, 0, 0), info.allocationStats());
        assertSame(a1, t1.publish(order));
        assertSame(a1, t2.publish(order));
        assertTrue(t1.inserted());
        assertFalse(t2.inserted());
        assertSame(a1, info.methodDescForEntryPoint(0x6DA0));
        assertSame(a1, info.jitManager().methodForCodeAddress(0x6DA4));
        // A third registration finds T1's MethodDesc and allocates nothing.
        assertSame(a1, info.registerResumptionStub(0x6DA0, order));
        return a1;
    }

    private static List<FixupCell> slots(int... slots) {
        return Arrays.stream(slots).mapToObj(s -> new FixupCell(5, s)).collect(Collectors.toList());
    }
}
