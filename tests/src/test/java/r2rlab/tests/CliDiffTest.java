package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.tests.CliDumpOptionsTest.assertLines;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emu.diff.ImageDiff;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.MethodPattern;
import r2rlab.loader.R2RImage;

/**
 * {@code r2rlab diff}: stub layouts differ only in stub placement, each compile-side defect switch is named
 * by the methods and instructions or fixups it changes, a real image is identical to itself, and
 * {@code --json}, {@code --html}, {@code --method} and bad input.
 */
class CliDiffTest {
    @TempDir
    Path dir;

    private Path emit(String example, Scenario s, Architecture arch, StubLayout layout, Defect... defects) {
        byte[] image = Emitter.emit(s, new EmitOptions(arch, TargetOs.WINDOWS, Set.of(defects), layout));
        return Emitted.write(dir, example + "-" + arch + "-" + layout + "-" + Set.of(defects) + ".dll", image);
    }

    private Path emit(String example, Architecture arch, Defect... defects) {
        return emit(example, Emitted.scenario(example), arch, StubLayout.ADJACENT, defects);
    }

    private static CliDumpTest.Result diff(int status, String... args) {
        List<String> a = new ArrayList<>(List.of("diff"));
        a.addAll(List.of(args));
        CliDumpTest.Result r = CliDumpTest.run(a.toArray(new String[0]));
        assertEquals(status, r.status(), r.out() + r.err());
        return r;
    }

    @Test
    void stubLayouts_differOnlyInStubPlacement() {
        for (Architecture arch : Architecture.values()) {
            Scenario s = Emitted.scenario("async-nested.yaml");
            Path adjacent = emit("nested", s, arch, StubLayout.ADJACENT);
            Path grouped = emit("nested", s, arch, StubLayout.GROUPED);
            String out = diff(1, adjacent.toString(), grouped.toString()).out();
            assertLines(out, "Stub placement: adjacent -> grouped, 3 stubs moved",
                    "  [RESUME] Demo.Nested.A$ResumptionStub: next to its variant -> apart from its variant",
                    "  [RESUME] Demo.Nested.B$ResumptionStub: next to its variant -> apart from its variant",
                    "  [RESUME] Demo.Nested.C$ResumptionStub: next to its variant -> apart from its variant",
                    "",
                    "Structural differences: 0",
                    "",
                    "Code differences: 0 methods",
                    "",
                    "Result: different: 3 stubs placed differently");
            // the code of the nine bodies: the sum of their runtime functions' sizes (the Python oracle reads the same)
            String size = arch == Architecture.X64 ? "1667" : "2192";
            assertLines(out, "         9 |           9 |      " + size + " |       " + size + " | METHODS IN BOTH");
        }
    }

    @Test
    void b1_stubViaCell_namesTheStubsAndTheirCalls() {
        for (Architecture arch : Architecture.values()) {
            Path fixed = emit("async-nested.yaml", arch);
            Path buggy = emit("async-nested.yaml", arch, Defect.B1_STUB_CALLS_THROUGH_CELL);
            String out = diff(1, fixed.toString(), buggy.toString()).out();
            assertLines(out, "Structural differences: 3",
                    "  [RESUME] Demo.Nested.A$ResumptionStub: call to [ASYNC] Demo.Nested.A became indirect (through MethodImports[1])",
                    "  [RESUME] Demo.Nested.B$ResumptionStub: call to [ASYNC] Demo.Nested.B became indirect (through MethodImports[7])",
                    "  [RESUME] Demo.Nested.C$ResumptionStub: call to [ASYNC] Demo.Nested.C became indirect (through MethodImports[12])");
            assertLines(out, "Code differences: 3 methods", "--- left/[RESUME] Demo.Nested.A$ResumptionStub",
                    "+++ right/[RESUME] Demo.Nested.A$ResumptionStub");
            // (the cell's signature after "; ->" is the loader's rendering; only the instruction is pinned here; the cells
            // are the ones the Task-returning methods call the variants through, each after that method's Push cell)
            if (arch == Architecture.X64) {
                assertLines(out, "-    call [ASYNC] Demo.Nested.A");
                assertTrue(out.contains("-    call [ASYNC] Demo.Nested.A\n+    call qword ptr [MethodImports[1]]  ; -> MethodImports[1] "), out);
            } else {
                assertLines(out, "-    bl [ASYNC] Demo.Nested.A");
                assertTrue(out.lines().anyMatch(l -> l.startsWith("+    blr x16  ; -> through MethodImports[1] ")), out);
            }
            // Only the stubs differ in code.
            assertEquals(3, out.lines().filter(l -> l.startsWith("--- left/")).count(), out);
            assertEquals(3, out.lines().filter(l -> l.startsWith("--- left/[RESUME]")).count(), out);
        }
    }

    @Test
    void b2_helperCallWithoutX11_namesTheAsyncVariantsAndTheirInstructions() {
        Path fixed = emit("async-basic.yaml", Architecture.ARM64);
        Path buggy = emit("async-basic.yaml", Architecture.ARM64, Defect.B2_HELPER_CALL_WITHOUT_X11);
        String out = diff(1, fixed.toString(), buggy.toString()).out();
        assertLines(out, "Structural differences: 0");
        assertLines(out, "--- left/[ASYNC] Demo.Program.Compute", "+++ right/[ASYNC] Demo.Program.Compute");
        assertLines(out, "-    adrp x11, MethodImports[6]",
                "-    add x11, x11, :lo12:MethodImports[6]  ; x11 = MethodImports[6] MethodEntry_RefToken [module 2] System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts",
                "-    ldr x16, [x11]  ; load [MethodImports[6] MethodEntry_RefToken [module 2] System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts]",
                "+    adrp x16, MethodImports[6]",
                "+    ldr x16, [x16, :lo12:MethodImports[6]]  ; load [MethodImports[6] MethodEntry_RefToken [module 2] System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts]",
                "     blr x16  ; -> through MethodImports[6] MethodEntry_RefToken [module 2] System.Runtime.CompilerServices.AsyncHelpers.CaptureContexts");
        assertTrue(out.contains("--- left/[ASYNC] Demo.Program.Main"), out);
        // the five context-method cells (CaptureContexts, RestoreContexts, CaptureExecutionContext,
        // RestoreContextsOnSuspension, RestoreExecutionContext: MethodImports 6, 8, 9, 10 and 11, after the Task-returning
        // method's Push, variant, FromResult, FinalizeTaskReturningThunk, Pop and TaskFromException cells), in each
        // variant; the await's own call (Yield, MethodImports[7]) keeps x11
        assertEquals(List.of("6", "8", "9", "10", "11", "6", "8", "9", "10", "11"), out.lines().filter(l -> l.startsWith("+    adrp x16, MethodImports["))
                .map(l -> l.substring(l.indexOf('[') + 1, l.indexOf(']'))).toList(), out);
        assertEquals(10, out.lines().filter(l -> l.startsWith("-    adrp x11, MethodImports[")).count(), out);
        // x64 has no x11 protocol: the same switch leaves the image as it was.
        String x64 = diff(0, emit("async-basic.yaml", Architecture.X64).toString(),
                emit("async-basic.yaml", Architecture.X64, Defect.B2_HELPER_CALL_WITHOUT_X11).toString()).out();
        assertLines(x64, "Result: identical");
    }

    @Test
    void b2_jmpEpilogX16_namesTheTailJump() {
        Path fixed = emit("calls.yaml", Architecture.ARM64);
        Path buggy = emit("calls.yaml", Architecture.ARM64, Defect.B2_JMP_EPILOG_X16);
        String out = diff(1, fixed.toString(), buggy.toString()).out();
        assertLines(out, "Code differences: 1 method", "--- left/Demo.Calls.Chain", "+++ right/Demo.Calls.Chain");
        // Clamp's cell comes after those of Main's calls (Square, Twice, Check, Chain) and of Add: llvm-objdump-14 shows the
        // tail jump's pair addressing 0x2050, MethodImports[5]
        assertLines(out, "-    adrp x11, MethodImports[5]",
                "-    add x11, x11, :lo12:MethodImports[5]  ; x11 = MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp",
                "-    ldr x16, [x11]  ; load [MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp]",
                "+    adrp x16, MethodImports[5]",
                "+    add x16, x16, :lo12:MethodImports[5]  ; x16 = MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp",
                "+    ldr x16, [x16]  ; load [MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp]",
                "     br x16  ; -> through MethodImports[5] MethodEntry_DefToken Demo.Calls.Clamp");
    }

    @Test
    void b3_dropPageAddends_namesTheAdrpPairsThatMissTheirRecord() {
        Scenario s = EmittedCodeShapeTest.manyAwaits(96);
        Path fixed = emit("many", s, Architecture.ARM64, StubLayout.ADJACENT);
        Path buggy = emit("many", s, Architecture.ARM64, StubLayout.ADJACENT, Defect.B3_DROP_PAGE_ADDENDS);
        String out = diff(1, fixed.toString(), buggy.toString()).out();
        // Two ResumeInfo records of M94 lie a page past the ADRP's page without its addend: the fixed ADRP/ADD pairs
        // name them by what they hold (the stub and the resumption point), the buggy ones land a page lower, on two of
        // M9's records (VerifyTest finds the same pairs). Two Task-returning methods' catch funclets load their resume
        // address with a pair whose addend crosses a page: dropped, it lands in another method's funclet.
        assertLines(out, "Structural differences: 0", "", "Code differences: 3 methods", "--- left/Demo.Many.M39", "+++ right/Demo.Many.M39");
        assertLines(out, "-    adrp x0, Demo.Many.M39+0x68", "-    add x0, x0, :lo12:Demo.Many.M39+0x68  ; x0 = Demo.Many.M39+0x68",
                "+    adrp x0, Demo.Many.M19 [funclet 1]+0x20");
        assertLines(out, "--- left/[ASYNC] Demo.Many.M94", "+++ right/[ASYNC] Demo.Many.M94");
        assertLines(out, "-    adrp x9, ResumeInfo {[RESUME] Demo.Many.M94$ResumptionStub, [ASYNC] Demo.Many.M94+0x19C}",
                "-    add x9, x9, :lo12:ResumeInfo {[RESUME] Demo.Many.M94$ResumptionStub, [ASYNC] Demo.Many.M94+0x19C}"
                        + "  ; x9 = ResumeInfo {[RESUME] Demo.Many.M94$ResumptionStub, [ASYNC] Demo.Many.M94+0x19C}",
                "+    adrp x9, ResumeInfo {[RESUME] Demo.Many.M9$ResumptionStub, [ASYNC] Demo.Many.M9+0xD8}",
                "+    add x9, x9, :lo12:ResumeInfo {[RESUME] Demo.Many.M9$ResumptionStub, [ASYNC] Demo.Many.M9+0xD8}"
                        + "  ; x9 = ResumeInfo {[RESUME] Demo.Many.M9$ResumptionStub, [ASYNC] Demo.Many.M9+0xD8}");
        assertLines(out, "-    adrp x9, ResumeInfo {[RESUME] Demo.Many.M94$ResumptionStub, [ASYNC] Demo.Many.M94+0x264}",
                "-    add x9, x9, :lo12:ResumeInfo {[RESUME] Demo.Many.M94$ResumptionStub, [ASYNC] Demo.Many.M94+0x264}"
                        + "  ; x9 = ResumeInfo {[RESUME] Demo.Many.M94$ResumptionStub, [ASYNC] Demo.Many.M94+0x264}",
                "+    adrp x9, ResumeInfo {[RESUME] Demo.Many.M9$ResumptionStub, [ASYNC] Demo.Many.M9+0x19C}",
                "+    add x9, x9, :lo12:ResumeInfo {[RESUME] Demo.Many.M9$ResumptionStub, [ASYNC] Demo.Many.M9+0x19C}"
                        + "  ; x9 = ResumeInfo {[RESUME] Demo.Many.M9$ResumptionStub, [ASYNC] Demo.Many.M9+0x19C}");
        assertEquals(16, out.lines().filter(l -> l.startsWith("-    ") || l.startsWith("+    ")).count(), out);
        // and the reject switch refuses to write the image at all, so there is nothing to compare
        assertThrows(EmitException.class, () -> emit("many", s, Architecture.ARM64, StubLayout.ADJACENT, Defect.B3_REJECT_PAGE_ADDENDS));
    }

    @Test
    void b4_hotColdSplit_namesTheSplitVariants() {
        Path fixed = emit("async-basic.yaml", Architecture.X64);
        Path buggy = emit("async-basic.yaml", Architecture.X64, Defect.B4_HOT_COLD_SPLIT);
        String out = diff(1, fixed.toString(), buggy.toString()).out();
        assertLines(out, "Structural differences: 2",
                "  [ASYNC] Demo.Program.Compute: split into hot and cold parts (cold parts 0 -> 1)",
                "  [ASYNC] Demo.Program.Main: split into hot and cold parts (cold parts 0 -> 1)");
        assertTrue(out.contains("+  cold part:"), out);
        assertLines(out, "                   16         16  HotColdMap");
    }

    @Test
    void b10_duplicateStubFixup_namesTheAddedFixups() {
        for (Architecture arch : Architecture.values()) {
            Path fixed = emit("async-basic.yaml", arch);
            Path buggy = emit("async-basic.yaml", arch, Defect.B10_DUPLICATE_STUB_FIXUP);
            String out = diff(1, fixed.toString(), buggy.toString()).out();
            assertLines(out, "Structural differences: 2",
                    "  [ASYNC] Demo.Program.Compute: fixup added: ResumptionStubEntryPoint stub Demo.Program.Compute$ResumptionStub",
                    "  [ASYNC] Demo.Program.Main: fixup added: ResumptionStubEntryPoint stub Demo.Program.Main$ResumptionStub");
            assertLines(out, "   fixup PrecodeImports[1] ResumptionStubEntryPoint stub Demo.Program.Main$ResumptionStub",
                    "+  fixup PrecodeImports[2] ResumptionStubEntryPoint stub Demo.Program.Main$ResumptionStub");
        }
    }

    @Test
    void b5AndB8_leaveTheImageAsItWas_identical() {
        for (Defect d : List.of(Defect.B5_RELOCS_ONLY_CONDITIONAL_KIND, Defect.B8_GC_MAP_TRUNCATED)) {
            for (Architecture arch : Architecture.values()) {
                String out = diff(0, emit("async-exception.yaml", arch).toString(), emit("async-exception.yaml", arch, d).toString()).out();
                assertLines(out, "Result: identical");
            }
        }
    }

    @Test
    void realImage_againstItself_identical() throws Exception {
        Path zip = Fixtures.net11("System.IO.Compression.ZipFile.dll");
        String out = diff(0, zip.toString(), zip.toString()).out();
        assertLines(out, "Left:  System.IO.Compression.ZipFile.dll (91944 bytes, R2R 18.5, x64/windows, stubs grouped)",
                "Right: System.IO.Compression.ZipFile.dll (91944 bytes, R2R 18.5, x64/windows, stubs grouped)");
        assertLines(out, "       104 |         104 |     19153 |      19153 | METHODS IN BOTH");
        assertLines(out, "Stub placement: grouped -> grouped, 0 stubs moved", "", "Structural differences: 0", "", "Code differences: 0 methods", "",
                "Result: identical");
        // A copy with one byte changed outside what diff compares (the COFF time stamp) is compared in full and still identical.
        byte[] b = Files.readAllBytes(zip);
        int coff = (b[0x3C] & 0xFF | (b[0x3D] & 0xFF) << 8) + 4;
        b[coff + 4] ^= 1;
        Path copy = Emitted.write(dir, "ZipFile-stamped.dll", b);
        assertLines(diff(0, zip.toString(), copy.toString()).out(), "Result: identical (the files differ only in bytes diff does not compare)");
    }

    @Test
    void realImages_twoVersions_headerSizesAndMethods() {
        Path old = Fixtures.r2r("AlbionOnline-Companion__System.IO.Compression.ZipFile__AMD64-Linux__r2r16.0.dll");
        Path net11 = Fixtures.net11("System.IO.Compression.ZipFile.dll");
        String out = diff(1, old.toString(), net11.toString()).out();
        assertLines(out, "Header differences: 3", "  R2R version: 16.0 -> 18.5", "  machine: x64/linux -> x64/windows");
        assertTrue(out.contains("Stub placement: no stubs -> grouped, 0 stubs moved"), out);
        assertTrue(out.startsWith("Left:  AlbionOnline-Companion__System.IO.Compression.ZipFile__AMD64-Linux__r2r16.0.dll (98600 bytes, R2R 16.0,"
                + " x64/linux, stubs no stubs)"), out);
    }

    @Test
    void json_html_andMethodSelection() throws Exception {
        Path fixed = emit("async-nested.yaml", Architecture.X64);
        Path buggy = emit("async-nested.yaml", Architecture.X64, Defect.B1_STUB_CALLS_THROUGH_CELL);
        Path html = dir.resolve("diff.html");
        JsonObject o = JsonParser.parseString(diff(1, fixed.toString(), buggy.toString(), "--json", "--method", "Demo.Nested.B", "--html",
                html.toString()).out()).getAsJsonObject();
        assertFalse(o.get("identical").getAsBoolean());
        assertEquals("different: 1 method size, 1 structural difference, 1 method with code differences", o.get("result").getAsString());
        assertEquals(3, o.getAsJsonObject("methods").get("common").getAsInt(), "B's method, async variant and stub");
        assertEquals("[RESUME] Demo.Nested.B$ResumptionStub", o.getAsJsonArray("structural").get(0).getAsJsonObject().get("method").getAsString());
        assertEquals("call to [ASYNC] Demo.Nested.B became indirect (through MethodImports[7])",
                o.getAsJsonArray("structural").get(0).getAsJsonObject().get("what").getAsString());
        assertEquals("--- left/[RESUME] Demo.Nested.B$ResumptionStub",
                o.getAsJsonArray("code").get(0).getAsJsonObject().getAsJsonArray("diff").get(0).getAsString());
        assertEquals("x64", o.getAsJsonObject("left").get("architecture").getAsString());
        String page = Files.readString(html);
        assertTrue(page.contains("<h2>[RESUME] Demo.Nested.B$ResumptionStub</h2>"), page);
        assertTrue(page.contains("<td class=\"del\">    call [ASYNC] Demo.Nested.B</td><td class=\"add\">    call qword ptr [MethodImports[7]]  ; -&gt; "), page);
    }

    @Test
    void imageDiff_isUsableWithoutTheCommandLine() throws Exception {
        byte[] a = Files.readAllBytes(emit("async-nested.yaml", Architecture.X64));
        byte[] b = Files.readAllBytes(emit("async-nested.yaml", Architecture.X64, Defect.B1_STUB_CALLS_THROUGH_CELL));
        ImageDiff.Result r = ImageDiff.compare(R2RImage.read("a", a), a, R2RImage.read("b", b), b, List.of(MethodPattern.parse("C")));
        assertEquals(Set.of("[RESUME] Demo.Nested.C$ResumptionStub"), r.differingMethods());
        assertFalse(r.identical());
    }

    @Test
    void badInput_status2() {
        CliDumpTest.Result r = diff(2, "/nonexistent/a.dll", Fixtures.net11("System.IO.Compression.ZipFile.dll").toString());
        assertEquals("r2rlab: /nonexistent/a.dll: no such file", r.err().strip());
        CliDumpTest.Result m = diff(2, "--method", "0x0A000001", "x.dll", "y.dll");
        assertEquals("r2rlab: --method: 0x0A000001 is not a MethodDef token (0x06xxxxxx)", m.err().strip());
    }
}
