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
import java.util.EnumSet;
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
import r2rlab.emu.verify.Finding;
import r2rlab.emu.verify.ImageVerifier;
import r2rlab.emu.verify.Rule;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ExceptionLookupEntry;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * {@code verify}: no finding on the real .NET 11 images, and for each compile-side defect switch the rule
 * that names it, at the places an independent reading of the image (Capstone, the fixup tables) points to.
 */
class VerifyTest {
    /** The rules the emitted examples do not follow yet: the Flags split and calls through cells between methods. */
    private static final Set<Rule> PENDING = EnumSet.of(Rule.CONTINUATION_FLAGS, Rule.DIRECT_CALLS);

    private static ImageVerifier.Verification verify(R2RImage img) {
        try (ImageVerifier v = new ImageVerifier()) {
            return v.verify(img);
        }
    }

    private static List<Finding> settled(R2RImage img) {
        return verify(img).findings().stream().filter(f -> !PENDING.contains(f.rule())).collect(Collectors.toList());
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
        // every direct call or jump out of its runtime function is a stub's call of its variant
        assertEquals(471, checked[Rule.DIRECT_CALLS.ordinal()]);
        assertEquals(0, checked[Rule.X11_CELL.ordinal()], "x64 images");
        // every EH clause of the 24 images (ExceptionInfoTest counts them) has its handler in a funclet of its method
        assertEquals(5090, checked[Rule.EH_HANDLER.ordinal()]);
    }

    @Test
    void emittedExamples_followEverySettledRule() {
        for (Path example : Emitted.examples()) {
            Scenario s = Emitted.scenario(example);
            for (Architecture a : Architecture.values()) {
                for (StubLayout layout : StubLayout.values()) {
                    R2RImage img = Emitted.read(Emitter.emit(s, new EmitOptions(a, TargetOs.WINDOWS, Set.of(), layout)));
                    assertEquals(List.of(), settled(img), example.getFileName() + " " + a + " " + layout);
                }
            }
        }
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
            assertEquals(List.of(), settled(img), a.toString());
            var section = img.header().section(ReadyToRunSectionType.ExceptionInfo.id);
            long table = img.pe().rvaToOffset("ExceptionInfo", section.rva(), section.size());
            long methodStart = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt((int) table) & 0xFFFFFFFFL;
            long clauses = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt((int) table + ExceptionLookupEntry.EXCEPTION_INFO_OFFSET);
            int handlerStart = (int) img.pe().rvaToOffset("clause", clauses, ExceptionClause.SIZE) + ExceptionClause.HANDLER_START_OFFSET;
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(handlerStart, 4); // 4 bytes into the main body
            List<Finding> f = settled(Emitted.read(bytes));
            assertEquals(1, f.size(), f.toString());
            assertEquals(Rule.EH_HANDLER, f.get(0).rule());
            assertEquals("Demo.Sync.SameFrame", f.get(0).method());
            assertEquals(methodStart + 4, f.get(0).rva());
            assertTrue(f.get(0).detail().endsWith("inside the method's main body"), f.get(0).detail());
        }
    }

    private static List<Finding> findings(Scenario s, Architecture a, Defect d) {
        return settled(Emitted.read(Emitted.emit(s, a, d)));
    }

    @Test
    void b1_stubViaCell_stubDirectCall() {
        for (Architecture a : Architecture.values()) {
            List<Finding> f = findings(Emitted.scenario("async-nested.yaml"), a, Defect.B1_STUB_CALLS_THROUGH_CELL);
            assertEquals(List.of("Demo.Nested.A$ResumptionStub", "Demo.Nested.B$ResumptionStub", "Demo.Nested.C$ResumptionStub"),
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
        List<Finding> f = settled(helper);
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.X11_CELL), f.toString());
        Set<Long> stale = x16WithoutX11(helper, "blr");
        assertEquals(6, stale.size(), "CaptureContexts and two RestoreContexts in Main and Compute");
        assertEquals(stale, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)));

        R2RImage epilog = Emitted.read(Emitted.emit(Emitted.scenario("calls.yaml"), Architecture.ARM64, Defect.B2_JMP_EPILOG_X16));
        List<Finding> g = settled(epilog);
        assertEquals(1, g.size(), g.toString());
        assertEquals(Rule.X11_CELL, g.get(0).rule());
        assertEquals("Demo.Calls.Chain", g.get(0).method());
        assertEquals(x16WithoutX11(epilog, "br"), Set.of(g.get(0).rva()));
    }

    @Test
    void b3_dropPageAddends_pagePair() {
        Scenario s = EmittedCodeShapeTest.manyAwaits(120);
        R2RImage fixed = Emitted.read(Emitted.emit(s, Architecture.ARM64));
        R2RImage buggy = Emitted.read(Emitted.emit(s, Architecture.ARM64, Defect.B3_DROP_PAGE_ADDENDS));
        // the ADRPs whose page differs between the fixed and the buggy image, by Capstone
        Set<Long> moved = new TreeSet<>();
        try (Disassembler d = new Disassembler(true)) {
            for (RuntimeFunction rf : fixed.runtimeFunctions()) {
                List<Disassembler.Insn> a = d.disassemble(Emitted.code(fixed, rf), fixed.pe().imageBase() + rf.beginRva());
                List<Disassembler.Insn> b = d.disassemble(Emitted.code(buggy, rf), buggy.pe().imageBase() + rf.beginRva());
                for (int i = 0; i < a.size(); i++) {
                    if (!a.get(i).operands().equals(b.get(i).operands())) {
                        moved.add(a.get(i).address() - fixed.pe().imageBase());
                    }
                }
            }
        }
        assertTrue(!moved.isEmpty());
        List<Finding> f = settled(buggy);
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.PAGE_PAIR), f.stream().limit(5).collect(Collectors.toList()).toString());
        assertEquals(moved, f.stream().map(Finding::rva).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(List.of(), settled(fixed));
    }

    @Test
    void b4_hotColdSplit_coldAsync() {
        for (Architecture a : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), a, Defect.B4_HOT_COLD_SPLIT));
            List<Finding> f = settled(img);
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
            List<Finding> f = settled(img);
            assertEquals(List.of("Demo.Program.Main [ASYNC]", "Demo.Program.Compute [ASYNC]"), f.stream().map(Finding::method).collect(Collectors.toList()));
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
        assertEquals("ContinuationLayout System.Runtime.CompilerServices.Continuation flags 0xE size 64 gcmap 01", main.signatureText());
        int off = (int) img.pe().rvaToOffset("sig", main.signatureRva(), 8);
        // 37 | 3F 02 12 29 (the manifest's Continuation) | 0E | 40 | 01
        assertEquals(0x40, bytes[off + 6]);
        assertEquals(0x01, bytes[off + 7]);
        bytes[off + 6] = 0x48;
        List<Finding> f = settled(Emitted.read(bytes));
        assertEquals(1, f.size(), f.toString());
        assertEquals(Rule.GC_MAP_LENGTH, f.get(0).rule());
        assertEquals(main.rva(), f.get(0).rva());
        assertEquals("Demo.Program.Main [ASYNC]", f.get(0).method());
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
        List<Finding> f = settled(Emitted.read(bytes));
        assertEquals(2, f.size(), f.toString());
        assertTrue(f.stream().allMatch(x -> x.rule() == Rule.RESUME_INFO && x.detail().contains("resumes through")), f.toString());
        assertTrue(f.get(0).detail().contains("resumes through Demo.Program.Compute$ResumptionStub, not Demo.Program.Main$ResumptionStub"),
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
        assertTrue(failed.out().contains("b10.dll: Demo.Program.Main [ASYNC] 0x00001080 stub-cell: 2 ResumptionStubEntryPoint cells in its fixup list:"),
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
        assertEquals(0x1080, finding.get("rva").getAsLong());

        Path missing = dir.resolve("missing.dll");
        CliDumpTest.Result bad = CliDumpTest.run("verify", zip, missing.toString());
        assertEquals(2, bad.status());
        assertTrue(bad.err().endsWith(missing + ": no such file\n"), bad.err());
    }
}
