package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.format.pe.PeImage;
import r2rlab.format.pe.TargetOs;

/**
 * {@code dump}'s r2rdump-style options on an emitted image and on a real .NET 11 image: selection
 * ({@code --method}, {@code --runtime-function}, {@code --section}, {@code --cell}), views ({@code --unwind},
 * {@code --entry-points}, {@code --section-contents}, {@code --gc}), {@code --naked}, {@code --hide-offsets},
 * {@code --normalize}, and their JSON fields.
 */
class CliDumpOptionsTest {
    private static final Path ZIP = Fixtures.net11("System.IO.Compression.ZipFile.dll");

    @TempDir
    Path dir;

    /** async-nested.yaml emitted for {@code arch} with {@code layout}. */
    static Path nested(Path dir, Architecture arch, StubLayout layout, Defect... defects) {
        byte[] image = Emitter.emit(Emitted.scenario("async-nested.yaml"), new EmitOptions(arch, TargetOs.WINDOWS, Set.of(defects), layout));
        return Emitted.write(dir, "nested-" + arch + "-" + layout + defects.length + ".dll", image);
    }

    private static CliDumpTest.Result ok(String... args) {
        CliDumpTest.Result r = CliDumpTest.run(args);
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.err());
        return r;
    }

    /** {@code expected} appears in {@code out} as consecutive whole lines. */
    static void assertLines(String out, String... expected) {
        List<String> lines = Arrays.asList(out.split("\n", -1));
        List<String> want = Arrays.asList(expected);
        for (int i = 0; i + want.size() <= lines.size(); i++) {
            if (lines.subList(i, i + want.size()).equals(want)) {
                return;
            }
        }
        throw new AssertionError("lines\n" + String.join("\n", want) + "\nnot found in\n" + out);
    }

    private static void assertBadInput(String message, String... args) {
        CliDumpTest.Result r = CliDumpTest.run(args);
        assertEquals(2, r.status(), r.out());
        assertEquals("", r.out());
        assertEquals("r2rlab: " + message, r.err().strip());
    }

    // ---- EH clauses ----

    @Test
    void ehClauses_printedAsR2rDumpDoes() {
        String out = ok("dump", "--method", "0x0600002B", ZIP.toString()).out();
        // The Task-returning method catches System.Exception (the R2R-only flag 0x20, no token).
        assertLines(out,
                "    EH Flags 20 TryOff 0034 (RVA 59A4) TryEnd 0065 (RVA 59D5) HndOff 0092 (RVA 5A02) HndEnd 00B6 (RVA 5A26) ClsFlt 0000 CATCH: System.Exception",
                "    EH Flags 04 TryOff 0034 (RVA 59A4) TryEnd 0079 (RVA 59E9) HndOff 00B6 (RVA 5A26) HndEnd 00CA (RVA 5A3A) ClsFlt 0000 FAULT");
        // The async variant's typed catch of its own TypeRef 1.
        assertLines(out,
                "    EH Flags 00 TryOff 005E (RVA 6FDE) TryEnd 0095 (RVA 7015) HndOff 0259 (RVA 71D9) HndEnd 026D (RVA 71ED) ClsFlt 1000001 CATCH: System.Object",
                "    EH Flags 04 TryOff 003C (RVA 6FBC) TryEnd 00EB (RVA 706B) HndOff 026D (RVA 71ED) HndEnd 0290 (RVA 7210) ClsFlt 0000 FAULT");
        String naked = ok("dump", "--naked", "--method", "0x0600002B", ZIP.toString()).out();
        assertLines(naked, "    EH Flags 00 TryOff 005E TryEnd 0095 HndOff 0259 HndEnd 026D ClsFlt 1000001 CATCH: System.Object",
                "    EH Flags 04 TryOff 003C TryEnd 00EB HndOff 026D HndEnd 0290 ClsFlt 0000 FAULT");
    }

    // ---- --method ----

    @Test
    void method_emitted_picksTheMethodItsAsyncVariantAndItsStub() {
        Path img = nested(dir, Architecture.X64, StubLayout.ADJACENT);
        String out = ok("dump", "--method", "Demo.Nested.A", img.toString()).out();
        assertLines(out,
                "Selection:       --method Demo.Nested.A",
                "",
                "Methods: 3 selected",
                "  Demo.Nested.A",
                "    Token 0x06000001  EntryRuntimeFunction 0  RVA 0x00001000  RuntimeFunctions [0, 1, 2]",
                // the Task-returning method's catch (System.Exception) and fault clauses, as the Python oracle reads them
                "    EH Flags 20 TryOff 0016 (RVA 1016) TryEnd 003D (RVA 103D) HndOff 005B (RVA 105B) HndEnd 0075 (RVA 1075) ClsFlt 0000 CATCH: System.Exception",
                "    EH Flags 04 TryOff 0016 (RVA 1016) TryEnd 0047 (RVA 1047) HndOff 0075 (RVA 1075) HndEnd 0088 (RVA 1088) ClsFlt 0000 FAULT",
                "  [ASYNC] Demo.Nested.A",
                "    Token 0x06000001  EntryRuntimeFunction 9  RVA 0x000011B0  RuntimeFunctions [9]",
                // 37 3F 02 12 19 0E 18 05: the manifest's Continuation, 24 bytes: the Exception and ExecutionContext references
                // beside the integer Result (no local of A is live across its await)
                "    Fixup ImportSection 5, slot 0: ContinuationLayout System.Runtime.CompilerServices.Continuation flags 0xE size 24 gcmap 05",
                "    Fixup ImportSection 5, slot 1: ResumptionStubEntryPoint stub RVA 0x1340",
                "  [RESUME] Demo.Nested.A$ResumptionStub",
                "    Token 0x00000000  EntryRuntimeFunction 10  RVA 0x00001340  RuntimeFunctions [10]",
                "",
                "Resumption stubs: 1 selected",
                "  RVA 0x00001340  RuntimeFunction 10  cell ImportSection 5[1]  owner Demo.Nested.A (0x06000001)",
                "",
                // the RUNTIME_FUNCTION entries as the Python oracle reads them, each body by its label, the funclets after A's
                "Runtime functions: 5 selected",
                "  [0] 0x00001000-0x0000105B  unwind 0x00001718  Demo.Nested.A",
                "  [1] 0x0000105B-0x00001075  unwind 0x0000172C  funclet of Demo.Nested.A",
                "  [2] 0x00001075-0x00001088  unwind 0x00001738  funclet of Demo.Nested.A",
                "  [9] 0x000011B0-0x00001338  unwind 0x0000179C  [ASYNC] Demo.Nested.A",
                "  [10] 0x00001340-0x0000136B  unwind 0x000017B0  [RESUME] Demo.Nested.A$ResumptionStub");
        assertFalse(out.contains("Demo.Nested.B"), out);
        // A dotted tail, a glob and the MethodDef token pick the same family.
        String tail = ok("dump", "--method", "Nested.A", img.toString()).out();
        String glob = ok("dump", "--method", "demo.*.a", img.toString()).out();
        String token = ok("dump", "--method", "0x06000001", img.toString()).out();
        for (String o : List.of(tail, glob, token)) {
            assertEquals(out.substring(out.indexOf("Methods:")), o.substring(o.indexOf("Methods:")));
        }
    }

    @Test
    void method_real_tokenPicksOneOverloadWithItsVariantAndStub() {
        String out = ok("dump", "--method", "0x0600002B", ZIP.toString()).out();
        assertLines(out, "Methods: 3 selected", "  System.IO.Compression.ZipFile.OpenAsync",
                "    Token 0x0600002B  EntryRuntimeFunction 46  RVA 0x00005970  RuntimeFunctions [46, 47, 48]");
        assertLines(out, "  [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub",
                "    Token 0x00000000  EntryRuntimeFunction 117  RVA 0x00006DA0  RuntimeFunctions [117]",
                "  [ASYNC] System.IO.Compression.ZipFile.OpenAsync",
                "    Token 0x0600002B  EntryRuntimeFunction 127  RVA 0x00006F80  RuntimeFunctions [127, 128, 129]");
        assertLines(out, "    Fixup ImportSection 5, slot 102: ResumptionStubEntryPoint stub RVA 0x6DA0",
                "    EH Flags 00 TryOff 005E (RVA 6FDE) TryEnd 0095 (RVA 7015) HndOff 0259 (RVA 71D9) HndEnd 026D (RVA 71ED) ClsFlt 1000001 CATCH: System.Object",
                "    EH Flags 04 TryOff 003C (RVA 6FBC) TryEnd 00EB (RVA 706B) HndOff 026D (RVA 71ED) HndEnd 0290 (RVA 7210) ClsFlt 0000 FAULT", "",
                "Resumption stubs: 1 selected",
                "  RVA 0x00006DA0  RuntimeFunction 117  cell ImportSection 5[102]  owner System.IO.Compression.ZipFile.OpenAsync (0x0600002B)");
        assertLines(out, "Runtime functions: 7 selected",
                "  [46] 0x00005970-0x00005A02  unwind 0x00001D60  System.IO.Compression.ZipFile.OpenAsync",
                "  [47] 0x00005A02-0x00005A26  unwind 0x00001DB4  funclet of System.IO.Compression.ZipFile.OpenAsync",
                "  [48] 0x00005A26-0x00005A3A  unwind 0x00001DC0  funclet of System.IO.Compression.ZipFile.OpenAsync",
                "  [117] 0x00006DA0-0x00006DD9  unwind 0x00002414  [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub",
                "  [127] 0x00006F80-0x000071D9  unwind 0x00002490  [ASYNC] System.IO.Compression.ZipFile.OpenAsync",
                "  [128] 0x000071D9-0x000071ED  unwind 0x00002570  funclet of [ASYNC] System.IO.Compression.ZipFile.OpenAsync",
                "  [129] 0x000071ED-0x00007210  unwind 0x0000257C  funclet of [ASYNC] System.IO.Compression.ZipFile.OpenAsync");
        assertFalse(out.contains("0x0600002A"), "the other overload is not selected");
        // By name, both overloads come (ZipFile.OpenAsync has two), with the one variant and stub.
        assertLines(ok("dump", "--method", "ZipFile.OpenAsync", ZIP.toString()).out(), "Methods: 4 selected");
    }

    @Test
    void method_disasm_regionsOfTheFamilyOnly() {
        String out = ok("dump", "--disasm", "--method", "0x0600002B", ZIP.toString()).out();
        assertLines(out, "Disassembly: 7 regions", "", "Method System.IO.Compression.ZipFile.OpenAsync  RVA 0x00005970-0x00005A02  RuntimeFunction 46");
        assertLines(out, "[RESUME] Stub System.IO.Compression.ZipFile.OpenAsync$ResumptionStub  RVA 0x00006DA0-0x00006DD9  RuntimeFunction 117",
                "  00006DA0: 56                       push rsi                                    ");
        assertLines(out, "[ASYNC] Method System.IO.Compression.ZipFile.OpenAsync  RVA 0x00006F80-0x000071D9  RuntimeFunction 127");
        assertFalse(out.contains("Thunk "), "a selection leaves the import thunks out");
    }

    @Test
    void method_json_selectedMethodsAndSelectionField() {
        JsonObject o = JsonParser.parseString(ok("dump", "--json", "--method", "0x0600002B", ZIP.toString()).out()).getAsJsonObject();
        JsonArray methods = o.getAsJsonArray("methods");
        assertEquals(3, methods.size());
        List<String> variants = new ArrayList<>();
        methods.forEach(m -> variants.add(m.getAsJsonObject().get("variant").getAsString() + " "
                + m.getAsJsonObject().get("runtimeFunction").getAsInt()));
        assertEquals(List.of("method 46", "resume 117", "async 127"), variants);
        assertEquals(1, o.getAsJsonArray("resumptionStubs").size());
        assertEquals(0x6DA0, o.getAsJsonArray("resumptionStubs").get(0).getAsJsonObject().get("rva").getAsInt());
        JsonObject sel = o.getAsJsonObject("selection");
        assertEquals("--method 0x0600002B", sel.get("selectors").getAsString());
        assertEquals("[46,47,48,117,127,128,129]", sel.getAsJsonArray("runtimeFunctions").toString());
        assertEquals(84, o.get("methodDefEntryPoints").getAsInt(), "the image's own figures stay whole");
        assertEquals(10, o.get("instanceEntryPoints").getAsInt());
    }

    // ---- --runtime-function, --section, --cell ----

    @Test
    void runtimeFunction_real_theFunctionAndItsMethod() {
        String out = ok("dump", "--runtime-function", "117", ZIP.toString()).out();
        assertLines(out, "Methods: 1 selected", "  [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub",
                "    Token 0x00000000  EntryRuntimeFunction 117  RVA 0x00006DA0  RuntimeFunctions [117]");
        assertLines(out, "Runtime functions: 1 selected",
                "  [117] 0x00006DA0-0x00006DD9  unwind 0x00002414  [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub");
    }

    @Test
    void runtimeFunction_emitted_aFuncletlessStub() {
        Path img = nested(dir, Architecture.ARM64, StubLayout.GROUPED);
        // grouped: the stubs right after the three Task-returning methods and their two funclets each
        String out = ok("dump", "--runtime-function", "0x9", img.toString()).out();
        assertLines(out, "Methods: 1 selected", "  [RESUME] Demo.Nested.A$ResumptionStub");
        assertTrue(out.contains("  [9] 0x"), out);
    }

    @Test
    void section_byNameOrId_printsTheRowAndWhatDumpParsesOfIt() {
        String byName = ok("dump", "--section", "runtimefunctions", ZIP.toString()).out();
        String byId = ok("dump", "--section", "102", ZIP.toString()).out();
        assertEquals(byName.substring(byName.indexOf("Sections:")), byId.substring(byId.indexOf("Sections:")));
        assertLines(byName, "Sections: 1 selected", "  RuntimeFunctions            (102)  RVA 0x000032A0  Size 0x00000784");
        assertTrue(byName.contains("  [117] 0x00006DA0-0x00006DD9  unwind 0x00002414"), "the parsed runtime functions follow");
        Path img = nested(dir, Architecture.X64, StubLayout.ADJACENT);
        String imports = ok("dump", "--section", "ImportSections", img.toString()).out();
        // PrecodeImports at 0x30A0 (.data after two pages of code); the signature 38 B0 13 00 00 at 0x1A65
        assertTrue(imports.contains("    [1] RVA 0x000030A8  value 0x0  sig 0x00001994  ResumptionStubEntryPoint stub RVA 0x1340"), imports);
    }

    @Test
    void cell_byNameOrIndex_withTheFixupListsThatNameIt() {
        String out = ok("dump", "--cell", "PrecodeImports:102", "--cell", "5:102", ZIP.toString()).out();
        assertLines(out, "Cells: 1 selected", "  PrecodeImports[102] (ImportSection 5)",
                "    [102] RVA 0x00011B20  value 0x0  sig 0x000127F3  ResumptionStubEntryPoint stub RVA 0x6DA0",
                "    in the fixup list of [ASYNC] System.IO.Compression.ZipFile.OpenAsync",
                "    registers [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub");
        Path img = nested(dir, Architecture.X64, StubLayout.ADJACENT);
        assertLines(ok("dump", "--cell", "MethodImports:0", img.toString()).out(), "  MethodImports[0] (ImportSection 4)");
    }

    @Test
    void emptySelection_saysSoAndExits0() {
        CliDumpTest.Result r = ok("dump", "--method", "NoSuchMethod", "--runtime-function", "100000", ZIP.toString());
        assertLines(r.out(), "Selection:       --method NoSuchMethod --runtime-function 100000",
                "Nothing in this image matches the selection.");
    }

    @Test
    void badSelectors_oneLineStatus2() {
        assertBadInput("--runtime-function: 'abc' is not a non-negative number", "dump", "--runtime-function", "abc", ZIP.toString());
        assertBadInput("--section: 'Bogus' is neither a section id nor a READYTORUN_SECTION name (e.g. ImportSections, RuntimeFunctions,"
                + " MethodDefEntryPoints)", "dump", "--section", "Bogus", ZIP.toString());
        assertBadInput("--cell: 'MethodImports' is not SECTION:SLOT (e.g. MethodImports:3 or 4:3)", "dump", "--cell", "MethodImports", ZIP.toString());
        assertBadInput("--method: 0x0A000001 is not a MethodDef token (0x06xxxxxx)", "dump", "--method", "0x0A000001", ZIP.toString());
        assertBadInput("dump --hide-offsets needs --naked", "dump", "--hide-offsets", ZIP.toString());
        assertBadInput("dump --json cannot be combined with --naked, --normalize or --hide-offsets (they shape text)", "dump", "--json", "--naked",
                ZIP.toString());
    }

    // ---- views ----

    /**
     * {@code --gc} on ZipFile's {@code System.SR.Format} (GcInfo RVA 0x18D0, the 19 bytes GcInfoTest decodes bit by
     * bit): r2rdump's layout, the live tracked slots at each safepoint with the flags printed where they change.
     */
    @Test
    void gc_real_safepointsWithLiveSlotsAndTheSlotTable() {
        String out = ok("dump", "--gc", "--method", "System.SR.Format", ZIP.toString()).out();
        assertLines(out, "GC info: 1 methods",
                "  System.SR.Format",
                "    GcInfo RVA 0x000018D0",
                "    Version: 4",
                "    CodeLength: 202",
                "    ValidRangeStart: 0",
                "    ValidRangeEnd: 0",
                "    Wants Report Only Leaf: False",
                "    Size of parameter area: 0x0",
                "    NumSafePoints: 6",
                "    NumInterruptibleRanges: 0",
                "    SafePointOffsets:",
                "        0x0028: GC_SLOT_INTERIOR RAX; GC_SLOT_BASE RBX; RSI",
                "        0x0039: GC_SLOT_BASE RAX",
                "        0x0060: GC_SLOT_INTERIOR RAX; GC_SLOT_BASE RBX; RSI",
                "        0x0084: GC_SLOT_INTERIOR RAX; GC_SLOT_BASE RSI",
                "        0x00AD: no live slots",
                "        0x00C2: GC_SLOT_BASE RAX",
                "    InterruptibleRanges:",
                "    SlotTable:",
                "        NumSlots(7) = NumRegisters(4) + NumStackSlots(0) + NumUntracked(3)",
                "        GcSlots:",
                "            GC_SLOT_INTERIOR RAX",
                "            GC_SLOT_BASE RAX",
                "            GC_SLOT_BASE RBX",
                "            GC_SLOT_BASE RSI",
                "            GC_SLOT_INTERIOR, GC_SLOT_UNTRACKED GC_SP_REL+0x28",
                "            GC_SLOT_UNTRACKED GC_SP_REL+0x38",
                "            GC_SLOT_UNTRACKED GC_SP_REL+0x40",
                "    Size: 19 bytes");
    }

    /**
     * The async variant OpenAsync (GcInfo RVA 0x24A4, fully interruptible): its ranges, the stack slots with the
     * runtime's unsigned deltas (+0x10 after -0x30; r2rdump prints GC_FRAMEREG_REL+0xFFFFFF90), and its transitions,
     * the first being RCX live from the first range's start (the change at a chunk's offset 0 is not written) and dead
     * at 0x31.
     */
    @Test
    void gc_real_fullyInterruptibleRangesSlotsAndTransitions() {
        String out = ok("dump", "--gc", "--method", "0x0600002B", ZIP.toString()).out();
        assertLines(out, "    GcInfo RVA 0x000024A4",
                "    Version: 4",
                "    CodeLength: 656",
                "    ValidRangeStart: 0",
                "    ValidRangeEnd: 0",
                "    StackBaseRegister: RBP",
                "    Wants Report Only Leaf: True",
                "    Size of parameter area: 0x30",
                "    NumSafePoints: 0",
                "    NumInterruptibleRanges: 5",
                "    SafePointOffsets:",
                "    InterruptibleRanges:",
                "        start:36, end:269",
                "        start:274, end:283",
                "        start:288, end:601",
                "        start:605, end:620",
                "        start:625, end:655",
                "    SlotTable:",
                "        NumSlots(16) = NumRegisters(8) + NumStackSlots(5) + NumUntracked(3)");
        assertLines(out, "            GC_SLOT_BASE GC_FRAMEREG_REL-0x38",
                "            GC_SLOT_BASE GC_FRAMEREG_REL-0x30",
                "            GC_SLOT_BASE GC_FRAMEREG_REL+0x10",
                "            GC_SLOT_BASE GC_SP_REL+0x20",
                "            GC_SLOT_BASE GC_SP_REL+0x28",
                "            GC_SLOT_UNTRACKED GC_FRAMEREG_REL-0x28",
                "            GC_SLOT_UNTRACKED GC_FRAMEREG_REL-0x20",
                "            GC_SLOT_UNTRACKED GC_FRAMEREG_REL+0x30",
                "    Transitions:");
        assertLines(out, "        0x0031 RCX is dead");
        assertLines(out, "        0x005A RCX is live");
        assertLines(out, "    Size: 203 bytes");
    }

    @Test
    void gc_json_fieldsPerMethod() {
        JsonObject o = JsonParser.parseString(ok("dump", "--json", "--gc", "--method", "0x0600002B", ZIP.toString()).out()).getAsJsonObject();
        JsonArray gc = o.getAsJsonArray("gcInfo");
        assertEquals(3, gc.size(), "the method, its async variant and its stub");
        JsonObject stub = null;
        for (var e : gc) {
            if (e.getAsJsonObject().get("method").getAsString().equals("[RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub")) {
                stub = e.getAsJsonObject();
            }
        }
        assertEquals(117, stub.get("runtimeFunction").getAsInt());
        assertEquals(0x2424, stub.get("rva").getAsLong());
        assertEquals(6, stub.get("size").getAsInt());
        assertEquals(57, stub.get("codeLength").getAsInt());
        assertEquals("[{\"offset\":27,\"live\":[0,1,2]}]", stub.get("safePoints").toString());
        assertEquals("[\"GC_SLOT_INTERIOR RBX\",\"GC_SLOT_BASE RAX\",\"GC_SLOT_BASE RCX\"]", stub.get("slots").toString());
    }

    /**
     * GcInfo bytes after the first set to all ones: the header stays slim (bits 0 and 1 of 0x28 are 0), the code
     * length that starts at bit 2 never ends; the line names the method, the bit and the file offset of its byte.
     */
    @Test
    void gc_corruptBlob_namesTheMethodAndTheBit() throws Exception {
        byte[] image = Files.readAllBytes(ZIP);
        PeImage pe = PeImage.read(image);
        int offset = (int) pe.rvaToOffset("GcInfo", 0x18D0, 19);
        Arrays.fill(image, offset + 1, offset + 12, (byte) 0xFF);
        Path bad = dir.resolve("gc-corrupt.dll");
        Files.write(bad, image);
        String out = ok("dump", "--gc", "--method", "System.SR.Format", bad.toString()).out();
        assertLines(out, "  System.SR.Format",
                String.format("    unreadable: GcInfo of System.SR.Format at file offset 0x%x: code length at bit 2: var-length integer longer than 32 bits",
                        offset));
    }

    @Test
    void unwind_real_x64RecordWithPersonalityRoutine() {
        String out = ok("dump", "--unwind", "--runtime-function", "117", ZIP.toString()).out();
        assertLines(out, "Unwind info: 1 runtime functions",
                "  [117] [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub  unwind 0x00002414",
                "    UNWIND_INFO Version 1  Flags 0x3 (EHANDLER UHANDLER)  SizeOfProlog 0x6  CountOfUnwindCodes 3  FrameRegister none  FrameOffset 0x0",
                "      +0x06 UWOP_ALLOC_SMALL 0x28",
                "      +0x02 UWOP_PUSH_NONVOL rbx",
                "      +0x01 UWOP_PUSH_NONVOL rsi",
                "    personality routine 0x00009B68 thunk through EagerImports[14] Helper PersonalityRoutine");
    }

    @Test
    void unwind_emitted_arm64XdataAndX64() {
        String arm = ok("dump", "--unwind", "--method", "Demo.Nested.A", nested(dir, Architecture.ARM64, StubLayout.ADJACENT).toString()).out();
        // .xdata at 0x1AEC: 1850000D 0140000A 83E102C8 8302C8E4 E4E4E4E4, then the personality routine 0x19E8, a thunk
        // (adrp x16 / ldr x16, [x16, #40] / br x16) through 0x3028, EagerImports[5]
        assertLines(arm, "  [10] [RESUME] Demo.Nested.A$ResumptionStub  unwind 0x00001A1C",
                "    .xdata FunctionLength 0x34  Vers 0  X 1  E 0  EpilogCount 1  CodeWords 3",
                "      epilog at +0x28, codes from index 5",
                "      codes: save_regp x19, x20, [sp, #16]; set_fp; save_fplr_x [sp, #-32]!; end; save_regp x19, x20, [sp, #16];"
                        + " save_fplr_x [sp, #-32]!; end; end; end; end",
                "    personality routine 0x00001918 thunk through EagerImports[5] Helper PersonalityRoutine");
        // the Task-returning method's catch funclet: fp/lr saved without set_fp, the same personality routine
        assertLines(arm, "  [1] funclet of Demo.Nested.A  unwind 0x00001970",
                "    .xdata FunctionLength 0x28  Vers 0  X 1  E 0  EpilogCount 1  CodeWords 1",
                "      epilog at +0x20, codes from index 0",
                "      codes: save_fplr_x [sp, #-16]!; end; end; end",
                "    personality routine 0x00001918 thunk through EagerImports[5] Helper PersonalityRoutine");
        String x64 = ok("dump", "--unwind", "--naked", "--method", "Demo.Nested.A", nested(dir, Architecture.X64, StubLayout.ADJACENT).toString()).out();
        assertLines(x64, "  [RESUME] Demo.Nested.A$ResumptionStub",
                "    UNWIND_INFO Version 1  Flags 0x3 (EHANDLER UHANDLER)  SizeOfProlog 0x7  CountOfUnwindCodes 3  FrameRegister none  FrameOffset 0x0",
                "      +0x07 UWOP_ALLOC_SMALL 0x28",
                "      +0x03 UWOP_PUSH_NONVOL r12",
                "      +0x01 UWOP_PUSH_NONVOL rbx",
                "    personality routine thunk through EagerImports[5] Helper PersonalityRoutine");
    }

    @Test
    void entryPoints_emittedAndReal() {
        String out = ok("dump", "--entry-points", "--method", "A", nested(dir, Architecture.X64, StubLayout.ADJACENT).toString()).out();
        assertLines(out, "Entry points: MethodDefEntryPoints 3 of 3 slots, InstanceMethodEntryPoints 3",
                "  MethodDef 0x06000001 Demo.Nested.A  RuntimeFunction 0  fixups 0",
                "  Instance [ASYNC] Demo.Nested.A (0x06000001, flags 0x100)  RuntimeFunction 9  fixups 2",
                "    Fixup ImportSection 5, slot 0: ContinuationLayout System.Runtime.CompilerServices.Continuation flags 0xE size 24 gcmap 05",
                "    Fixup ImportSection 5, slot 1: ResumptionStubEntryPoint stub RVA 0x1340");
        String real = ok("dump", "--entry-points", "--method", "0x0600002B", ZIP.toString()).out();
        assertLines(real, "Entry points: MethodDefEntryPoints 84 of 91 slots, InstanceMethodEntryPoints 10",
                "  MethodDef 0x0600002B System.IO.Compression.ZipFile.OpenAsync  RuntimeFunction 46  fixups 8");
        assertLines(real, "  Instance [ASYNC] System.IO.Compression.ZipFile.OpenAsync (0x0600002B, flags 0x100)  RuntimeFunction 127  fixups 7");
    }

    @Test
    void sectionContents_theBytesOfTheSection() {
        String compiler = "Crossgen2 11.0.26.23115";
        String out = ok("dump", "--section", "CompilerIdentifier", "--section-contents", ZIP.toString()).out();
        // 23 bytes: the identifier without its terminator
        assertLines(out, "Section contents: 1 sections", "  CompilerIdentifier (100)  RVA 0x00004888  Size 0x17",
                "    00004888: 43 72 6F 73 73 67 65 6E 32 20 31 31 2E 30 2E 32 |" + compiler.substring(0, 16) + "|",
                "    00004898: 36 2E 32 33 31 31 35" + " ".repeat(28) + "|" + compiler.substring(16) + "|");
        JsonObject o = JsonParser.parseString(ok("dump", "--json", "--section", "CompilerIdentifier", "--section-contents", ZIP.toString()).out())
                .getAsJsonObject();
        JsonObject s = o.getAsJsonArray("sectionContents").get(0).getAsJsonObject();
        assertEquals(100, s.get("type").getAsInt());
        assertEquals(HexFormat.of().formatHex(compiler.getBytes(StandardCharsets.US_ASCII)), s.get("hex").getAsString());
    }

    @Test
    void views_json_unwindAndEntryPointFields() {
        JsonObject o = JsonParser.parseString(ok("dump", "--json", "--unwind", "--entry-points", "--runtime-function", "117", ZIP.toString()).out())
                .getAsJsonObject();
        JsonObject u = o.getAsJsonArray("unwind").get(0).getAsJsonObject();
        assertEquals(117, u.get("runtimeFunction").getAsInt());
        assertEquals(0x2414, u.get("unwindRva").getAsInt());
        assertEquals("x64", u.get("format").getAsString());
        assertEquals(3, u.get("flags").getAsInt());
        assertEquals(6, u.get("sizeOfProlog").getAsInt());
        assertEquals("[\"+0x06 UWOP_ALLOC_SMALL 0x28\",\"+0x02 UWOP_PUSH_NONVOL rbx\",\"+0x01 UWOP_PUSH_NONVOL rsi\"]", u.get("codes").toString());
        assertEquals(0x9B68, u.get("personalityRva").getAsInt());
        assertEquals("thunk through EagerImports[14] Helper PersonalityRoutine", u.get("personality").getAsString());
        JsonObject ep = o.getAsJsonObject("entryPoints");
        assertEquals(0, ep.getAsJsonArray("methodDef").size(), "the selected stub has no entry point of its own");
        assertEquals(0, ep.getAsJsonArray("instance").size());
        JsonObject whole = JsonParser.parseString(ok("dump", "--json", "--entry-points", ZIP.toString()).out()).getAsJsonObject();
        assertEquals(84, whole.getAsJsonObject("entryPoints").getAsJsonArray("methodDef").size());
        assertEquals(10, whole.getAsJsonObject("entryPoints").getAsJsonArray("instance").size());
        assertFalse(whole.has("unwind"), "views appear only when asked for");
    }

    // ---- --naked, --hide-offsets, --normalize ----

    @Test
    void naked_namesAddressesAndLeavesOutRvas() {
        String out = ok("dump", "--disasm", "--naked", "--method", "Demo.Nested.A", nested(dir, Architecture.X64, StubLayout.ADJACENT).toString()).out();
        assertLines(out, "[RESUME] Stub Demo.Nested.A$ResumptionStub  size 0x2B",
                "  +0x0000: push rbx",
                "  +0x0001: push r12",
                "  +0x0003: sub rsp, 0x28",
                "  +0x0007: mov rbx, rdx",
                "  +0x000A: xor edx, edx",
                "  +0x000C: call [ASYNC] Demo.Nested.A",
                "  +0x0011: mov r12, rcx",
                "  +0x0014: test r12, r12",
                "  +0x0017: jne [RESUME] Demo.Nested.A$ResumptionStub+0x20");
        // llvm-objdump-14: 0x1197 (+0xD7 of the variant at 0x10C0) loads 0x2088, then calls through 0x2010
        assertLines(out, "  +0x00D7: mov rdx, qword ptr [PrecodeImports[0]]  ; -> PrecodeImports[0] ContinuationLayout"
                + " System.Runtime.CompilerServices.Continuation flags 0xE size 24 gcmap 05",
                "  +0x00DE: call qword ptr [EagerImports[2]]  ; -> EagerImports[2] Helper AllocContinuation");
        assertLines(out, "  [ASYNC] Demo.Nested.A", "    Token 0x06000001  Size 0x188  RuntimeFunctions 1",
                "    Fixup PrecodeImports[0] ContinuationLayout System.Runtime.CompilerServices.Continuation flags 0xE size 24 gcmap 05",
                "    Fixup PrecodeImports[1] ResumptionStubEntryPoint stub Demo.Nested.A$ResumptionStub");
        assertFalse(out.contains("RVA 0x"), out);
        String arm = ok("dump", "--disasm", "--naked", "--hide-offsets", "--method", "Demo.Nested.A",
                nested(dir, Architecture.ARM64, StubLayout.ADJACENT).toString()).out();
        // the record at 0x18A8 holds the stub 0x1380 and 0x11E8, +0xC8 in the variant at 0x1120
        assertLines(arm, "  adrp x9, ResumeInfo {[RESUME] Demo.Nested.A$ResumptionStub, [ASYNC] Demo.Nested.A+0xC8}",
                "  add x9, x9, :lo12:ResumeInfo {[RESUME] Demo.Nested.A$ResumptionStub, [ASYNC] Demo.Nested.A+0xC8}"
                        + "  ; x9 = ResumeInfo {[RESUME] Demo.Nested.A$ResumptionStub, [ASYNC] Demo.Nested.A+0xC8}");
        assertLines(arm, "  adrp x11, EagerImports[2]", "  add x11, x11, :lo12:EagerImports[2]  ; x11 = EagerImports[2] Helper AllocContinuation");
    }

    @Test
    void naked_real_stubWithoutOffsets() {
        String out = ok("dump", "--disasm", "--naked", "--hide-offsets", "--runtime-function", "117", ZIP.toString()).out();
        assertLines(out, "[RESUME] Stub System.IO.Compression.ZipFile.OpenAsync$ResumptionStub  size 0x39",
                "  push rsi", "  push rbx", "  sub rsp, 0x28", "  mov rbx, rdx", "  xor edx, edx", "  mov qword ptr [rsp + 0x20], rdx",
                "  xor r8d, r8d", "  xor r9d, r9d", "  call [ASYNC] System.IO.Compression.ZipFile.OpenAsync", "  mov rsi, rcx", "  test rsi, rsi",
                "  jne [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub+0x2F", "  mov rcx, rbx", "  mov rdx, rax",
                "  call qword ptr [EagerImports[11]]  ; -> EagerImports[11] Helper CheckedWriteBarrier", "  mov rax, rsi", "  add rsp, 0x28",
                "  pop rbx", "  pop rsi", "  ret");
    }

    @Test
    void nakedNormalized_adjacentAndGroupedLayoutsDumpAlike() {
        for (Architecture arch : Architecture.values()) {
            Path adjacent = nested(dir, arch, StubLayout.ADJACENT);
            Path grouped = nested(dir, arch, StubLayout.GROUPED);
            String a = ok("dump", "--disasm", "--unwind", "--entry-points", "--naked", "--normalize", adjacent.toString()).out();
            String g = ok("dump", "--disasm", "--unwind", "--entry-points", "--naked", "--normalize", grouped.toString()).out();
            assertEquals(a.substring(a.indexOf('\n')), g.substring(g.indexOf('\n')), arch + ": only the file name differs");
            // Without --normalize the runtime function order shows the layout.
            String an = ok("dump", "--naked", adjacent.toString()).out();
            String gn = ok("dump", "--naked", grouped.toString()).out();
            assertFalse(an.substring(an.indexOf('\n')).equals(gn.substring(gn.indexOf('\n'))), arch.toString());
            // sorted by label; the sizes are the RUNTIME_FUNCTION extents the Python oracle reads
            boolean x64 = arch == Architecture.X64;
            assertLines(a, "Runtime functions: 15",
                    "  Demo.Nested.A  size 0x" + (x64 ? "5B" : "88"),
                    "  Demo.Nested.B  size 0x" + (x64 ? "5B" : "88"),
                    "  Demo.Nested.C  size 0x" + (x64 ? "5B" : "88"),
                    "  [ASYNC] Demo.Nested.A  size 0x" + (x64 ? "188" : "1E4"),
                    "  [ASYNC] Demo.Nested.B  size 0x" + (x64 ? "17D" : "1DC"),
                    "  [ASYNC] Demo.Nested.C  size 0x" + (x64 ? "165" : "1C4"),
                    "  [RESUME] Demo.Nested.A$ResumptionStub  size 0x" + (x64 ? "2B" : "34"),
                    "  [RESUME] Demo.Nested.B$ResumptionStub  size 0x" + (x64 ? "2B" : "34"),
                    "  [RESUME] Demo.Nested.C$ResumptionStub  size 0x" + (x64 ? "2B" : "34"),
                    "  funclet 1 of Demo.Nested.A  size 0x" + (x64 ? "1A" : "28"),
                    "  funclet 1 of Demo.Nested.B  size 0x" + (x64 ? "1A" : "28"),
                    "  funclet 1 of Demo.Nested.C  size 0x" + (x64 ? "1A" : "28"),
                    "  funclet 2 of Demo.Nested.A  size 0x" + (x64 ? "13" : "20"),
                    "  funclet 2 of Demo.Nested.B  size 0x" + (x64 ? "13" : "20"),
                    "  funclet 2 of Demo.Nested.C  size 0x" + (x64 ? "13" : "20"));
        }
    }
}
