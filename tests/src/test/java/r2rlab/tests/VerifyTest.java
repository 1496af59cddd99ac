package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioBuilder;
import r2rlab.emu.verify.Finding;
import r2rlab.emu.verify.ImageVerifier;
import r2rlab.emu.verify.Rule;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ExceptionLookupEntry;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * {@code verify}: no finding on the real .NET 11 images nor on the emitted examples, and for each compile-side
 * defect switch and each departure from the real protocols the rule that names it, at the places an independent
 * reading of the image (Capstone, llvm-objdump, the fixup tables) points to.
 */
class VerifyTest {
    private static ImageVerifier.Verification verify(R2RImage img) {
        try (ImageVerifier v = new ImageVerifier()) {
            return v.verify(img);
        }
    }

    private static List<Finding> findings(R2RImage img) {
        return verify(img).findings();
    }

    @Test
    void realImages_noFinding() throws Exception {
        int[] checked = new int[Rule.values().length];
        try (ImageVerifier v = new ImageVerifier()) {
            for (Path p : Fixtures.net11()) {
                ImageVerifier.Verification r = v.verify(R2RImage.read(p));
                assertEquals(List.of(), r.findings(), p.getFileName().toString());
                for (Rule rule : Rule.values()) {
                    checked[rule.ordinal()] += r.checked(rule);
                }
                if (p.getFileName().toString().equals("System.IO.Compression.ZipFile.dll")) {
                    // 10 async variants and stubs; 25 suspension sites, two of them OpenAsync's (Flags 0x109 and 1)
                    assertEquals(10, r.checked(Rule.STUB_CELL));
                    assertEquals(10, r.checked(Rule.STUB_DIRECT_CALL));
                    assertEquals(25, r.checked(Rule.RESUME_INFO));
                    assertEquals(25, r.checked(Rule.CONTINUATION_FLAGS));
                }
            }
        }
        // 471 async variants, each with its stub; 945 suspension sites, each with its ResumeInfo store and its Flags store
        assertEquals(471, checked[Rule.STUB_CELL.ordinal()]);
        assertEquals(471, checked[Rule.STUB_DIRECT_CALL.ordinal()]);
        assertEquals(945, checked[Rule.RESUME_INFO.ordinal()]);
        assertEquals(945, checked[Rule.CONTINUATION_FLAGS.ordinal()]);
        // every suspension site stores at least its ExecutionContext through WriteBarrier into a marked cell
        assertTrue(checked[Rule.CONTINUATION_GC_MAP.ordinal()] >= 945, String.valueOf(checked[Rule.CONTINUATION_GC_MAP.ordinal()]));
        // every direct call or jump out of its runtime function is a stub's call of its variant
        assertEquals(471, checked[Rule.DIRECT_CALLS.ordinal()]);
        assertEquals(0, checked[Rule.X11_CELL.ordinal()], "x64 images");
        // every EH clause of the 24 images (ExceptionInfoTest counts them) has its handler in a funclet of its method
        assertEquals(5090, checked[Rule.EH_HANDLER.ordinal()]);
    }

    /**
     * Every rule holds on every example, for both architectures and both stub layouts, and the two rules the
     * examples broke before they took the real protocols checked what Capstone finds: each Flags store (and its
     * ResumeInfo store) of every suspension, and each direct call, which is a stub's call of its own variant.
     */
    @Test
    void emittedExamples_followEveryRule() {
        int flagsStores = 0;
        for (Path example : Emitted.examples()) {
            Scenario s = Emitted.scenario(example);
            for (Architecture a : Architecture.values()) {
                for (StubLayout layout : StubLayout.values()) {
                    String where = example.getFileName() + " " + a + " " + layout;
                    R2RImage img = Emitted.read(Emitter.emit(s, new EmitOptions(a, TargetOs.WINDOWS, Set.of(), layout)));
                    ImageVerifier.Verification r = verify(img);
                    assertEquals(List.of(), r.findings(), where);
                    int stores;
                    try (Disassembler d = new Disassembler(a == Architecture.ARM64)) {
                        stores = ContinuationStores.of(img, d, a == Architecture.ARM64).size();
                    }
                    assertEquals(stores, r.checked(Rule.CONTINUATION_FLAGS), where);
                    assertEquals(stores, r.checked(Rule.RESUME_INFO), where);
                    assertEquals(DirectCallsTest.directCalls(img, a == Architecture.ARM64).size(), r.checked(Rule.DIRECT_CALLS), where);
                    assertEquals(img.resumptionStubs().size(), r.checked(Rule.DIRECT_CALLS), where);
                    flagsStores += stores;
                }
            }
        }
        assertTrue(flagsStores > 0, "the examples suspend");
    }

    /**
     * eh-handler: the first clause of exceptions.yaml's first method (SameFrame's catch) patched to name the method's own
     * main body as its handler, as the clause would if the funclets were laid out apart from their method.
     */
    @Test
    void ehHandler_aClauseWhoseHandlerIsTheMainBody() {
        for (Architecture a : Architecture.values()) {
            byte[] bytes = Emitted.emit(Emitted.scenario("exceptions.yaml"), a);
            R2RImage img = Emitted.read(bytes);
            assertEquals(List.of(), findings(img), a.toString());
            var section = img.header().section(ReadyToRunSectionType.ExceptionInfo.id);
            long table = img.pe().rvaToOffset("ExceptionInfo", section.rva(), section.size());
            long methodStart = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt((int) table) & 0xFFFFFFFFL;
            long clauses = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt((int) table + ExceptionLookupEntry.EXCEPTION_INFO_OFFSET);
            int handlerStart = (int) img.pe().rvaToOffset("clause", clauses, ExceptionClause.SIZE) + ExceptionClause.HANDLER_START_OFFSET;
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(handlerStart, 4); // 4 bytes into the main body
            List<Finding> f = findings(Emitted.read(bytes));
            assertEquals(1, f.size(), f.toString());
            assertEquals(Rule.EH_HANDLER, f.get(0).rule());
            assertEquals("Demo.Sync.SameFrame", f.get(0).method());
            assertEquals(methodStart + 4, f.get(0).rva());
            assertTrue(f.get(0).detail().endsWith("inside the method's main body"), f.get(0).detail());
        }
    }

    private static List<Finding> findings(Scenario s, Architecture a, Defect d) {
        return findings(Emitted.read(Emitted.emit(s, a, d)));
    }

    @Test
    void b1_stubViaCell_stubDirectCall() {
        for (Architecture a : Architecture.values()) {
            List<Finding> f = findings(Emitted.scenario("async-nested.yaml"), a, Defect.B1_STUB_CALLS_THROUGH_CELL);
            assertEquals(List.of("[RESUME] Demo.Nested.A$ResumptionStub", "[RESUME] Demo.Nested.B$ResumptionStub",
                            "[RESUME] Demo.Nested.C$ResumptionStub"),
                    f.stream().map(Finding::method).collect(Collectors.toList()), a.toString());
            assertTrue(f.stream().allMatch(x -> x.rule() == Rule.STUB_DIRECT_CALL), f.toString());
        }
    }

    /** Addresses of the ARM64 {@code blr}/{@code br x16} whose three instructions before do not write x11 (read with Capstone). */
    private static Set<Long> x16WithoutX11(R2RImage img, String branch) {
        Set<Long> out = new TreeSet<>();
        try (Disassembler d = new Disassembler(true)) {
            for (RuntimeFunction rf : img.runtimeFunctions()) {
                List<Disassembler.Insn> insns = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva());
                for (int i = 0; i < insns.size(); i++) {
                    if (insns.get(i).mnemonic().equals(branch) && insns.get(i).operands().equals("x16")) {
                        boolean x11 = false;
                        for (int k = Math.max(0, i - 3); k < i; k++) {
                            x11 |= insns.get(k).operands().startsWith("x11,");
                        }
                        if (!x11) {
                            out.add(insns.get(i).address() - img.pe().imageBase());
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void b2_bothHalves_x11Cell() {
        R2RImage helper = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.ARM64, Defect.B2_HELPER_CALL_WITHOUT_X11));
        List<Finding> f = findings(helper);
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.X11_CELL), f.toString());
        Set<Long> stale = x16WithoutX11(helper, "blr");
        // the five context-method calls in each of Main and Compute: CaptureContexts on entry, RestoreContexts on
        // return, CaptureExecutionContext and RestoreContextsOnSuspension at the suspension, RestoreExecutionContext
        // on resumption (llvm-objdump-14 finds the same ten blr x16 with no write of x11 before them)
        assertEquals(10, stale.size());
        for (String variant : List.of("Demo.Program.Main", "Demo.Program.Compute")) {
            ReadyToRunMethod m = helper.methods().stream().filter(x -> x.kind() == CodeBodyKind.ASYNC_VARIANT && x.name().equals(variant))
                    .findFirst().orElseThrow();
            assertEquals(5, stale.stream().filter(rva -> m.runtimeFunctions().contains(helper.runtimeFunctionContaining(rva))).count(), variant);
        }
        assertEquals(stale, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)));

        R2RImage epilog = Emitted.read(Emitted.emit(Emitted.scenario("calls.yaml"), Architecture.ARM64, Defect.B2_JMP_EPILOG_X16));
        List<Finding> g = findings(epilog);
        assertEquals(1, g.size(), g.toString());
        assertEquals(Rule.X11_CELL, g.get(0).rule());
        assertEquals("Demo.Calls.Chain", g.get(0).method());
        assertEquals(x16WithoutX11(epilog, "br"), Set.of(g.get(0).rva()));
    }

    /**
     * B3 drop-page-addends: each ADRP it moves is reported by page-pair, whether its pair lands on no record (80
     * methods) or on another variant's record at the page offset of the variant's own (120 methods).
     */
    @Test
    void b3_dropPageAddends_pagePair() {
        // With 80 methods one pair (M35's) lands on the page below its record, on no record; with 96 the pairs of M94's
        // second and third records (0x22008, 0x22018) land on the page below, where M9's records lie at the same page
        // offsets: the pairs are at fault, not the records
        assertDropPageAddends(80, Set.of(0xF12CL), "stored as a ResumeInfo record but holding none");
        assertDropPageAddends(96, Set.of(0x206E4L, 0x207ACL), "stored as a ResumeInfo record but holding another variant's");
    }

    private static void assertDropPageAddends(int methods, Set<Long> expected, String why) {
        Scenario s = EmittedCodeShapeTest.manyAwaits(methods);
        R2RImage fixed = Emitted.read(Emitted.emit(s, Architecture.ARM64));
        R2RImage buggy = Emitted.read(Emitted.emit(s, Architecture.ARM64, Defect.B3_DROP_PAGE_ADDENDS));
        // the ADRPs of the async variants whose page differs between the fixed and the buggy image, by Capstone (the
        // Task-returning methods' catch funclets load their resume address with a pair too, which B3 moves as well, but
        // into their own method's code: page-pair does not check code addresses)
        Set<Long> moved = new TreeSet<>();
        try (Disassembler d = new Disassembler(true)) {
            for (ReadyToRunMethod m : fixed.methods()) {
                if (m.kind() != CodeBodyKind.ASYNC_VARIANT) {
                    continue;
                }
                RuntimeFunction rf = fixed.runtimeFunctions().get(m.entryRuntimeFunction());
                List<Disassembler.Insn> a = d.disassemble(Emitted.code(fixed, rf), fixed.pe().imageBase() + rf.beginRva());
                List<Disassembler.Insn> b = d.disassemble(Emitted.code(buggy, rf), buggy.pe().imageBase() + rf.beginRva());
                for (int i = 0; i < a.size(); i++) {
                    if (!a.get(i).operands().equals(b.get(i).operands())) {
                        moved.add(a.get(i).address() - fixed.pe().imageBase());
                    }
                }
            }
        }
        assertEquals(expected, moved, methods + " methods");
        List<Finding> f = findings(buggy);
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.PAGE_PAIR && x.detail().contains(why)), f.toString());
        assertEquals(moved, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(List.of(), findings(fixed));
    }

    @Test
    void b4_hotColdSplit_coldAsync() {
        for (Architecture a : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), a, Defect.B4_HOT_COLD_SPLIT));
            List<Finding> f = findings(img);
            Set<Long> coldStarts = img.coldToHot().keySet().stream().map(rf -> img.runtimeFunctions().get(rf).beginRva())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(2, coldStarts.size());
            assertTrue(f.stream().allMatch(x -> x.rule() == Rule.COLD_ASYNC), f.toString());
            assertEquals(coldStarts, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)), a.toString());
        }
    }

    @Test
    void b10_duplicateStubFixup_stubCell() {
        for (Architecture a : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), a, Defect.B10_DUPLICATE_STUB_FIXUP));
            List<Finding> f = findings(img);
            assertEquals(List.of("[ASYNC] Demo.Program.Main", "[ASYNC] Demo.Program.Compute"), f.stream().map(Finding::method).collect(Collectors.toList()));
            assertTrue(f.stream().allMatch(x -> x.rule() == Rule.STUB_CELL && x.detail().startsWith("2 ResumptionStubEntryPoint cells")), f.toString());
        }
    }

    /**
     * B8 does not change 64-bit images (continuation layouts are multiples of 8 bytes), so the image is made
     * to show it: a layout's size raised from 64 to 72 bytes (one compressed byte either way) makes its
     * GC map two bytes long while one was written, the short map B8 writes.
     */
    @Test
    void b8_shortGcMap_gcMapLength() {
        byte[] bytes = Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64);
        R2RImage img = Emitted.read(bytes);
        ImportCell main = img.importSections().get(5).cells().get(0);
        // Main's data area: the Exception and ExecutionContext references, then a and b, the locals live across its await
        assertEquals("ContinuationLayout System.Runtime.CompilerServices.Continuation flags 0xE size 32 gcmap 03", main.signatureText());
        int off = (int) img.pe().rvaToOffset("sig", main.signatureRva(), 8);
        // 37 | 3F 02 12 19 (the manifest's Continuation, TypeRef 6) | 0E | 20 | 03
        assertEquals(0x20, bytes[off + 6]);
        assertEquals(0x03, bytes[off + 7]);
        bytes[off + 6] = 0x48;
        List<Finding> f = findings(Emitted.read(bytes));
        assertEquals(1, f.size(), f.toString());
        assertEquals(Rule.GC_MAP_LENGTH, f.get(0).rule());
        assertEquals(main.rva(), f.get(0).rva());
        assertEquals("[ASYNC] Demo.Program.Main", f.get(0).method());
    }

    /**
     * continuation-gc-map on examples/gc-refs.yaml: Swap saves p, tag (an integer) and first (map 0x17: Exception,
     * ExecutionContext, p, first); marking tag's cell (0x1F) makes each of its two plain stores a finding; Main saves
     * a, b and p (map 0x3F); clearing a's cell (0x37) makes each of its two stores through WriteBarrier one.
     */
    @Test
    void continuationGcMap_marksExactlyTheSavedReferences() {
        for (Architecture a : Architecture.values()) {
            byte[] clean = Emitted.emit(Emitted.scenario("gc-refs.yaml"), a);
            R2RImage img = Emitted.read(clean);
            assertEquals(List.of(), findings(img), a.toString());
            assertTrue(verify(img).checked(Rule.CONTINUATION_GC_MAP) > 0);
            assertGcMapFinding(clean, "size 40 gcmap 17", (byte) 0x1F, "[ASYNC] Demo.Refs.Swap",
                    "stores a register plainly (an integer) into data cell 3 (+0x38)");
            assertGcMapFinding(clean, "size 48 gcmap 3f", (byte) 0x37, "[ASYNC] Demo.Refs.Main",
                    "stores a reference through a write barrier into data cell 3 (+0x38)");
        }
    }

    private static void assertGcMapFinding(byte[] clean, String layout, byte map, String method, String detail) {
        byte[] bytes = clean.clone();
        R2RImage img = Emitted.read(bytes);
        ImportCell cell = img.importSections().stream().flatMap(x -> x.cells().stream())
                .filter(c -> c.signatureText().endsWith(layout)).findFirst().orElseThrow();
        int off = (int) img.pe().rvaToOffset("sig", cell.signatureRva(), 8);
        // 37 | 3F 02 12 19 (the manifest's Continuation) | 0E | size | map
        assertEquals(0x0E, bytes[off + 5]);
        bytes[off + 7] = map;
        List<Finding> f = findings(Emitted.read(bytes));
        assertEquals(2, f.size(), f.toString());
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.CONTINUATION_GC_MAP && x.method().equals(method) && x.detail().startsWith(detail)),
                f.toString());
    }

    /** direct-calls: each call and await the switch makes direct is reported by its rule, where Capstone finds it. */
    @Test
    void directCallsSwitch_directCalls() {
        for (Architecture a : Architecture.values()) {
            List<String> callers = new ArrayList<>();
            for (String example : List.of("calls.yaml", "async-nested.yaml")) {
                R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario(example), a, Defect.DIRECT_CALLS));
                Set<Long> direct = DirectCallsTest.directCallSites(img, a == Architecture.ARM64).stream().filter(c -> !c.what().equals("stub"))
                        .map(DirectCallsTest.DirectCall::rva).collect(Collectors.toCollection(TreeSet::new));
                List<Finding> f = findings(img);
                assertTrue(f.stream().allMatch(x -> x.rule() == Rule.DIRECT_CALLS), f.toString());
                assertEquals(direct, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)), example + " " + a);
                f.forEach(x -> callers.add(x.method()));
            }
            // calls.yaml: Main's `call` of Square, Check and Chain; async-nested.yaml: A's `await` of B
            assertEquals(List.of("Demo.Calls.Main", "Demo.Calls.Main", "Demo.Calls.Main", "[ASYNC] Demo.Nested.A"), callers, a.toString());
        }
    }

    /**
     * A variant that suspends three times: its second and third Flags are stored with a non-zero State beside
     * them (x64 {@code movabs rcx, 0x100000109}; ARM64 {@code movz x9, #0x109} then {@code movk x9, #0x1, lsl #32}).
     */
    static Scenario awaitsAfterYield() {
        return ScenarioBuilder.create("awaits-after-yield.yaml").module("AwaitsAfterYield").type("Demo.S")
                .staticMethod("Twice").async().returnsInt().params("x")
                .body("await yield\nvar a = await Demo.S.Next(x)\nvar b = await Demo.S.Next(a)\nreturn a + b")
                .staticMethod("Next").async().returnsInt().params("x").body("await yield\nreturn x + 1")
                .build();
    }

    /**
     * flags-split-corelib-main: the Flags stores that the R2R 18.5 split reads outside the variant's data area are
     * reported by continuation-flags, at the stores Capstone finds, whatever the State stored beside them.
     */
    @Test
    void flagsSplitCoreLibMain_continuationFlags() {
        for (Architecture a : Architecture.values()) {
            boolean arm = a == Architecture.ARM64;
            R2RImage fixed = Emitted.read(Emitted.emit(awaitsAfterYield(), a));
            R2RImage buggy = Emitted.read(Emitted.emit(awaitsAfterYield(), a, Defect.FLAGS_SPLIT_CORELIB_MAIN));
            try (Disassembler d = new Disassembler(arm)) {
                List<ContinuationStores.Store> stores = ContinuationStores.of(fixed, d, arm);
                assertEquals(List.of("Twice 0 0x9", "Twice 1 0x109", "Twice 2 0x109", "Next 0 0x9"), stores.stream()
                        .map(x -> String.format("%s %d 0x%X", x.method().name().substring(7), x.state(), x.flags())).toList(), a.toString());
                ImageVerifier.Verification r = verify(fixed);
                assertEquals(List.of(), r.findings(), a.toString());
                assertEquals(stores.size(), r.checked(Rule.CONTINUATION_FLAGS), a + ": every Flags store is read, the State beside it or not");

                // the awaits of a value store 0x881 (Result index 2 from bit 10), which the R2R 18.5 split reads as Result index 17
                Set<Long> misfits = new TreeSet<>();
                for (ContinuationStores.Store x : ContinuationStores.of(buggy, d, arm)) {
                    if (ContinuationFlagsTest.misfit(ContinuationFlags.R2R_18_5, x.flags(), ContinuationFlagsTest.layoutOf(buggy, x.method())) != null) {
                        assertEquals(0x881, x.flags());
                        misfits.add(x.address() - buggy.pe().imageBase());
                    }
                }
                assertEquals(2, misfits.size(), a.toString());
                List<Finding> f = verify(buggy).findings();
                assertTrue(f.stream().allMatch(x -> x.rule() == Rule.CONTINUATION_FLAGS && x.method().equals("[ASYNC] Demo.S.Twice")), f.toString());
                assertEquals(misfits, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)), a.toString());
            }
        }
    }

    /** A ResumeInfo record that resumes through another variant's stub (the two records' Resume pointers swapped). */
    @Test
    void swappedResumeInfo_resumeInfo() {
        byte[] bytes = Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64);
        R2RImage img = Emitted.read(bytes);
        List<Integer> at = new ArrayList<>();
        for (ReadyToRunMethod stub : img.methods()) {
            if (stub.kind() == CodeBodyKind.RESUMPTION_STUB) {
                byte[] pointer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(img.pe().imageBase() + stub.entryRva()).array();
                at.add(indexOf(bytes, pointer));
            }
        }
        assertEquals(2, at.size());
        byte[] first = Arrays.copyOfRange(bytes, at.get(0), at.get(0) + 8);
        System.arraycopy(bytes, at.get(1), bytes, at.get(0), 8);
        System.arraycopy(first, 0, bytes, at.get(1), 8);
        List<Finding> f = findings(Emitted.read(bytes));
        assertEquals(2, f.size(), f.toString());
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.RESUME_INFO && x.detail().contains("resumes through")), f.toString());
        assertTrue(f.get(0).detail().contains("resumes through [RESUME] Demo.Program.Compute$ResumptionStub, not [RESUME] Demo.Program.Main$ResumptionStub"),
                f.get(0).detail());
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        int found = -1;
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                assertEquals(-1, found, "the pointer occurs once");
                found = i;
            }
        }
        assertTrue(found >= 0);
        return found;
    }

    @Test
    void cli_statusAndJson(@TempDir Path dir) {
        String zip = Fixtures.net11("System.IO.Compression.ZipFile.dll").toString();
        String ping = Fixtures.net11("System.Net.Ping.dll").toString();
        CliDumpTest.Result clean = CliDumpTest.run("verify", zip, ping);
        assertEquals(0, clean.status(), clean.err());
        assertEquals("System.IO.Compression.ZipFile.dll: no findings\nSystem.Net.Ping.dll: no findings\n", clean.out());

        Path b10 = Emitted.write(dir, "b10.dll", Emitted.emit(Emitted.scenario("async-basic.yaml"), Architecture.X64, Defect.B10_DUPLICATE_STUB_FIXUP));
        CliDumpTest.Result failed = CliDumpTest.run("verify", b10.toString());
        assertEquals(1, failed.status());
        assertTrue(failed.out().contains("b10.dll: [ASYNC] Demo.Program.Main 0x00001110 stub-cell: 2 ResumptionStubEntryPoint cells in its fixup list:"),
                failed.out());

        CliDumpTest.Result json = CliDumpTest.run("verify", "--json", zip, b10.toString());
        assertEquals(1, json.status());
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        JsonObject first = o.getAsJsonArray("images").get(0).getAsJsonObject();
        assertEquals("System.IO.Compression.ZipFile.dll", first.get("file").getAsString());
        assertEquals(0, first.getAsJsonArray("findings").size());
        assertEquals(25, first.getAsJsonObject("checked").get("continuation-flags").getAsInt());
        JsonObject finding = o.getAsJsonArray("images").get(1).getAsJsonObject().getAsJsonArray("findings").get(0).getAsJsonObject();
        assertEquals("stub-cell", finding.get("rule").getAsString());
        assertEquals(Rule.STUB_CELL.defect, finding.get("defect").getAsString());
        assertEquals(0x1110, finding.get("rva").getAsLong());

        Path missing = dir.resolve("missing.dll");
        CliDumpTest.Result bad = CliDumpTest.run("verify", zip, missing.toString());
        assertEquals(2, bad.status());
        assertTrue(bad.err().endsWith(missing + ": no such file\n"), bad.err());
    }
}
