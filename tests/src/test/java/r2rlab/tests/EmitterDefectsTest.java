package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.r2r.ResumptionStubEntryPointSignature;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/** Each defect switch changes exactly what it names (runtime-async.md section B). */
class EmitterDefectsTest {
    private static List<Disassembler.Insn> code(Disassembler d, R2RImage img, int rf) {
        RuntimeFunction f = img.runtimeFunctions().get(rf);
        return d.disassemble(Emitted.code(img, f), img.pe().imageBase() + f.beginRva());
    }

    private static List<String> shape(List<Disassembler.Insn> insns) {
        // Mnemonics only: addresses and displacements move when an earlier body changes size.
        return insns.stream().map(Disassembler.Insn::mnemonic).collect(Collectors.toList());
    }

    private static List<ReadyToRunMethod> byVariant(R2RImage img, CodeBodyKind v) {
        return img.methods().stream().filter(m -> m.kind() == v && m.source() != ReadyToRunMethod.Source.TIER1_CODE_VERSIONS)
                .collect(Collectors.toList());
    }

    @Test
    void b1_stubCallsItsVariantThroughACell_onlyTheStubsChange() {
        Scenario s = Emitted.scenario("async-nested.yaml");
        for (Architecture a : Architecture.values()) {
            R2RImage fixed = Emitted.read(Emitted.emit(s, a));
            R2RImage buggy = Emitted.read(Emitted.emit(s, a, Defect.B1_STUB_CALLS_THROUGH_CELL));
            // A, B and C each await: three stubs, and one stub changed per async variant.
            assertEquals(3, byVariant(fixed, CodeBodyKind.RESUMPTION_STUB).size());
            try (Disassembler d = new Disassembler(a == Architecture.ARM64)) {
                for (ReadyToRunMethod stub : byVariant(fixed, CodeBodyKind.RESUMPTION_STUB)) {
                    ResumptionStub st = fixed.resumptionStubs().stream().filter(x -> x.runtimeFunction() == stub.entryRuntimeFunction())
                            .findFirst().orElseThrow();
                    long variant = fixed.pe().imageBase() + st.owner().entryRva();
                    List<Disassembler.Insn> fixedCode = code(d, fixed, stub.entryRuntimeFunction());
                    String direct = a == Architecture.X64 ? "call" : "bl";
                    List<Disassembler.Insn> calls = fixedCode.stream().filter(i -> i.mnemonic().equals(direct)).collect(Collectors.toList());
                    assertEquals(1, calls.size(), stub.name());
                    assertEquals(variant, Long.decode(calls.get(0).operands().replace("#", "")), "direct call to the R2R body");
                    List<Disassembler.Insn> buggyCode = code(d, buggy, stub.entryRuntimeFunction());
                    assertTrue(buggyCode.stream().noneMatch(i -> i.mnemonic().equals(direct) && !i.operands().startsWith("qword")),
                            "no direct call with B1");
                }
                // Bodies other than stubs keep their instruction sequence.
                for (ReadyToRunMethod m : byVariant(fixed, CodeBodyKind.ASYNC_VARIANT)) {
                    assertEquals(shape(code(d, fixed, m.entryRuntimeFunction())), shape(code(d, buggy, m.entryRuntimeFunction())), m.name());
                }
            }
            // The buggy stubs call through MethodEntry cells of the async variants (MethodEntry with the AsyncVariant
            // flag). Each Task-returning method already calls its variant through such a cell (B's "await cell C"
            // shares C's), so the stubs reuse those three cells: none is added.
            long variantCells = buggy.importSections().get(4).cells().stream()
                    .filter(c -> c.signature().kind() == ReadyToRunFixupKind.MethodEntry && c.method().isAsyncVariant())
                    .count();
            long fixedVariantCells = fixed.importSections().get(4).cells().stream()
                    .filter(c -> c.signature().kind() == ReadyToRunFixupKind.MethodEntry && c.method().isAsyncVariant())
                    .count();
            assertEquals(3, fixedVariantCells);
            assertEquals(3, variantCells);
            // Section 4 also holds the eight cells of CoreLib methods: Task.FromResult<long> and
            // FinalizeTaskReturningThunk<long> (the Task-returning methods'), CaptureContexts, RestoreContexts,
            // CaptureExecutionContext, RestoreContextsOnSuspension and RestoreExecutionContext (the variants'), and Yield.
            assertEquals(11, fixed.importSections().get(4).cells().size());
            assertEquals(11, buggy.importSections().get(4).cells().size());
            assertEquals(3, buggy.resumptionStubs().size());
        }
    }

    /** Blocks "adrp R, cell; ... blr/br x16" ending in x16: whether x11 was written in the four instructions before. */
    private static List<Boolean> x16CallsSetX11(List<Disassembler.Insn> insns, String branch) {
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            if (insns.get(i).mnemonic().equals(branch) && insns.get(i).operands().equals("x16")) {
                boolean x11 = false;
                for (int k = Math.max(0, i - 3); k < i; k++) {
                    if (insns.get(k).operands().startsWith("x11,")) {
                        x11 = true;
                    }
                }
                out.add(x11);
            }
        }
        return out;
    }

    @Test
    void b2_helperCallsWithoutX11_onlyTheContextHelperCalls() {
        Scenario s = Emitted.scenario("async-basic.yaml");
        R2RImage fixed = Emitted.read(Emitted.emit(s, Architecture.ARM64));
        R2RImage buggy = Emitted.read(Emitted.emit(s, Architecture.ARM64, Defect.B2_HELPER_CALL_WITHOUT_X11));
        assertEquals(2, byVariant(fixed, CodeBodyKind.ASYNC_VARIANT).size(), "Main and Compute");
        try (Disassembler d = new Disassembler(true)) {
            for (ReadyToRunMethod m : byVariant(fixed, CodeBodyKind.ASYNC_VARIANT)) {
                List<Boolean> f = x16CallsSetX11(code(d, fixed, m.entryRuntimeFunction()), "blr");
                List<Boolean> b = x16CallsSetX11(code(d, buggy, m.entryRuntimeFunction()), "blr");
                assertTrue(f.stream().allMatch(x -> x), "fixed: every call through a cell sets x11");
                assertEquals(f.size(), b.size());
                long stale = b.stream().filter(x -> !x).count();
                // CaptureContexts on entry, RestoreContexts on the return path, CaptureExecutionContext and
                // RestoreContextsOnSuspension on the suspension path, RestoreExecutionContext on the resume path.
                assertEquals(5, stale, m.name() + ": helper calls that leave x11 stale");
                assertTrue(b.stream().anyMatch(x -> x), "ordinary cell calls still set x11");
            }
        }
        // x64 has no x11 protocol: the defect changes nothing there.
        assertArrayEquals(Emitted.emit(s, Architecture.X64), Emitted.emit(s, Architecture.X64, Defect.B2_HELPER_CALL_WITHOUT_X11));
    }

    @Test
    void b2_jmpEpilogUsesX16ForCellAndTarget() {
        Scenario s = Emitted.scenario("calls.yaml");
        R2RImage fixed = Emitted.read(Emitted.emit(s, Architecture.ARM64));
        R2RImage buggy = Emitted.read(Emitted.emit(s, Architecture.ARM64, Defect.B2_JMP_EPILOG_X16));
        int tailJumps = 0;
        try (Disassembler d = new Disassembler(true)) {
            for (RuntimeFunction rf : fixed.runtimeFunctions()) {
                List<Boolean> f = x16CallsSetX11(code(d, fixed, rf.index()), "br");
                List<Boolean> b = x16CallsSetX11(code(d, buggy, rf.index()), "br");
                assertEquals(f.size(), b.size());
                tailJumps += f.size();
                assertTrue(f.stream().allMatch(x -> x));
                assertTrue(b.stream().noneMatch(x -> x), "the buggy epilog never writes x11");
                assertEquals(x16CallsSetX11(code(d, fixed, rf.index()), "blr"), x16CallsSetX11(code(d, buggy, rf.index()), "blr"),
                        "ordinary calls are unchanged");
            }
        }
        assertEquals(1, tailJumps, "calls.yaml has one tail jump through a cell, in Chain");
    }

    @Test
    void b3_rejectPageAddends_failsOnArm64Only() {
        // Three awaits: the second and third ResumeInfo records are reached with addends 16 and 32.
        Scenario s = EmittedCodeShapeTest.manyAwaits(2);
        EmitException e = assertThrows(EmitException.class,
                () -> Emitted.emit(s, Architecture.ARM64, Defect.B3_REJECT_PAGE_ADDENDS));
        assertTrue(e.getMessage().contains("ARM64_PAGE"), e.getMessage());
        assertTrue(e.getMessage().contains("non-zero addend"), e.getMessage());
        assertArrayEquals(Emitted.emit(s, Architecture.X64), Emitted.emit(s, Architecture.X64, Defect.B3_REJECT_PAGE_ADDENDS));
    }

    @Test
    void b3_dropPageAddends_missesRecordsAcrossA4KiBPage() {
        Scenario s = EmittedCodeShapeTest.manyAwaits(120);
        R2RImage fixed = Emitted.read(Emitted.emit(s, Architecture.ARM64));
        R2RImage buggy = Emitted.read(Emitted.emit(s, Architecture.ARM64, Defect.B3_DROP_PAGE_ADDENDS));
        assertTrue(EmittedCodeShapeTest.checkResumeInfoPairs(fixed) > 0);
        int differing = 0;
        try (Disassembler d = new Disassembler(true)) {
            for (RuntimeFunction rf : fixed.runtimeFunctions()) {
                List<Disassembler.Insn> f = code(d, fixed, rf.index());
                List<Disassembler.Insn> b = code(d, buggy, rf.index());
                assertEquals(f.size(), b.size());
                for (int i = 0; i < f.size(); i++) {
                    if (!f.get(i).operands().equals(b.get(i).operands())) {
                        // Only ADRP pages differ, by exactly one page: page(S) instead of page(S + A).
                        assertEquals("adrp", f.get(i).mnemonic());
                        long fp = Long.decode(f.get(i).operands().substring(f.get(i).operands().indexOf('#') + 1));
                        long bp = Long.decode(b.get(i).operands().substring(b.get(i).operands().indexOf('#') + 1));
                        assertEquals(0x1000, fp - bp);
                        differing++;
                    }
                }
            }
        }
        assertTrue(differing > 0, "some ResumeInfo record lies one page past its table's start");
    }

    @Test
    void b4_hotColdSplit_addsColdRuntimeFunctionsAndTheMap() {
        Scenario s = Emitted.scenario("async-basic.yaml");
        for (Architecture a : Architecture.values()) {
            R2RImage fixed = Emitted.read(Emitted.emit(s, a));
            R2RImage buggy = Emitted.read(Emitted.emit(s, a, Defect.B4_HOT_COLD_SPLIT));
            assertNull(fixed.header().section(120));
            assertNotNull(buggy.header().section(120));
            // Main and Compute both await: two async variants split, one cold runtime function each.
            assertEquals(2, buggy.coldToHot().size());
            assertEquals(6, fixed.runtimeFunctions().size());
            assertEquals(8, buggy.runtimeFunctions().size());
            for (var e : buggy.coldToHot().entrySet()) {
                ReadyToRunMethod hot = buggy.methods().stream().filter(m -> m.entryRuntimeFunction() == e.getValue()).findFirst().orElseThrow();
                assertEquals(CodeBodyKind.ASYNC_VARIANT, hot.kind());
                assertTrue(hot.runtimeFunctions().contains(e.getKey()), "the cold part belongs to its async variant");
                assertTrue(e.getKey() > buggy.methods().stream().mapToInt(ReadyToRunMethod::entryRuntimeFunction).max().orElseThrow(),
                        "cold parts follow every hot one");
            }
            assertEquals(fixed.methods().size(), buggy.methods().size());
        }
    }

    @Test
    void b5_relocsOnlyKindByte_sameDependenciesSameImage() {
        ResumptionStubEntryPointSignature fixed = new ResumptionStubEntryPointSignature("stub", false);
        ResumptionStubEntryPointSignature buggy = new ResumptionStubEntryPointSignature("stub", true);
        assertEquals(fixed.dependencies(), buggy.dependencies());
        assertEquals(List.of("stub"), buggy.dependencies());
        // The relocs-only pass differs (the relocation moves from offset 1 to 0) but nothing uses those bytes...
        assertNotEquals(fixed.getData(true).relocations(), buggy.getData(true).relocations());
        // ...and the emission pass, which is what the image holds, is the same: [0x38, rva32].
        assertArrayEquals(fixed.getData(false).bytes(), buggy.getData(false).bytes());
        assertEquals(fixed.getData(false).relocations(), buggy.getData(false).relocations());
        assertEquals(0x38, fixed.getData(false).bytes()[0]);
        Scenario s = Emitted.scenario("async-nested.yaml");
        for (Architecture a : Architecture.values()) {
            assertArrayEquals(Emitted.emit(s, a), Emitted.emit(s, a, Defect.B5_RELOCS_ONLY_CONDITIONAL_KIND));
        }
    }

    @Test
    void b8_truncatedGcMap_changesNothingIn64BitContinuationLayouts() {
        // Continuation data areas are multiples of 8 bytes; the encoder itself is tested with odd sizes in format.
        Scenario s = Emitted.scenario("async-exception.yaml");
        for (Architecture a : Architecture.values()) {
            assertArrayEquals(Emitted.emit(s, a), Emitted.emit(s, a, Defect.B8_GC_MAP_TRUNCATED));
        }
    }

    @Test
    void b10_duplicateStubFixup_twoCellsForOneStub() {
        Scenario s = Emitted.scenario("async-basic.yaml");
        for (Architecture a : Architecture.values()) {
            R2RImage fixed = Emitted.read(Emitted.emit(s, a));
            R2RImage buggy = Emitted.read(Emitted.emit(s, a, Defect.B10_DUPLICATE_STUB_FIXUP));
            assertEquals(2, fixed.resumptionStubs().size());
            assertEquals(4, buggy.resumptionStubs().size());
            assertEquals(2, byVariant(buggy, CodeBodyKind.ASYNC_VARIANT).size());
            for (ReadyToRunMethod v : byVariant(buggy, CodeBodyKind.ASYNC_VARIANT)) {
                List<Long> stubRvas = new ArrayList<>();
                v.fixups().forEach(f -> {
                    ImportCell c = buggy.importSections().get(f.importSection()).cells().get(f.slot());
                    if (c.signature() instanceof FixupSignature.ResumptionStubEntryPoint stub) {
                        stubRvas.add(stub.stubRva());
                    }
                });
                assertEquals(2, stubRvas.size(), v.name());
                assertEquals(stubRvas.get(0), stubRvas.get(1), "both cells name the same stub");
            }
            // Still one stub method per stub: the second registration finds it registered.
            assertEquals(2, byVariant(fixed, CodeBodyKind.RESUMPTION_STUB).size());
            assertEquals(2, byVariant(buggy, CodeBodyKind.RESUMPTION_STUB).size());
        }
    }
}
