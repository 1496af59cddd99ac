package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/** {@code r2rlab run} as a user runs it: emitted images, synchronous and async entry points. */
class CliRunTest {
    private static Path emit(Path dir, String example, String arch) {
        Path out = dir.resolve(example.replace(".yaml", "") + "-" + arch + ".dll");
        CliDumpTest.Result r = CliDumpTest.run("emit", Fixtures.repositoryRoot().resolve("examples").resolve(example).toString(),
                "-o", out.toString(), "--arch", arch);
        assertEquals(0, r.status(), r.err());
        return out;
    }

    @Test
    void synchronousEntry_withArgsAndTrace(@TempDir Path dir) {
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, "calls.yaml", arch);
            CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Main", "--trace");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().endsWith("result: 171\n"), r.out());
            // Main's five callees and Chain's tail jump: six cells, each resolved once.
            assertEquals(6, r.out().lines().filter(l -> l.startsWith("trace: DelayLoad_MethodCall")).count(), r.out());
            CliDumpTest.Result clamp = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Clamp", "--arg", "5000", "--arg", "0",
                    "--arg", "100");
            assertEquals("result: 100", clamp.out().strip());
        }
    }

    /** A reference result is shown by what it holds, never by its address (which a moving collector changes). */
    @Test
    void referenceResult_showsTheObject(@TempDir Path dir) {
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, "gc-refs.yaml", arch);
            // Chain(2): the Box of depth 2 holding 2 + 1 + 0
            CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Refs.Chain", "--arg", "2");
            assertEquals(0, r.status(), r.err());
            assertEquals("result: Box{value=3}", r.out().strip());
            // an integer result is still the number
            assertEquals("result: 42", CliDumpTest.run("run", img.toString(), "--entry", "Demo.Refs.Main").out().strip());
        }
    }

    @Test
    void asyncEntry_runsThroughTheDispatcher(@TempDir Path dir) {
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, "async-nested.yaml", arch);
            CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Nested.A", "--arg", "1", "--trace");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().endsWith("result: 208\n"), r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("trace: ") && l.contains("resume")), r.out());
        }
    }

    /**
     * A collection that finds a problem fails the run (as GC heap verification does): the short continuation map of
     * continuation-map-short leaves Keep's Box stale; the result is printed, the problems go to stderr, the status is 1.
     */
    @Test
    void gcStress_aStaleReferenceFailsTheRun(@TempDir Path dir) {
        String scenario = Fixtures.repositoryRoot().resolve("regressions/scenarios/wide-continuation.yaml").toString();
        for (String arch : new String[] {"x64", "arm64"}) {
            Path fixed = dir.resolve("fixed-" + arch + ".dll");
            Path buggy = dir.resolve("buggy-" + arch + ".dll");
            assertEquals(0, CliDumpTest.run("emit", scenario, "-o", fixed.toString(), "--arch", arch).status());
            assertEquals(0, CliDumpTest.run("emit", scenario, "-o", buggy.toString(), "--arch", arch, "--defect", "continuation-map-short").status());
            CliDumpTest.Result ok = CliDumpTest.run("run", fixed.toString(), "--entry", "Demo.B8.Keep", "--arg", "7", "--gc-stress");
            assertEquals(0, ok.status(), ok.err());
            assertEquals("result: 743", ok.out().strip());
            assertEquals("", ok.err());
            CliDumpTest.Result bad = CliDumpTest.run("run", buggy.toString(), "--entry", "Demo.B8.Keep", "--arg", "7", "--gc-stress");
            assertEquals(1, bad.status(), bad.err());
            assertEquals("result: 1610613211", bad.out().strip());
            List<String> err = bad.err().lines().collect(Collectors.toList());
            assertEquals(2, err.size(), bad.err());
            assertEquals("gc: 21 collection(s) reported 1 problem(s)", err.get(0));
            assertEquals("gc: GC #10: Continuation_72 0x64000000 (resumed through [RESUME] Demo.B8.Keep$ResumptionStub) +0x60, cell 8 of its"
                    + " data, clear in its GC map, holds 0x6A000020, a Box in the semispace this collection left: a stale reference, neither"
                    + " traced nor updated", err.get(1));
            // without collections nothing moves and the short map does no harm
            assertEquals("result: 743", CliDumpTest.run("run", buggy.toString(), "--entry", "Demo.B8.Keep", "--arg", "7").out().strip());
        }
    }

    @Test
    void unhandledException_status1(@TempDir Path dir) {
        Path img = emit(dir, "async-exception.yaml", "x64");
        CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Faults.Caller");
        assertEquals(1, r.status(), r.out() + r.err());
        // then the stack trace the dispatches recorded in the exception object: the throw after Fail's resumption, and
        // the rethrow in Caller's resumed variant, each frame a return address
        assertEquals(String.join("\n", "exception: 5 (Throw)", "   at [ASYNC] Demo.Faults.Fail+0x90", "   at [RESUME] Demo.Faults.Fail$ResumptionStub+0x11",
                "   at [ASYNC] Demo.Faults.Caller+0x14C", "   at [RESUME] Demo.Faults.Caller$ResumptionStub+0xF"), r.out().strip());
    }

    /** B1 from the command line: tier-up between suspension and resumption, fixed and buggy stubs. */
    @Test
    void tierUpAfterSuspension_b1(@TempDir Path dir) throws Exception {
        Path scenario = dir.resolve("b1.yaml");
        Files.writeString(scenario, String.join("\n", "module: B1", "types:", "  - name: Demo.Tiering", "    methods:",
                "      - name: Hot", "        async: true", "        tier1: true", "        params: [n]", "        returns: int",
                "        body: |", "          var a = n * 3", "          var b = n + 100", "          await yield", "          return a - b", ""));
        for (String arch : new String[] {"x64", "arm64"}) {
            Path fixed = dir.resolve("fixed.dll");
            Path buggy = dir.resolve("buggy.dll");
            assertEquals(0, CliDumpTest.run("emit", scenario.toString(), "-o", fixed.toString(), "--arch", arch).status());
            assertEquals(0, CliDumpTest.run("emit", scenario.toString(), "-o", buggy.toString(), "--arch", arch, "--defect", "B1").status());
            CliDumpTest.Result f = CliDumpTest.run("run", fixed.toString(), "--entry", "Demo.Tiering.Hot", "--arg", "10", "--tier-up-after", "1",
                    "--trace");
            assertTrue(f.out().contains("trace: tier-up: Demo.Tiering.Hot now runs Tier1 code"), f.out());
            assertTrue(f.out().endsWith("result: -80\n"), f.out());
            CliDumpTest.Result b = CliDumpTest.run("run", buggy.toString(), "--entry", "Demo.Tiering.Hot", "--arg", "10", "--tier-up-after", "1");
            assertTrue(!b.out().contains("result: -80"), "the R2R continuation resumed in Tier1 code: " + b.out() + b.err());
        }
    }

    /** B2 from the command line: a tail jump that leaves x11 stale trips the worker's checked-build assertion. */
    @Test
    void staleX11_faultReport(@TempDir Path dir) throws Exception {
        Path scenario = dir.resolve("b2.yaml");
        Files.writeString(scenario, String.join("\n", "module: B2", "types:", "  - name: Demo.B2", "    methods:",
                "      - name: Main", "        returns: int", "        body: |", "          var m = call cell Demo.B2.Add(1, 2)",
                "          gcpoint", "          tailcall cell Demo.B2.Add(m, 10)", "      - name: Add", "        params: [a, b]",
                "        returns: int", "        body: |", "          return a + b", ""));
        Path fixed = dir.resolve("fixed.dll");
        Path buggy = dir.resolve("buggy.dll");
        assertEquals(0, CliDumpTest.run("emit", scenario.toString(), "-o", fixed.toString(), "--arch", "arm64").status());
        assertEquals(0, CliDumpTest.run("emit", scenario.toString(), "-o", buggy.toString(), "--arch", "arm64", "--defect", "jmp-epilog-x16").status());
        assertEquals("result: 13", CliDumpTest.run("run", fixed.toString(), "--entry", "Demo.B2.Main").out().strip());
        CliDumpTest.Result r = CliDumpTest.run("run", buggy.toString(), "--entry", "Demo.B2.Main");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("FAULT: RUNTIME_ASSERTION"), r.err());
        assertTrue(r.err().contains("ASSERT FAILED: pImportSection == pModule->GetImportSectionForRVA(rva)"), r.err());
        assertTrue(r.err().contains("; x11 = EagerImports[1] Helper GCPoll"), r.err());
    }

    /**
     * Real crossgen2 code loads (checks pass, handles are heap blocks) and runs until it needs what the model lacks,
     * on a CPU stated as x86-64-v2: its Eager cell asks for X86Base, which the emulated CPU lacks (no POPCNT).
     */
    @Test
    void realImage_runsUntilAnExternalCall_thenReportsCleanly() throws Exception {
        String img = Fixtures.r2r("asmresolver__ReadyToRunTest__AMD64-Windows__r2r5.4.dll").toString();
        CliDumpTest.Result refused = CliDumpTest.run("run", img, "--entry", "0x06000001");
        assertEquals(2, refused.status());
        assertTrue(refused.err().endsWith("the runtime rejects the image's R2R code: all R2R code of "
                + "asmresolver__ReadyToRunTest__AMD64-Windows__r2r5.4.dll disabled: its Eager Check_InstructionSetSupport fixup needs "
                + "X86Base, which the emulated CPU lacks (--cpu emulated; Check_InstructionSetSupport X86Base+ Sse+ Sse2+)\n"), refused.err());
        CliDumpTest.Result r = CliDumpTest.run("run", img, "--entry", "0x06000001", "--cpu", "x86-64-v2");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("FAULT: RUNTIME_ERROR"), r.err());
        assertTrue(r.err().contains("could not resolve System.Console.WriteLine"), r.err());
        // The report is at the call that reached the helper through the delay-load thunk: call [rip+disp32] (FF 15).
        assertTrue(r.err().contains("\n  pc:      0x18000184E  in Program.Main+0xE\n"), r.err());
        assertTrue(r.err().contains("\n  method:  Program.Main\n"), r.err());
        byte[] file = Files.readAllBytes(Path.of(img));
        R2RImage read = R2RImage.read("asmresolver", file);
        long at = read.pe().rvaToOffset("call", 0x184E, 6);
        assertEquals(0xFF, file[(int) at] & 0xFF);
        assertEquals(0x15, file[(int) at + 1]);
        assertTrue(!r.err().contains("Exception"), r.err());
        CliDumpTest.Result x86 = CliDumpTest.run("run", Fixtures.r2r("binskim__Binskim.win-x86.RTR__I386-Windows__r2r2.2.dll").toString(),
                "--entry", "0x06000001");
        assertEquals(2, x86.status());
        assertTrue(x86.err().endsWith("the emulator runs x64 and ARM64 images; this one is x86\n"), x86.err());
    }

    /** A guest fault: the report on standard error, nothing on standard output, status 1. */
    @Test
    void faultingRun_status1(@TempDir Path dir) throws Exception {
        Path img = emit(dir, "calls.yaml", "x64");
        byte[] bytes = Files.readAllBytes(img);
        R2RImage read = R2RImage.read("calls.dll", bytes);
        ReadyToRunMethod square = read.methods().stream().filter(m -> m.name().equals("Demo.Calls.Square")).findFirst().orElseThrow();
        int at = (int) read.pe().rvaToOffset("Square", square.entryRva(), 8);
        // mov rax, qword ptr [0xdead000]
        System.arraycopy(new byte[] {0x48, (byte) 0x8b, 0x04, 0x25, 0x00, (byte) 0xd0, (byte) 0xea, 0x0d}, 0, bytes, at, 8);
        Path faulting = dir.resolve("faulting.dll");
        Files.write(faulting, bytes);
        CliDumpTest.Result r = CliDumpTest.run("run", faulting.toString(), "--entry", "Demo.Calls.Main");
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("FAULT: READ_UNMAPPED\n"), r.err());
        assertTrue(r.err().contains("  address: 0xDEAD000\n"), r.err());
        assertTrue(r.err().contains("  method:  Demo.Calls.Square\n"), r.err());
    }

    /** Entries that cannot run are bad input: one line naming why, status 2, whatever the image. */
    @Test
    void entryThatCannotRun_status2(@TempDir Path dir) {
        Path img = emit(dir, "calls.yaml", "x64");
        CliDumpTest.Result none = CliDumpTest.run("run", img.toString(), "--entry", "0x06000099");
        assertEquals(2, none.status(), none.out() + none.err());
        assertEquals("r2rlab: 0x06000099 is MethodDef row 153, but the MethodDef table of calls-x64.dll has 7 rows", none.err().strip());
        assertEquals("", none.out());
        CliDumpTest.Result notMethodDef = CliDumpTest.run("run", img.toString(), "--entry", "0x0A000001");
        assertEquals(2, notMethodDef.status());
        assertEquals("r2rlab: 0x0A000001 is not a MethodDef token (0x06xxxxxx)", notMethodDef.err().strip());
        CliDumpTest.Result many = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Clamp", "--arg", "1", "--arg", "2",
                "--arg", "3", "--arg", "4", "--arg", "5");
        assertEquals(2, many.status());
        assertEquals("r2rlab: " + img + ": Demo.Calls.Clamp (0x06000005) takes 3 arguments, not 5", many.err().strip());
    }

    @Test
    void entryByToken_andUnknownName(@TempDir Path dir) {
        Path img = emit(dir, "calls.yaml", "x64");
        assertEquals("result: 171", CliDumpTest.run("run", img.toString(), "--entry", "0x06000001").out().strip());
        CliDumpTest.Result bad = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Nope");
        assertEquals(2, bad.status());
        assertEquals("r2rlab: no method with R2R code named Demo.Calls.Nope (see r2rlab dump)", bad.err().strip());
    }
}
