package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.ContinuationObject;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;
import r2rlab.repro.Catalogue;
import r2rlab.repro.Observation;
import r2rlab.repro.Regression;
import r2rlab.repro.RegressionResult;
import r2rlab.repro.ReproEngine;
import r2rlab.repro.SymptomKind;
import r2rlab.repro.TargetResult;
import r2rlab.repro.Verdict;

/**
 * Every entry of the regression catalogue (regressions/*.yaml) reproduces exactly its symptom. Each
 * test runs one entry through the engine and checks what it observed against values found
 * independently in the image (cell RVAs and sections, code offsets decoded by Capstone, bytes of the
 * image file), by the independent Python reader, or worked out from the scenario.
 */
class ReproCatalogueTest {
    private static Catalogue catalogue;

    @BeforeAll
    static void load() throws Exception {
        catalogue = Catalogue.load(Fixtures.repositoryRoot().resolve("regressions"), Fixtures.root());
    }

    private static RegressionResult run(String name) {
        Regression r = catalogue.select(List.of(name)).get(0);
        assertEquals(name, r.name());
        return new ReproEngine().run(r, EnumSet.allOf(Architecture.class));
    }

    private static List<String> targets(RegressionResult r) {
        return r.targets().stream().map(t -> t.target().name()).toList();
    }

    private static TargetResult only(RegressionResult r, String target) {
        assertEquals(List.of(target), targets(r));
        return r.targets().get(0);
    }

    private static String fact(Observation o, SymptomKind k) {
        return o.fact(k);
    }

    private static ImportCell cell(R2RImage img, String section, String signatureText) {
        for (ImportSection s : img.importSections()) {
            for (ImportCell c : s.cells()) {
                if (c.signatureText().contains(signatureText) && sectionIndexNamed(img, section) == s.index()) {
                    return c;
                }
            }
        }
        throw new AssertionError("no cell " + section + " " + signatureText);
    }

    /** crossgen2's section order: 2 EagerImports, 4 MethodImports, 5 PrecodeImports. */
    private static int sectionIndexNamed(R2RImage img, String name) {
        return switch (name) {
            case "EagerImports" -> 2;
            case "MethodImports" -> 4;
            case "PrecodeImports" -> 5;
            default -> throw new AssertionError(name);
        };
    }

    /** The instruction of {@code method}'s code body of {@code kind} at {@code offset} from its start, by Capstone. */
    private static Disassembler.Insn insnAt(R2RImage img, String method, CodeBodyKind kind, long offset, boolean arm64) {
        ReadyToRunMethod m = img.methods().stream().filter(x -> x.name().equals(method) && x.kind() == kind).findFirst().orElseThrow();
        RuntimeFunction rf = img.runtimeFunctions().get(m.entryRuntimeFunction());
        long at = img.pe().imageBase() + rf.beginRva() + offset;
        try (Disassembler d = new Disassembler(arm64)) {
            return d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).stream().filter(i -> i.address() == at).findFirst()
                    .orElseThrow(() -> new AssertionError(String.format("no instruction at %s+0x%X", method, offset)));
        }
    }

    @Test
    void catalogue_hasAnEntryForEveryIdOfSectionB_andTheFidelitySwitches() {
        Set<String> ids = new TreeSet<>();
        catalogue.regressions().forEach(r -> ids.add(r.id()));
        assertEquals(new TreeSet<>(List.of("B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8", "B9", "B10", "F1", "F2", "F3", "G1", "G2")), ids);
        assertEquals(23, catalogue.regressions().size());
    }

    @Test
    void b1_theR2RContinuationResumedInTier1CodeGivesAWrongValue() {
        RegressionResult r = run("B1-tier-up-resume");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            assertEquals("returned", fact(t.buggy(), SymptomKind.OUTCOME));
            // Tier1 keeps the saved a and b in reverse order: it reads a = 110, b = 30
            assertEquals(String.valueOf((10 + 100) - 10 * 3), fact(t.buggy(), SymptomKind.RETURNS));
            assertEquals(String.valueOf(10 * 3 - (10 + 100)), fact(t.fixed(), SymptomKind.RETURNS));
            // Both runs tiered Hot up between its suspension and the resumption through its R2R stub.
            for (Observation o : List.of(t.buggy(), t.fixed())) {
                int tierUp = indexOfPrefix(o.notes(), "trace: tier-up: Demo.Tiering.Hot now runs Tier1 code");
                // the next resumption after the tier-up (the thunk's ExecutionAndSyncBlockStore.Pop may come between)
                String resume = o.notes().subList(tierUp + 1, o.notes().size()).stream().filter(n -> n.contains("through stub ")).findFirst().orElseThrow();
                assertTrue(resume.contains("(Demo.Tiering.Hot$ResumptionStub)"), resume);
            }
            // The one difference of the images: the stub's call of its variant became indirect.
            assertTrue(t.imageDiff().structural().stream().anyMatch(s -> s.method().equals("[RESUME] Demo.Tiering.Hot$ResumptionStub")
                    && s.what().startsWith("call to [ASYNC] Demo.Tiering.Hot became indirect (through MethodImports[")), t.imageDiff().structural().toString());
        }
    }

    @Test
    void b2_helperCall_theWorkerPatchesTheVariantsCellInsteadOfCaptureContexts() {
        TargetResult t = only(run("B2-helper-call"), "arm64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        R2RImage img = t.buggy().image();
        ImportCell compute = cell(img, "MethodImports", "MethodEntry [ASYNC] Demo.Program.Compute");
        ImportCell capture = cell(img, "MethodImports", "AsyncHelpers.CaptureContexts");
        String computeText = "MethodImports[" + compute.index() + "] MethodEntry [ASYNC] Demo.Program.Compute";
        String captureText = "MethodImports[" + capture.index() + "] MethodEntry_RefToken [module 2] System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts";
        assertEquals(computeText, fact(t.buggy(), SymptomKind.PATCHED_CELL));
        assertEquals(captureText, fact(t.buggy(), SymptomKind.INTENDED_CELL));
        // The emulated runtime stops the run at the call that went through CaptureContexts' cell with x11 naming Compute's.
        assertEquals(String.format("x11 is stale: DelayLoad_MethodCall resolved and patched ImportSection 4[%d] (RVA 0x%X, MethodEntry [ASYNC] "
                + "Demo.Program.Compute), the cell x11 names, but the call went through ImportSection 4[%d] (RVA 0x%X, MethodEntry_RefToken [module 2] "
                + "System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts)", compute.index(), compute.rva(), capture.index(), capture.rva()),
                fact(t.buggy(), SymptomKind.MESSAGE));
        assertEquals("RUNTIME_ERROR", fact(t.buggy(), SymptomKind.FAULT));
        assertEquals("[ASYNC] Demo.Program.Compute+0x2C", fact(t.buggy(), SymptomKind.AT));
        Disassembler.Insn call = insnAt(img, "Demo.Program.Compute", CodeBodyKind.ASYNC_VARIANT, 0x2C, true);
        assertEquals("blr", call.mnemonic(), "the call through CaptureContexts' cell");
        // In the fixed run that cell's resolution is followed by CaptureContexts itself.
        List<String> notes = t.fixed().notes();
        int at = indexOfPrefix(notes, String.format("trace: DelayLoad_MethodCall cell 0x%X (section 4)", capture.rva()));
        assertTrue(notes.get(at + 1).startsWith("trace: CaptureContexts "), notes.get(at + 1));
        assertEquals("47", fact(t.fixed(), SymptomKind.RETURNS));
    }

    /** The ResumptionStubEntryPoint cells of the fixup list of {@code method}'s async variant. */
    private static List<ImportCell> stubCells(R2RImage img, String method) {
        ReadyToRunMethod variant = img.methods().stream().filter(m -> m.name().equals(method) && m.kind() == CodeBodyKind.ASYNC_VARIANT)
                .findFirst().orElseThrow();
        List<ImportCell> out = new ArrayList<>();
        variant.fixups().forEach(f -> {
            ImportCell c = img.importSections().get(f.importSection()).cells().get(f.slot());
            if (c.signature() instanceof FixupSignature.ResumptionStubEntryPoint) {
                out.add(c);
            }
        });
        return out;
    }

    private static int indexOfPrefix(List<String> lines, String prefix) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(prefix)) {
                return i;
            }
        }
        throw new AssertionError("no line " + prefix + " in " + lines);
    }

    @Test
    void b2_jmpEpilog_theCheckedWorkersAssertionNamesTheGcPollCellAndBothSections() {
        TargetResult t = only(run("B2-jmp-epilog-assert"), "arm64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        R2RImage img = t.buggy().image();
        long base = img.pe().imageBase();
        ImportSection methodImports = img.importSections().get(4);
        ImportCell gcPoll = img.importSections().get(2).cells().stream()
                .filter(c -> FixupSignature.Helper.of(ReadyToRunHelper.GCPoll.id).equals(c.signature())).findFirst().orElseThrow();
        assertEquals(String.format("ASSERT FAILED: pImportSection == pModule->GetImportSectionForRVA(rva) in ExternalMethodFixupWorker: "
                + "import section 4 [0x%X, 0x%X) does not contain cell RVA 0x%X, which lies in import section 2", methodImports.rva(),
                methodImports.rva() + methodImports.size(), gcPoll.rva()), fact(t.buggy(), SymptomKind.ASSERTION));
        assertEquals("EagerImports[" + gcPoll.index() + "] Helper GCPoll", fact(t.buggy(), SymptomKind.CELL));
        assertEquals("4", fact(t.buggy(), SymptomKind.NAMED_SECTION));
        assertEquals("2", fact(t.buggy(), SymptomKind.ACTUAL_SECTION));
        FaultReport f = t.buggy().fault();
        assertEquals(FaultReport.Kind.RUNTIME_ASSERTION, f.kind());
        // Reported at the helper's caller: Main's call of Chain, whose frame Chain's epilog popped before its tail jump.
        assertEquals("Demo.Calls.Main+0x20", f.location());
        assertEquals("blr x16", insnAt(img, "Demo.Calls.Main", CodeBodyKind.METHOD, 0x20, true).mnemonic() + " "
                + insnAt(img, "Demo.Calls.Main", CodeBodyKind.METHOD, 0x20, true).operands());
        assertEquals(base + gcPoll.rva(), f.registers().get(11), "x11 still holds the GCPoll cell");
        assertEquals(4, f.registers().get(9), "x9: the thunk's section");
        assertEquals("Demo.Calls.Main", f.faultingMethod().name(), "Chain's epilog popped its frame: the helper returns into Main");
        assertEquals("171", fact(t.fixed(), SymptomKind.RETURNS));
    }

    @Test
    void b2_jmpEpilogRelease_patchesMathAddsCellInsteadOfClamps() {
        TargetResult t = only(run("B2-jmp-epilog-release"), "arm64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        R2RImage img = t.buggy().image();
        ImportCell add = cell(img, "MethodImports", "Demo.Calls+Math.Add");
        ImportCell clamp = cell(img, "MethodImports", "Demo.Calls.Clamp");
        assertEquals("MethodImports[" + add.index() + "] MethodEntry_DefToken Demo.Calls+Math.Add", fact(t.buggy(), SymptomKind.PATCHED_CELL));
        assertEquals("MethodImports[" + clamp.index() + "] MethodEntry_DefToken Demo.Calls.Clamp", fact(t.buggy(), SymptomKind.INTENDED_CELL));
        String clampResolved = String.format("trace: DelayLoad_MethodCall cell 0x%X ", clamp.rva());
        String addResolved = String.format("trace: DelayLoad_MethodCall cell 0x%X ", add.rva());
        assertEquals(1, t.fixed().notes().stream().filter(n -> n.startsWith(clampResolved)).count());
        assertEquals(0, t.buggy().notes().stream().filter(n -> n.startsWith(clampResolved)).count(), "Clamp's cell is never resolved");
        assertEquals(1, t.fixed().notes().stream().filter(n -> n.startsWith(addResolved)).count());
        assertEquals(2, t.buggy().notes().stream().filter(n -> n.startsWith(addResolved)).count(), "Math.Add's cell is resolved twice");
        assertEquals("171", fact(t.buggy(), SymptomKind.RETURNS));
        assertEquals("171", fact(t.fixed(), SymptomKind.RETURNS));
    }

    @Test
    void b2_jmpEpilogReleaseCrossSection_readsSignaturesFarPastTheImage() {
        TargetResult t = only(run("B2-jmp-epilog-release-cross-section"), "arm64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        R2RImage img = t.buggy().image();
        ImportSection methodImports = img.importSections().get(4);
        ImportCell gcPoll = cell(img, "EagerImports", "Helper GCPoll");
        long index = ((gcPoll.rva() - methodImports.rva()) & 0xFFFF_FFFFL) / 8;
        FaultReport f = t.buggy().fault();
        assertEquals(FaultReport.Kind.READ_UNMAPPED, f.kind());
        assertEquals(img.pe().imageBase() + methodImports.signaturesRva() + 4 * index, f.faultAddress());
        assertEquals(String.format("ExternalMethodFixupWorker (release build) read Signatures[0x%X] of import section 4 at RVA 0x%X: cell RVA 0x%X "
                + "lies in import section 2, past the %d cells of import section 4, outside the image", index,
                methodImports.signaturesRva() + 4 * index, gcPoll.rva(), methodImports.cells().size()), f.message());
    }

    @Test
    void b3_rejectingWriter_failsTheEmitAtTheSecondRecordsAdrp() {
        TargetResult t = only(run("B3-reject-addends"), "arm64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        assertEquals(null, t.buggy().image());
        R2RImage fixed = t.fixed().image();
        // The first page pair with an addend the writer meets: the Task-returning Twice's catch funclet addressing its
        // resume point at +104 of the method (r2rlab relocates that reference; the variant's second ResumeInfo record,
        // +16, comes later).
        assertEquals("relocation ARM64_PAGEBASE_REL21 to code$1 in code$1$funclet0 at +0x18: PEObjectWriter: "
                + "ARM64_PAGEBASE_REL21 with non-zero addend 104 to code$1 is not supported (defect B3)", fact(t.buggy(), SymptomKind.EMIT_ERROR));
        List<long[]> pairs = resumeInfoPairs(fixed, "Demo.B3.Twice");
        long first = pairs.stream().mapToLong(p -> p[1]).min().orElseThrow();
        assertTrue(pairs.stream().anyMatch(p -> p[1] == first + 16), "the variant addresses its second ResumeInfo record at +16");
        assertEquals("42", fact(t.fixed(), SymptomKind.RETURNS));
    }

    /** {offset in the body, address} of each adrp/add pair of the method's async variant that lands on one of its ResumeInfo records. */
    private static List<long[]> resumeInfoPairs(R2RImage img, String method) {
        ReadyToRunMethod m = img.methods().stream().filter(x -> x.name().equals(method) && x.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
        ResumptionStub stub = img.resumptionStubs().stream().filter(s -> s.owner() == m).findFirst().orElseThrow();
        RuntimeFunction rf = img.runtimeFunctions().get(m.entryRuntimeFunction());
        long base = img.pe().imageBase();
        List<long[]> out = new ArrayList<>();
        try (Disassembler d = new Disassembler(true)) {
            List<Disassembler.Insn> insns = d.disassemble(Emitted.code(img, rf), base + rf.beginRva());
            for (int i = 1; i < insns.size(); i++) {
                Disassembler.Insn adrp = insns.get(i - 1);
                Disassembler.Insn add = insns.get(i);
                if (!adrp.mnemonic().equals("adrp") || !add.mnemonic().equals("add")) {
                    continue;
                }
                String reg = adrp.operands().substring(0, adrp.operands().indexOf(','));
                if (!add.operands().startsWith(reg + ", " + reg + ", #")) {
                    continue;
                }
                long address = Long.decode(adrp.operands().substring(reg.length() + 3)) + Long.decode(add.operands().substring(2 * reg.length() + 5));
                long off = img.pe().rvaToOffset("ResumeInfo", address - base, 16);
                if (img.pe().file().u64("ResumeInfo", off) == base + stub.rva()) {
                    out.add(new long[] {adrp.address() - base - rf.beginRva(), address});
                }
            }
        }
        return out;
    }

    @Test
    void b3_droppingWriter_aContinuationCarriesAResumeInfo4096BytesLow() {
        TargetResult t = only(run("B3-drop-addends"), "arm64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        R2RImage img = t.buggy().image();
        long base = img.pe().imageBase();
        FaultReport f = t.buggy().fault();
        assertEquals(FaultReport.Kind.FETCH_UNMAPPED, f.kind());
        long wrong = t.buggy().faultingResumeInfo();
        assertTrue(t.buggy().faultingState() > 0);
        // The faulting PC is the "Resume" read from 4096 bytes below the record...
        assertEquals(img.pe().file().u64("buggy", img.pe().rvaToOffset("x", wrong - base, 8)), f.pc());
        // ...and the record itself, 4096 bytes up, is a ResumeInfo of Many: {its stub, a DiagnosticIP inside Many}.
        ReadyToRunMethod many = img.methods().stream().filter(m -> m.name().equals("Demo.B3.Many") && m.kind() == CodeBodyKind.ASYNC_VARIANT)
                .findFirst().orElseThrow();
        ResumptionStub stub = img.resumptionStubs().stream().filter(s -> s.owner() == many).findFirst().orElseThrow();
        long record = img.pe().rvaToOffset("record", wrong + 0x1000 - base, 16);
        assertEquals(base + stub.rva(), img.pe().file().u64("record", record));
        RuntimeFunction body = img.runtimeFunctions().get(many.entryRuntimeFunction());
        long diag = img.pe().file().u64("record", record + 8) - base;
        assertTrue(diag >= body.beginRva() && diag < body.endRva());
        assertEquals("-4096", fact(t.buggy(), SymptomKind.RESUME_INFO_OFF));
        assertEquals("6", fact(t.fixed(), SymptomKind.RETURNS));
    }

    @Test
    void b4_theColdPartOfMainsVariantIsAttributedToComputesStub() {
        RegressionResult r = run("B4-hot-cold-walk");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            R2RImage img = t.buggy().image();
            ReadyToRunMethod main = img.methods().stream().filter(m -> m.name().equals("Demo.Program.Main") && m.kind() == CodeBodyKind.ASYNC_VARIANT)
                    .findFirst().orElseThrow();
            int cold = img.coldToHot().entrySet().stream().filter(e -> e.getValue() == main.entryRuntimeFunction()).findFirst().orElseThrow().getKey();
            ResumptionStub computeStub = img.resumptionStubs().stream().filter(s -> s.owner().name().equals("Demo.Program.Compute")).findFirst()
                    .orElseThrow();
            assertEquals(computeStub.runtimeFunction(), cold - 1, "Main's cold part follows Compute's stub");
            assertEquals("[ASYNC] Demo.Program.Main [cold] -> Demo.Program.Compute$ResumptionStub", fact(t.buggy(), SymptomKind.MISATTRIBUTED));
            String frame = t.buggy().notes().stream().filter(n -> n.startsWith("walk: #0 ")).findFirst().orElseThrow();
            assertTrue(frame.contains("[ASYNC] Demo.Program.Main [cold]+0x"), frame);
            assertEquals("attributed", fact(t.fixed(), SymptomKind.WALKS));
            assertEquals(String.valueOf(5 + 40 + 2), fact(t.fixed(), SymptomKind.RETURNS));
        }
    }

    @Test
    void b4_theCatchFuncletOfTheSplitVariantIsSoughtPastItsHotPart() {
        RegressionResult r = run("B4-hot-cold-funclet");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            boolean arm64 = t.target().name().equals("arm64");
            R2RImage img = t.buggy().image();
            ReadyToRunMethod v = img.methods().stream().filter(m -> m.name().equals("Demo.Async.CatchAroundAwait")
                    && m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
            ExceptionClause c = img.exceptionClauses(v.entryRva()).get(0);
            // the throw (ThrowExact of the resumed variant) lies in the catch clause's try region
            int at = arm64 ? 0x84 : 0x74;
            assertEquals(String.format("[ASYNC] Demo.Async.CatchAroundAwait+0x%X", at), fact(t.buggy(), SymptomKind.AT));
            assertTrue(c.tryCovers(at - 1), c.toString());
            assertEquals("RUNTIME_ERROR", fact(t.buggy(), SymptomKind.FAULT));
            long landing = img.pe().imageBase() + v.entryRva() + c.handlerStartPc();
            assertEquals(String.format("exception 6: frame #0: the handler Demo.Async.CatchAroundAwait [catch] at offset 0x%X is at 0x%X"
                    + " ([ASYNC] Demo.Async.AwaitInFinally+0x%X), which the code manager attributes to Demo.Async.CatchAroundAwait$ResumptionStub"
                    + " as a funclet, not a funclet of Demo.Async.CatchAroundAwait: the handler cannot be called", c.handlerStartPc(), landing,
                    arm64 ? 0xEC : 0xAA), fact(t.buggy(), SymptomKind.MESSAGE));
            assertEquals(arm64 ? 0x22C : 0x1CA, c.handlerStartPc());
            assertEquals("106", fact(t.fixed(), SymptomKind.RETURNS));
        }
    }

    @Test
    void b5_bothVariantsGiveTheSameDependenciesBlobAndImage() throws Exception {
        RegressionResult r = run("B5-relocs-only-kind-byte");
        assertEquals(Verdict.NO_DEFECT, r.verdict());
        for (TargetResult t : r.targets()) {
            assertEquals(Verdict.NO_DEFECT, t.verdict());
            assertEquals("[stub]", fact(t.buggy(), SymptomKind.DEPENDENCIES));
            assertEquals("38 00 00 00 00, ADDR32NB to 'stub' at +1", fact(t.buggy(), SymptomKind.BLOB));
            assertEquals(fact(t.fixed(), SymptomKind.BLOB), fact(t.buggy(), SymptomKind.BLOB));
            // The relocs-only pass does differ: without the kind byte the relocation sits at +0.
            assertTrue(t.buggy().notes().contains("relocs-only pass: 00 00 00 00, ADDR32NB to 'stub' at +0 (only its relocation targets are used)"));
            assertTrue(t.fixed().notes().contains("relocs-only pass: 38 00 00 00 00, ADDR32NB to 'stub' at +1 (only its relocation targets are used)"));
            Architecture arch = Architecture.byName(t.target().name());
            byte[] fixed = Emitted.emit(Emitted.scenario("async-nested.yaml"), arch);
            byte[] buggy = Emitted.emit(Emitted.scenario("async-nested.yaml"), arch, Defect.B5_RELOCS_ONLY_CONDITIONAL_KIND);
            assertEquals(sha256(fixed), fact(t.fixed(), SymptomKind.IMAGE));
            assertEquals(sha256(buggy), fact(t.buggy(), SymptomKind.IMAGE));
            assertEquals(sha256(fixed), sha256(buggy));
            assertTrue(t.imageDiff().byteIdentical());
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void b6_fourThreads_theBuggyOrderLeaksThree_theFixedFreesThree() {
        RegressionResult r = run("B6-registration-race");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        for (TargetResult t : r.targets()) {
            assertEquals("4", fact(t.buggy(), SymptomKind.ALLOCATED));
            assertEquals("3", fact(t.buggy(), SymptomKind.LEAKED));
            assertEquals("0", fact(t.buggy(), SymptomKind.FREED));
            assertEquals("0", fact(t.fixed(), SymptomKind.LEAKED));
            assertEquals("3", fact(t.fixed(), SymptomKind.FREED));
            assertEquals("thread 1's MethodDesc", fact(t.buggy(), SymptomKind.MAP));
            assertEquals("thread 1's MethodDesc", fact(t.fixed(), SymptomKind.MAP));
            assertEquals("4 threads: 4 stub MethodDescs allocated, 0 freed, 3 leaked (one per lost race); the map holds thread 1's MethodDesc",
                    t.buggy().summary());
        }
    }

    @Test
    void b7_onTheRealZipFileImage_theCountsOfTheIndependentReader() {
        TargetResult t = only(run("B7-fixture"), "x64");
        assertEquals(Verdict.REPRODUCED, t.verdict());
        Path zip = Fixtures.net11("System.IO.Compression.ZipFile.dll");
        String[] oracle = Emitted.run(List.of("python3", Fixtures.repositoryRoot().resolve("tests/oracle/r2r_oracle.py").toString(), zip.toString()));
        assertEquals("0", oracle[0], oracle[2]);
        JsonObject figures = JsonParser.parseString(oracle[1]).getAsJsonObject();
        int entries = figures.get("instanceEntryPoints").getAsInt();
        int stubs = figures.getAsJsonArray("resumptionStubs").size();
        assertEquals(10, entries);
        assertEquals(10, stubs);
        assertEquals(String.valueOf(entries), fact(t.buggy(), SymptomKind.SECTION_ENTRIES));
        assertEquals(String.valueOf(entries + stubs), fact(t.buggy(), SymptomKind.LISTED));
        assertEquals(String.valueOf(stubs), fact(t.buggy(), SymptomKind.STUBS_LISTED));
        assertEquals(String.valueOf(entries), fact(t.fixed(), SymptomKind.LISTED));
        assertTrue(t.buggy().notes().contains("listed without an entry: [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub"));
    }

    @Test
    void b7_onAnEmittedImage_sixListedForThreeEntries() {
        RegressionResult r = run("B7-emitted");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        for (TargetResult t : r.targets()) {
            // async-nested: A, B and C await, each with one async variant and one stub.
            assertEquals("6", fact(t.buggy(), SymptomKind.LISTED));
            assertEquals("3", fact(t.buggy(), SymptomKind.SECTION_ENTRIES));
            assertEquals("3", fact(t.fixed(), SymptomKind.LISTED));
        }
    }

    @Test
    void b8_theShortMapMakesTheDecoderTakeTheNextSignaturesKindByte() {
        RegressionResult r = run("B8-gc-map");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("ptr4", "ptr8"), targets(r));
        TargetResult p4 = r.targets().get(0);
        TargetResult p8 = r.targets().get(1);
        // 65 bytes: ceil(65/4) = 17 cells -> 3 bytes (floor: 16 -> 2); ceil(65/8) = 9 cells -> 2 bytes (floor: 8 -> 1).
        assertEquals("2", fact(p4.buggy(), SymptomKind.MAP_BYTES));
        assertEquals("3", fact(p4.buggy(), SymptomKind.RUNTIME_READS));
        assertEquals("010038", fact(p4.buggy(), SymptomKind.DECODED_MAP));
        assertEquals("010000", fact(p4.fixed(), SymptomKind.DECODED_MAP));
        assertEquals("1", fact(p8.buggy(), SymptomKind.MAP_BYTES));
        assertEquals("0138", fact(p8.buggy(), SymptomKind.DECODED_MAP));
        assertEquals("0100", fact(p8.fixed(), SymptomKind.DECODED_MAP));
        for (TargetResult t : r.targets()) {
            assertEquals("38", fact(t.buggy(), SymptomKind.MISREAD));
            assertEquals("none", fact(t.fixed(), SymptomKind.MISREAD));
        }
    }

    /**
     * B8 on an emitted continuation: the buggy image's layout reads 03 38 (the next signature's kind byte), the fixed one
     * 03 01; the collector names the continuation cell the short map leaves clear, and Keep reads the stale address.
     */
    @Test
    void b8_staleReference_theCollectorNamesTheCellTheShortMapLeavesOut() {
        RegressionResult r = run("B8-stale-reference");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            assertEquals(List.of("size 72 gcmap 0338"), continuationLayouts(t.buggy().image()));
            assertEquals(List.of("size 72 gcmap 0301"), continuationLayouts(t.fixed().image()));
            assertEquals("Continuation_72 0x64000000 (resumed through [RESUME] Demo.B8.Keep$ResumptionStub) +0x60, cell 8 of its data, clear in"
                    + " its GC map, holds 0x6A000020, a Box in the semispace this collection left: a stale reference, neither traced nor updated",
                    fact(t.buggy(), SymptomKind.STALE_REFERENCE));
            assertEquals("1610613211", fact(t.buggy(), SymptomKind.RETURNS));
            assertEquals("743", fact(t.fixed(), SymptomKind.RETURNS));
            assertEquals("none", fact(t.fixed(), SymptomKind.STALE_REFERENCE));
            assertEquals("none", fact(t.fixed(), SymptomKind.GC_PROBLEM));
        }
    }

    private static List<String> continuationLayouts(R2RImage img) {
        return Emitted.continuationLayouts(img).stream().map(l -> "size " + l.layout().size() + " gcmap " + HexFormat.of().formatHex(l.layout().gcMap()))
                .collect(Collectors.toList());
    }

    @Test
    void b9_listedAsNotModelled() {
        RegressionResult r = run("B9-stray-printf");
        assertEquals(Verdict.NOT_MODELLED, r.verdict());
        assertTrue(r.targets().isEmpty());
        assertTrue(r.regression().reason().startsWith("r2rlab models the runtime's data structures and protocols"));
    }

    @Test
    void b10_unalignedStubRva_faultsAtComputesMisalignedBlob() {
        RegressionResult r = run("B10-unaligned-stub-rva");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        for (TargetResult t : r.targets()) {
            R2RImage img = t.buggy().image();
            // The ResumptionStubEntryPoint cell in the fixup list of Compute's async variant, the first variant prepared.
            List<ImportCell> stubCells = stubCells(img, "Demo.Program.Compute");
            assertEquals(1, stubCells.size());
            ImportCell c = stubCells.get(0);
            assertEquals(5, c.section());
            assertTrue((c.signatureRva() + 1) % 4 != 0, "its RVA field is off a 4-byte boundary");
            String stub = String.format("stub RVA 0x%X", ((FixupSignature.ResumptionStubEntryPoint) c.signature()).stubRva());
            assertEquals("PrecodeImports[" + c.index() + "] ResumptionStubEntryPoint " + stub, fact(t.buggy(), SymptomKind.CELL));
            assertEquals(String.format("misaligned DWORD load at 0x%X in LoadDynamicInfoEntry: the stub RVA of ImportSection[5] cell %d "
                    + "(ResumptionStubEntryPoint), signature RVA 0x%X + 1", img.pe().imageBase() + c.signatureRva() + 1, c.index(), c.signatureRva()),
                    fact(t.buggy(), SymptomKind.MESSAGE));
            assertEquals("UNALIGNED_ACCESS", fact(t.buggy(), SymptomKind.FAULT));
            // Lazy fixups: the variant's list runs when the Task-returning Compute first calls it through its cell.
            boolean arm64 = t.target().name().equals("arm64");
            long offset = arm64 ? 0x34 : 0x1C; // past ExecutionAndSyncBlockStore.Push's call
            assertEquals(String.format("Demo.Program.Compute+0x%X", offset), fact(t.buggy(), SymptomKind.AT));
            Disassembler.Insn call = insnAt(img, "Demo.Program.Compute", CodeBodyKind.TASK_RETURNING_THUNK, offset, arm64);
            assertEquals(arm64 ? "blr" : "call", call.mnemonic());
            ImportCell variant = cell(img, "MethodImports", "MethodEntry [ASYNC] Demo.Program.Compute");
            if (!arm64) {
                // call qword ptr [rip + disp]: the cell is disp past the next instruction.
                long disp = Long.decode(call.operands().replace("qword ptr [rip + ", "").replace("]", ""));
                assertEquals(img.pe().imageBase() + variant.rva(), call.address() + call.size() + disp);
            }
            assertEquals("47", fact(t.fixed(), SymptomKind.RETURNS));
        }
    }

    @Test
    void b10_duplicateStubFixup_twoCellsNameOneStub() {
        RegressionResult r = run("B10-duplicate-stub-fixup");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        for (TargetResult t : r.targets()) {
            R2RImage img = t.buggy().image();
            List<Long> stubRvas = stubCells(img, "Demo.Program.Compute").stream()
                    .map(c -> ((FixupSignature.ResumptionStubEntryPoint) c.signature()).stubRva()).toList();
            assertEquals(2, stubRvas.size());
            assertEquals(stubRvas.get(0), stubRvas.get(1));
            assertEquals("2", fact(t.buggy(), SymptomKind.STUB_FIXUPS));
            assertEquals("1", fact(t.fixed(), SymptomKind.STUB_FIXUPS));
            assertNotNull(t.imageDiff());
            assertEquals("47", fact(t.buggy(), SymptomKind.RETURNS));
        }
    }

    @Test
    void f3_unregisteredStubs_theExceptionDispatcherTakesTheStubForAFuncletAndMissesTheCatch() {
        RegressionResult r = run("F3-unregistered-stubs-eh");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            boolean arm64 = t.target().name().equals("arm64");
            R2RImage img = t.buggy().image();
            ResumptionStub stub = img.resumptionStubs().stream().filter(s -> s.owner().name().equals("Demo.Async.Fail")).findFirst().orElseThrow();
            // frame #1 is the stub's call of Fail's variant: the return address after it, inside the stub
            Matcher m = Pattern.compile("exception 6: frame #1 at 0x([0-9A-F]+) \\(\\[RESUME\\] Demo\\.Async\\.Fail\\$ResumptionStub\\+0x([0-9A-F]+)\\) "
                    + "is a funclet of Demo\\.Async\\.Fail to the code manager, but no dispatch called it").matcher(fact(t.buggy(), SymptomKind.MESSAGE));
            assertTrue(m.find(), fact(t.buggy(), SymptomKind.MESSAGE));
            long ip = Long.parseLong(m.group(1), 16);
            assertEquals(img.pe().imageBase() + stub.rva() + Long.parseLong(m.group(2), 16), ip);
            RuntimeFunction rf = img.runtimeFunctions().get(stub.runtimeFunction());
            try (Disassembler d = new Disassembler(arm64)) {
                Disassembler.Insn call = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).stream()
                        .filter(i -> i.address() + i.size() == ip).findFirst().orElseThrow();
                assertEquals(arm64 ? "bl" : "call", call.mnemonic(), "the stub's direct call of its variant");
            }
            assertEquals(String.format("[ASYNC] Demo.Async.Fail+0x%X", arm64 ? 0x78 : 0x60), fact(t.buggy(), SymptomKind.AT));
            assertEquals("RUNTIME_ERROR", fact(t.buggy(), SymptomKind.FAULT));
            assertEquals("106", fact(t.fixed(), SymptomKind.RETURNS));
        }
    }

    /**
     * G1: the collector walks the unregistered stub frame with the GcInfo of the method before it; the offset it names is
     * the stub's return address (the instruction before it is the stub's direct call of its variant, by Capstone) from
     * that method's start, past its CodeLength.
     */
    @Test
    void g1_unregisteredStubs_theCollectorWalksTheStubFrameWithAnotherMethodsGcInfo() {
        RegressionResult r = run("G1-unregistered-stubs-gc");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            boolean arm64 = t.target().name().equals("arm64");
            R2RImage img = t.buggy().image();
            ResumptionStub stub = img.resumptionStubs().stream().filter(s -> s.owner().name().equals("Demo.Program.Main")).findFirst().orElseThrow();
            Matcher m = Pattern.compile("frame #1 \\[RESUME\\] Demo\\.Program\\.Main\\$ResumptionStub\\+0x([0-9A-F]+) \\(GcInfo of Demo\\.Program\\.Main"
                    + " at offset 0x([0-9A-F]+)\\): no safepoint and no interruptible range at this offset \\(CodeLength 0x([0-9A-F]+)\\)")
                    .matcher(fact(t.buggy(), SymptomKind.GC_PROBLEM));
            assertTrue(m.find(), fact(t.buggy(), SymptomKind.GC_PROBLEM));
            long returnRva = stub.rva() + Long.parseLong(m.group(1), 16);
            ReadyToRunMethod variant = img.methods().stream().filter(x -> x.name().equals("Demo.Program.Main")
                    && x.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
            assertEquals(returnRva - variant.entryRva(), Long.parseLong(m.group(2), 16), "the offset from the variant's start");
            assertEquals(img.runtimeFunctions().get(variant.entryRuntimeFunction()).endRva() - variant.entryRva(),
                    Long.parseLong(m.group(3), 16), "the variant's CodeLength is its code");
            RuntimeFunction rf = img.runtimeFunctions().get(stub.runtimeFunction());
            try (Disassembler d = new Disassembler(arm64)) {
                Disassembler.Insn call = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).stream()
                        .filter(i -> i.address() + i.size() == img.pe().imageBase() + returnRva).findFirst().orElseThrow();
                assertEquals(arm64 ? "bl" : "call", call.mnemonic(), "the stub's direct call of its variant");
            }
            assertEquals("1", fact(t.buggy(), SymptomKind.RETURNS));
            assertEquals("43", fact(t.fixed(), SymptomKind.RETURNS));
            assertEquals("none", fact(t.fixed(), SymptomKind.GC_PROBLEM));
        }
    }

    /**
     * G2: the checker's finding names the call of Main's variant that reached the safepoint (a call, by Capstone), and
     * the buggy variant calls WriteBarrier fewer times than the fixed one (the reference field stores made plain).
     */
    @Test
    void g2_droppedWriteBarrier_theCheckerNamesTheStore() {
        RegressionResult r = run("G2-dropped-write-barrier");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        for (TargetResult t : r.targets()) {
            boolean arm64 = t.target().name().equals("arm64");
            Matcher m = Pattern.compile("^Pair 0x[0-9A-F]+ field \\+0x8 holds 0x[0-9A-F]+, stored without a write barrier \\(found at the safepoint"
                    + " after \\[ASYNC\\] Demo\\.Refs\\.Main\\+0x([0-9A-F]+)\\)$").matcher(fact(t.buggy(), SymptomKind.BARRIER));
            assertTrue(m.find(), fact(t.buggy(), SymptomKind.BARRIER));
            long offset = Long.parseLong(m.group(1), 16);
            List<Long> barriers = new ArrayList<>();
            for (R2RImage img : List.of(t.buggy().image(), t.fixed().image())) {
                ReadyToRunMethod main = img.methods().stream().filter(x -> x.name().equals("Demo.Refs.Main")
                        && x.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
                RuntimeFunction rf = img.runtimeFunctions().get(main.entryRuntimeFunction());
                try (Disassembler d = new Disassembler(arm64)) {
                    barriers.add(new CallSequence(img).calls(d, arm64, rf.beginRva(), rf.endRva()).stream()
                            .filter("WriteBarrier"::equals).count());
                    if (img == t.buggy().image()) {
                        long at = img.pe().imageBase() + rf.beginRva() + offset;
                        Disassembler.Insn call = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva()).stream()
                                .filter(i -> i.address() == at).findFirst().orElseThrow();
                        assertTrue(call.mnemonic().startsWith(arm64 ? "bl" : "call"), call.toString());
                    }
                }
            }
            assertTrue(barriers.get(0) < barriers.get(1), "WriteBarrier calls buggy/fixed: " + barriers);
            assertEquals("none", fact(t.fixed(), SymptomKind.BARRIER));
            assertEquals("42", fact(t.buggy(), SymptomKind.RETURNS));
        }
    }

    @Test
    void f1_directCalls_bsSuspensionFindsItsLayoutCellUnresolved() {
        RegressionResult r = run("F1-direct-calls");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        assertEquals(List.of("x64", "arm64"), targets(r));
        for (TargetResult t : r.targets()) {
            boolean arm64 = t.target().name().equals("arm64");
            R2RImage img = t.buggy().image();
            ReadyToRunMethod b = img.methods().stream().filter(m -> m.name().equals("Demo.Nested.B") && m.kind() == CodeBodyKind.ASYNC_VARIANT)
                    .findFirst().orElseThrow();
            ImportCell layout = null;
            for (var f : b.fixups()) {
                ImportCell c = img.importSections().get(f.importSection()).cells().get(f.slot());
                if (c.signature() instanceof FixupSignature.Layout) {
                    layout = c;
                }
            }
            assertNotNull(layout);
            ResumptionStub stub = img.resumptionStubs().stream().filter(s -> s.owner() == b).findFirst().orElseThrow();
            long offset = arm64 ? 0xEC : 0xC3;
            Disassembler.Insn call = insnAt(img, "Demo.Nested.B", CodeBodyKind.ASYNC_VARIANT, offset, arm64);
            RuntimeFunction rf = img.runtimeFunctions().get(b.entryRuntimeFunction());
            assertEquals(String.format("AllocContinuation got a null MethodTable in [ASYNC] Demo.Nested.B at RVA 0x%X: its ContinuationLayout cell "
                    + "ImportSection %d[%d] is unresolved, its resumption stub at RVA 0x%X is not registered; the method's fixups have not run "
                    + "(it was entered past its prestub, by a direct call)", rf.beginRva() + offset + call.size(), layout.section(), layout.index(),
                    stub.rva()), fact(t.buggy(), SymptomKind.MESSAGE));
            assertEquals(String.format("[ASYNC] Demo.Nested.B+0x%X", offset), fact(t.buggy(), SymptomKind.AT));
            assertEquals(arm64 ? "blr" : "call", call.mnemonic());
            assertTrue(call.size() == (arm64 ? 4 : 6), "a call through a cell");
            assertEquals("RUNTIME_ERROR", fact(t.buggy(), SymptomKind.FAULT));
            // B's own cell is never resolved in the buggy run (A calls B directly); in the fixed run it is the first.
            assertEquals("MethodImports[" + cell(t.fixed().image(), "MethodImports", "MethodEntry [ASYNC] Demo.Nested.B").index()
                    + "] MethodEntry [ASYNC] Demo.Nested.B", fact(t.buggy(), SymptomKind.INTENDED_CELL));
            assertEquals(String.valueOf(((1 + 1) + 100 + (1 + 1)) * 2), fact(t.fixed(), SymptomKind.RETURNS));
        }
    }

    @Test
    void f2_flagsSplitCoreLibMain_theResultIndexTheRuntimeReadsIsPastTheContinuation() {
        RegressionResult r = run("F2-flags-split-corelib-main");
        assertEquals(Verdict.REPRODUCED, r.verdict());
        for (TargetResult t : r.targets()) {
            // 0x881: ContinueOnThreadPool, Exception 1 at bits 7-9, Result 2 from bit 10; the R2R 18.5 split reads Result from bit 7: 0x881 >> 7 = 17.
            assertEquals(0x881, ContinuationFlags.CORELIB_MAIN.encode(ContinuationFlags.CONTINUE_ON_THREAD_POOL, 1, 0, 2));
            assertEquals(17, ContinuationFlags.R2R_18_5.resultIndex(0x881));
            ContinuationObject o = ContinuationObject.POINTER_SIZE_8;
            long offset = o.data() + 8L * (17 - 1);
            assertEquals(0xA0, offset);
            String message = fact(t.buggy(), SymptomKind.MESSAGE);
            // Compute's continuation: the 32-byte header, then Exception, Result, ExecutionContext and x (the one value
            // live across its await): 64 bytes
            assertTrue(message.matches("continuation 0x[0-9A-F]+ \\(64 bytes\\) has Flags 0x881, whose Result index 17 names \\+0xA0, outside the object: "
                    + "the code wrote Flags with another split than the R2R 18.5 \\(Exception bits 3-4, Result from bit 7\\) the runtime reads"), message);
            assertEquals("RUNTIME_ERROR", fact(t.buggy(), SymptomKind.FAULT));
            assertEquals("50", fact(t.fixed(), SymptomKind.RETURNS));
        }
    }
}
