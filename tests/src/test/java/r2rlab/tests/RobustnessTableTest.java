package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.tests.CliDumpTest.Result;
import r2rlab.tests.PeFields.Field;

/**
 * Issue 13's table, row by row: each input as a user or an attacker would feed it, with the exact exit status and the
 * shape of the one line (or the report) it must give. Corrupt images are made here from emitted images and fixtures
 * (never committed); field offsets come from {@link PeFields}, this code's own reading of the bytes. (The row "an
 * async method that yields forever" belongs to the run-wide time limit, tested with it.)
 */
class RobustnessTableTest {
    private static final String[] DUMPS = {"dump", "dump --json", "dump --disasm"};

    private static Result cli(String... args) {
        return CliDumpTest.run(args);
    }

    private static Result cli(String command, Path image) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add(image.toString());
        return cli(args.toArray(new String[0]));
    }

    private static Path emit(Path dir, String scenario, String arch, String... extra) {
        Path out = dir.resolve(Path.of(scenario).getFileName().toString().replace(".yaml", "") + "-" + arch + ".dll");
        List<String> args = new ArrayList<>(List.of("emit", scenario, "-o", out.toString(), "--arch", arch));
        args.addAll(List.of(extra));
        Result r = cli(args.toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        return out;
    }

    private static String example(String name) {
        return Fixtures.examples().resolve(name).toString();
    }

    private static Path write(Path dir, String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    /** Exit 2 and exactly one line on standard error, nothing on standard output. */
    private static String oneLine(Result r) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        return r.err().strip();
    }

    // ------------------------------------------------------------------------------------------
    // A runtime function outside the image; the RuntimeFunctions section moved by one byte

    @Test
    void runtimeFunctionEndingFarOutsideTheImage(@TempDir Path dir) throws Exception {
        Path good = emit(dir, example("calls.yaml"), "x64");
        byte[] image = Files.readAllBytes(good);
        assertEquals(16384, image.length);
        PeFields pe = new PeFields(image);
        Field end = pe.field("RUNTIME_FUNCTION[0].EndAddress");
        long begin = pe.field("RUNTIME_FUNCTION[0].BeginAddress").value();
        long textEnd = pe.field("IMAGE_SECTION_HEADER[0].VirtualAddress").value()
                + Math.min(pe.field("IMAGE_SECTION_HEADER[0].VirtualSize").value(), pe.field("IMAGE_SECTION_HEADER[0].SizeOfRawData").value());
        Path bad = write(dir, "end.dll", PeFields.with(image, end, 0x7FFFFFFF));
        String expected = String.format("r2rlab: %s: RUNTIME_FUNCTION[0].EndAddress at file offset 0x%x: EndAddress 0x7FFFFFFF does not end"
                + " a function that begins at 0x%X in section .text (file data up to RVA 0x%X)", bad, end.offset(), begin, textEnd);
        for (String command : DUMPS) {
            assertEquals(expected, oneLine(cli(command, bad)), command);
        }
        assertEquals(expected, oneLine(cli("run", bad.toString(), "--entry", "Demo.Calls.Main")));

        // ARM64 stores no end: its unwind data RVA is checked the same way
        byte[] arm = Files.readAllBytes(emit(dir, example("calls.yaml"), "arm64"));
        Field unwind = new PeFields(arm).field("RUNTIME_FUNCTION[0].UnwindData");
        Path badArm = write(dir, "unwind.dll", PeFields.with(arm, unwind, 0x7FFFFFF0));
        assertEquals(String.format("r2rlab: %s: RUNTIME_FUNCTION[0].UnwindData at file offset 0x%x: UnwindData 0x7FFFFFF0 lies in no"
                + " section's file data", badArm, unwind.offset()), oneLine(cli("dump --disasm", badArm)));
    }

    @Test
    void runtimeFunctionsSectionMovedByOneByte(@TempDir Path dir) throws Exception {
        byte[] ping = Files.readAllBytes(Fixtures.net11("System.Net.Ping.dll"));
        PeFields pe = new PeFields(ping);
        Field rva = pe.fields().stream().filter(f -> f.name().matches("READYTORUN_SECTION\\[\\d+\\] \\(type 102\\)\\.VirtualAddress"))
                .findFirst().orElseThrow();
        Path bad = write(dir, "ping.dll", PeFields.with(ping, rva, rva.value() - 1));
        // the first entry now starts one byte early: its BeginAddress is the last byte before the table and three of the real one's
        int at = pe.offsetOfRva(rva.value() - 1);
        long begin = ByteBuffer.wrap(ping, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        String expected = String.format("r2rlab: %s: RUNTIME_FUNCTION[0].BeginAddress at file offset 0x%x: BeginAddress 0x%X lies in no"
                + " section's file data", bad, at, begin);
        for (String command : DUMPS) {
            assertEquals(expected, oneLine(cli(command, bad)), command);
        }
    }

    // ------------------------------------------------------------------------------------------
    // PE header values: SizeOfImage 0, a section at 0xFFFFF000, image bases the emulator cannot take

    @Test
    void headerValuesTheLoaderRejects(@TempDir Path dir) throws Exception {
        byte[] image = Files.readAllBytes(emit(dir, example("calls.yaml"), "x64"));
        PeFields pe = new PeFields(image);
        Field sizeOfImage = pe.field("OptionalHeader.SizeOfImage");
        long sectionsEnd = 0;
        for (int i = 0; i < pe.sectionCount; i++) {
            sectionsEnd = Math.max(sectionsEnd, pe.field("IMAGE_SECTION_HEADER[" + i + "].VirtualAddress").value()
                    + pe.field("IMAGE_SECTION_HEADER[" + i + "].VirtualSize").value());
        }
        Path zero = write(dir, "size0.dll", PeFields.with(image, sizeOfImage, 0));
        String expected = String.format("r2rlab: %s: IMAGE_OPTIONAL_HEADER64.SizeOfImage at file offset 0x%x: 0x0 does not cover the"
                + " sections, which are mapped up to RVA 0x%X", zero, sizeOfImage.offset(), sectionsEnd);
        assertEquals(expected, oneLine(cli("dump", zero)));
        assertEquals(expected, oneLine(cli("run", zero.toString(), "--entry", "Demo.Calls.Main")));

        Field va = pe.field("IMAGE_SECTION_HEADER[2].VirtualAddress");
        long vs = pe.field("IMAGE_SECTION_HEADER[2].VirtualSize").value();
        Path high = write(dir, "high.dll", PeFields.with(image, va, 0xFFFFF000L));
        String line = oneLine(cli("run", high.toString(), "--entry", "Demo.Calls.Main"));
        assertEquals(String.format("r2rlab: %s: IMAGE_OPTIONAL_HEADER64.SizeOfImage at file offset 0x%x: 0x%X does not cover the sections,"
                + " which are mapped up to RVA 0x%X", high, sizeOfImage.offset(), sizeOfImage.value(), 0xFFFFF000L + vs), line);
        byte[] far = PeFields.with(PeFields.with(image, va, 0xFFFFF000L), pe.field("IMAGE_SECTION_HEADER[2].VirtualSize"), 0x2000);
        Path past = write(dir, "past.dll", far);
        assertEquals(String.format("r2rlab: %s: IMAGE_SECTION_HEADER[2] (.reloc) at file offset 0x%x: VirtualAddress 0xFFFFF000 with"
                + " VirtualSize 0x2000 runs past the 4 GiB an image can span", past, va.offset()), oneLine(cli("dump", past)));
    }

    /** Bases the emulator's own memory takes, or that are not 64 KiB aligned: the image is rebased and runs. */
    @Test
    void imageBasesTheEmulatorCannotTakeAreMovedAndRun(@TempDir Path dir) throws Exception {
        for (String arch : new String[] {"x64", "arm64"}) {
            byte[] image = Files.readAllBytes(emit(dir, example("calls.yaml"), arch));
            long[] bases = {0x7000_0000L /* the stack */, 0x5000_0000L /* the trap page */, 0x6001_0000L /* the heap */,
                0x1_4000_0123L /* unaligned */};
            for (long base : bases) {
                Path moved = write(dir, "moved.dll", PeFields.movedTo(image, base));
                Result d = cli("dump", moved);
                assertEquals(0, d.status(), d.err());
                assertTrue(d.out().contains(String.format("ImageBase:       0x%X%n", base)), d.out());
                Result r = cli("run", moved.toString(), "--entry", "Demo.Calls.Main", "--trace");
                assertEquals(0, r.status(), arch + " " + Long.toHexString(base) + ": " + r.out() + r.err());
                assertTrue(r.out().contains(String.format("trace: image rebased from 0x%X to 0x140000000 (", base)), r.out());
                assertTrue(r.out().endsWith("result: 171\n"), r.out());
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // run's entry, arguments and options

    @Test
    void entryTokenBeyondTheMethodDefTable(@TempDir Path dir) {
        Path img = emit(dir, example("calls.yaml"), "x64");
        assertEquals("r2rlab: 0x06FFFFFF is MethodDef row 16777215, but the MethodDef table of calls-x64.dll has 7 rows",
                oneLine(cli("run", img.toString(), "--entry", "0x06FFFFFF")));
    }

    @Test
    void fewerArgumentsThanParameters_andStackArguments(@TempDir Path dir) throws Exception {
        Path img = emit(dir, example("calls.yaml"), "x64");
        assertEquals("r2rlab: " + img + ": Demo.Calls.Clamp (0x06000005) takes 3 arguments, not 1",
                oneLine(cli("run", img.toString(), "--entry", "Demo.Calls.Clamp", "--arg", "1")));
        // more arguments than registers: the rest on the stack, as the ABI says
        Path scenario = write(dir, "many.yaml", String.join("\n", "module: Many", "types:", "  - name: Demo.Many", "    methods:",
                "      - name: Sum", "        params: [a, b, c, d, e, f, g, h, i, j, k, l]", "        returns: int",
                "        body: return a - b + c * 3 + d + e + f + g + h + i + j * 100 + k - l * 7", "").getBytes(StandardCharsets.UTF_8));
        for (String arch : new String[] {"x64", "arm64"}) {
            Path many = emit(dir, scenario.toString(), arch);
            List<String> args = new ArrayList<>(List.of("run", many.toString(), "--entry", "Demo.Many.Sum"));
            for (int k = 1; k <= 12; k++) {
                args.addAll(List.of("--arg", Integer.toString(k)));
            }
            Result r = cli(args.toArray(new String[0]));
            assertEquals(0, r.status(), r.err());
            assertEquals("result: " + (1 - 2 + 3 * 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 * 100 + 11 - 12 * 7), r.out().strip());
        }
    }

    @Test
    void badOptionsGiveOneLine_usageOnlyWithHelp(@TempDir Path dir) {
        Path img = emit(dir, example("calls.yaml"), "x64");
        assertEquals("r2rlab: Invalid value for option '--arg' (N): 'abc' is not a long (see r2rlab run --help)",
                oneLine(cli("run", img.toString(), "--entry", "Demo.Calls.Main", "--arg", "abc")));
        assertEquals("r2rlab: Unknown option: '--bogus' (see r2rlab run --help)",
                oneLine(cli("run", img.toString(), "--entry", "Demo.Calls.Main", "--bogus")));
        assertEquals("r2rlab: Unknown option: '--bogus' (see r2rlab dump --help)", oneLine(cli("dump", "--bogus", img.toString())));
        assertEquals("r2rlab: Missing required option: '--arch=x64|arm64' (see r2rlab emit --help)",
                oneLine(cli("emit", example("calls.yaml"), "-o", dir.resolve("x.dll").toString())));
        assertEquals("r2rlab: Unmatched argument at index 0: 'bogus' (see r2rlab --help)", oneLine(cli("bogus")));
        assertEquals("r2rlab: no command given (dump, diff, emit, run, verify, repro or demo) (see r2rlab --help)", oneLine(cli()));
        Result help = cli("run", "--help");
        assertEquals(0, help.status());
        assertTrue(help.out().startsWith("Usage: r2rlab run "), help.out());
    }

    @Test
    void tierUpAfterBelowOne(@TempDir Path dir) {
        Path img = emit(dir, example("tiering.yaml"), "x64");
        for (String n : new String[] {"-5", "0"}) {
            assertEquals("r2rlab: --tier-up-after counts suspensions from 1, not " + n + " (see r2rlab run --help)",
                    oneLine(cli("run", img.toString(), "--entry", "Demo.Tiering.Hot", "--arg", "1", "--tier-up-after", n)));
        }
    }

    @Test
    void tierUpAfterOnAMethodWithoutTier1Code(@TempDir Path dir) {
        Path img = emit(dir, example("async-basic.yaml"), "arm64");
        assertEquals("r2rlab: " + img + ": Demo.Program.Main (0x06000001) has no Tier1 code version for --tier-up-after",
                oneLine(cli("run", img.toString(), "--entry", "Demo.Program.Main", "--tier-up-after", "1")));
    }

    // ------------------------------------------------------------------------------------------
    // Scenarios: nesting, ARM64 frames, tail calls, encodings, sizes

    private static Path scenario(Path dir, String name, String... bodyLines) throws Exception {
        List<String> lines = new ArrayList<>(List.of("module: S", "types:", "  - name: Demo.S", "    methods:", "      - name: M",
                "        params: [a]", "        returns: int", "        body: |"));
        for (String l : bodyLines) {
            lines.add("          " + l);
        }
        return write(dir, name, (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void deepNestingIsRefusedInOneLine_longChainsCompileAndRun(@TempDir Path dir) throws Exception {
        Path parens = scenario(dir, "parens.yaml", "return " + "(".repeat(3000) + "a" + ")".repeat(3000));
        String nesting = ": nesting deeper than 256 (blocks, else-ifs, parentheses, unary operators, call arguments)";
        assertEquals(parens + ":9" + nesting, oneLine(cli("emit", parens.toString(), "-o", dir.resolve("p.dll").toString(), "--arch", "x64")));
        List<String> ifs = new ArrayList<>(Collections.nCopies(2000, "if a {"));
        ifs.add("return 1");
        ifs.addAll(Collections.nCopies(2000, "}"));
        ifs.add("return 0");
        Path nested = scenario(dir, "ifs.yaml", ifs.toArray(new String[0]));
        assertEquals(nested + ":265" + nesting, oneLine(cli("emit", nested.toString(), "-o", dir.resolve("i.dll").toString(), "--arch", "x64")));
        Path sum = scenario(dir, "sum.yaml", "return " + String.join(" + ", Collections.nCopies(10_000, "a")));
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, sum.toString(), arch);
            Result r = cli("run", img.toString(), "--entry", "Demo.S.M", "--arg", "3");
            assertEquals("result: 30000", r.out().strip(), r.err());
        }
    }

    @Test
    void arm64FramesOfAnySizeRunAsOnX64(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>(List.of("module: F", "types:", "  - name: Demo.F", "    methods:"));
        // 30 locals and a temporary: 512 bytes; 600 locals live across an await: past 4 KiB; 2,100 locals: past 32 KiB
        int[][] shapes = {{30, 0}, {600, 1}, {2100, 0}, {2100, 1}};
        for (int[] shape : shapes) {
            lines.addAll(List.of("      - name: L" + shape[0] + (shape[1] == 1 ? "Async" : ""), "        async: " + (shape[1] == 1),
                    "        params: [a]", "        returns: int", "        body: |"));
            for (int k = 0; k < shape[0]; k++) {
                lines.add("          var v" + k + " = a * " + k);
            }
            if (shape[1] == 1) {
                lines.add("          await yield");
            }
            lines.add("          return v0 + v" + (shape[0] - 1) + " + v" + (shape[0] / 2));
        }
        Path frames = write(dir, "frames.yaml", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        for (int[] shape : shapes) {
            String name = "Demo.F.L" + shape[0] + (shape[1] == 1 ? "Async" : "");
            String result = "result: " + 7 * (shape[0] - 1 + shape[0] / 2);
            for (String arch : new String[] {"x64", "arm64"}) {
                Path img = emit(dir, frames.toString(), arch);
                Result r = cli("run", img.toString(), "--entry", name, "--arg", "7");
                assertEquals(0, r.status(), arch + " " + name + ": " + r.err());
                assertEquals(result, r.out().strip(), arch + " " + name);
            }
        }
    }

    /**
     * One .xdata record covers at most 0xFFFFC bytes of ARM64 code: a longer method is split into unwind fragments, as the
     * JIT splits it, and runs with the result x64 gives (UnwindFragmentTest checks the records).
     */
    @Test
    void arm64MethodsPastOneXdataRecordAreSplitIntoUnwindFragments(@TempDir Path dir) throws Exception {
        StringBuilder y = new StringBuilder(String.join("\n", "module: Big", "types:", "  - name: Demo.Big", "    methods:",
                "      - name: Main", "        returns: int", "        body: |", "          var a = 0", ""));
        for (int i = 0; i < 20_000; i++) {
            y.append("          a = a + 1\n");
        }
        y.append("          return a\n");
        Path big = write(dir, "big.yaml", y.toString().getBytes(StandardCharsets.UTF_8));
        Path arm64 = emit(dir, big.toString(), "arm64");
        Result dump = cli("dump", arm64);
        assertEquals(0, dump.status(), dump.err());
        assertTrue(Pattern.compile("\n  \\[1\\] 0x00100FFC-0x[0-9A-F]{8}  unwind 0x[0-9A-F]{8}  fragment of Demo\\.Big\\.Main\n").matcher(dump.out()).find(),
                dump.out());
        assertEquals("result: 20000", cli("run", arm64.toString(), "--entry", "Demo.Big.Main").out().strip());
        assertEquals("result: 20000", cli("run", emit(dir, big.toString(), "x64").toString(), "--entry", "Demo.Big.Main").out().strip());
    }

    /**
     * What r2rlab still does not split, refused by name: a cold part (defect B4's split) past one .xdata record, whose
     * fragments the HotColdMap would have to pair with the hot part one by one. Without the defect the same async method,
     * its main code in four fragments and far conditional branches, runs with x64's result.
     */
    @Test
    void arm64ColdPartsPastOneXdataRecordAreRefusedByName(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>(List.of("module: Cold", "types:", "  - name: Demo.Cold", "    methods:", "      - name: Big",
                "        async: true", "        params: [p]", "        returns: int", "        body: |", "          var b0 = p"));
        for (int k = 1; k < 3600; k++) {
            lines.add("          var b" + k + " = b" + (k - 1) + " + " + k);
        }
        // every b is live across every await (the sum below reads them all), so each suspension saves and each
        // resumption reloads 3600 slots: twenty of them make the cold part longer than one .xdata record covers
        for (int k = 0; k < 20; k++) {
            lines.add("          await yield");
        }
        StringBuilder sum = new StringBuilder("          return b0");
        for (int k = 1; k < 3600; k++) {
            sum.append(" + b").append(k);
        }
        lines.add(sum.toString());
        Path cold = write(dir, "cold.yaml", (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
        Result r = cli("emit", cold.toString(), "--arch", "arm64", "--defect", "hot-cold-split", "-o", dir.resolve("cold.dll").toString());
        Matcher m = Pattern.compile(Pattern.quote("r2rlab: " + cold + ": emission failed: Demo.Cold.Big: a cold part of 0x") + "([0-9A-F]+)"
                + Pattern.quote(" bytes, past what one unwind record covers, is not written (r2rlab splits only main code and funclets"
                + " into unwind fragments)")).matcher(oneLine(r));
        assertTrue(m.matches(), r.err());
        assertTrue(Integer.parseInt(m.group(1), 16) > 0xFFFFC, m.group(1));
        // b_k = 5 + (1 + ... + k): the sum over k = 0..3599 is 3600 * 5 + 3599 * 3600 * 3601 / 6
        for (String arch : new String[] {"arm64", "x64"}) {
            Result run = cli("run", emit(dir, cold.toString(), arch).toString(), "--entry", "Demo.Cold.Big", "--arg", "5");
            assertEquals("result: " + (3600L * 5 + 3599L * 3600 * 3601 / 6), run.out().strip(), arch + ": " + run.err());
        }
    }

    /** Endless recursion ends in a fault in the guard below the stack, named as a stack overflow (not a run into the heap). */
    @Test
    void endlessRecursionIsAStackOverflow(@TempDir Path dir) throws Exception {
        Path deep = write(dir, "deep.yaml", String.join("\n", "module: Deep", "types:", "  - name: Demo.Deep", "    methods:",
                "      - name: F", "        params: [n]", "        returns: int", "        body: return call Demo.Deep.F(n + 1) + 1", "")
                .getBytes(StandardCharsets.UTF_8));
        for (String arch : new String[] {"x64", "arm64"}) {
            Result r = cli("run", emit(dir, deep.toString(), arch).toString(), "--entry", "Demo.Deep.F", "--arg", "0");
            assertEquals(1, r.status(), arch + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("FAULT: WRITE_UNMAPPED\n"), r.err());
            Matcher m = Pattern.compile("\n  address: 0x(6FFF[0-9A-F]{4})\n  stack overflow: the address is in the guard below the 1024 KiB"
                    + " stack at 0x70000000\n  method:  Demo\\.Deep\\.F\n").matcher(r.err());
            assertTrue(m.find(), arch + ": " + r.err());
        }
    }

    @Test
    void tailCallsWithStackArguments(@TempDir Path dir) throws Exception {
        String callee = String.join("\n", "      - name: T", "        params: [a, b, c, d, e, f]", "        returns: int",
                "        body: return a * 100000 + b * 10000 + c * 1000 + d * 100 + e * 10 + f");
        Path fits = write(dir, "fits.yaml", String.join("\n", "module: Tail", "types:", "  - name: Demo.Tail", "    methods:",
                "      - name: M", "        params: [a, b, c, d, e, f]", "        returns: int",
                "        body: tailcall cell Demo.Tail.T(f, e, d, c, b, a)", callee, "").getBytes(StandardCharsets.UTF_8));
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, fits.toString(), arch);
            List<String> args = new ArrayList<>(List.of("run", img.toString(), "--entry", "Demo.Tail.M"));
            for (int k = 1; k <= 6; k++) {
                args.addAll(List.of("--arg", Integer.toString(k)));
            }
            assertEquals("result: 654321", cli(args.toArray(new String[0])).out().strip(), arch);
        }
        Path tooMany = write(dir, "toomany.yaml", String.join("\n", "module: Tail", "types:", "  - name: Demo.Tail", "    methods:",
                "      - name: M", "        params: [a, b]", "        returns: int",
                "        body: tailcall cell Demo.Tail.T(a, b, a, b, a, b)", callee, "").getBytes(StandardCharsets.UTF_8));
        assertEquals(tooMany + ":8: 'tailcall' passes 6 arguments but 'Demo.Tail.M' takes 2: arguments past the 4th go on the stack (x64),"
                + " and a tail jump can only put them where the caller's own stack arguments came in",
                oneLine(cli("emit", tooMany.toString(), "-o", dir.resolve("t.dll").toString(), "--arch", "arm64")));
    }

    @Test
    void scenarioFileThatIsNotUtf8(@TempDir Path dir) throws Exception {
        byte[] text = Files.readAllBytes(Fixtures.examples().resolve("calls.yaml"));
        int at = new String(text, StandardCharsets.ISO_8859_1).indexOf("Main");
        text[at] = (byte) 0xFF;
        int line = 1;
        for (int i = 0; i < at; i++) {
            line += text[i] == '\n' ? 1 : 0;
        }
        Path bad = write(dir, "bad.yaml", text);
        assertEquals(bad + ":" + line + ": not UTF-8: byte 0xFF at file offset " + at,
                oneLine(cli("emit", bad.toString(), "-o", dir.resolve("b.dll").toString(), "--arch", "x64")));
    }

    /** 20,000 types and a 5 MB comment line compile (ScenarioBenchmark measures that they take linear time). */
    @Test
    void manyTypesAndALongCommentLineCompile(@TempDir Path dir) throws Exception {
        StringBuilder types = new StringBuilder("module: M\ntypes:\n");
        for (int i = 0; i < 20_000; i++) {
            types.append("  - name: N.T").append(i).append('\n');
        }
        Path many = write(dir, "types.yaml", types.toString().getBytes(StandardCharsets.UTF_8));
        Result r = cli("emit", many.toString(), "-o", dir.resolve("types.dll").toString(), "--arch", "x64");
        assertEquals(0, r.status(), r.err());
        Result d = cli("dump", "--json", dir.resolve("types.dll").toString());
        assertEquals(0, d.status(), d.err());
        Path comment = write(dir, "comment.yaml", ("# " + "x".repeat(5_000_000) + "\n" + Files.readString(Fixtures.examples()
                .resolve("calls.yaml"))).getBytes(StandardCharsets.UTF_8));
        Path img = emit(dir, comment.toString(), "arm64");
        assertEquals("result: 171", cli("run", img.toString(), "--entry", "Demo.Calls.Main").out().strip());
    }

    // ------------------------------------------------------------------------------------------
    // demo

    @Test
    void demoRunsOverloadsAndNamesImagesDirectlyInTheFixtureFolder(@TempDir Path dir) throws Exception {
        Path fixtures = Files.createDirectory(dir.resolve("fixtures"));
        Path examples = Files.createDirectory(dir.resolve("examples"));
        Files.copy(emit(dir, example("calls.yaml"), "x64"), fixtures.resolve("calls.dll"));
        write(examples, "over.yaml", String.join("\n", "module: Over", "types:", "  - name: Demo.O", "    methods:",
                "      - name: F", "        returns: int", "        body: return 40", "      - name: F", "        params: [a]",
                "        returns: int", "        body: return a + 41", "      - name: Wide", "        params: [a, b, c, d, e, f, g, h, i]",
                "        returns: int", "        body: return i * 10 + a", "").getBytes(StandardCharsets.UTF_8));
        // a reference parameter gets null, a reference result is shown by what it holds
        write(examples, "refs.yaml", String.join("\n", "module: Refs", "types:", "  - name: Demo.R", "    methods:",
                "      - name: Wrap", "        params: [v, Box b]", "        returns: Pair", "        body: return new Pair(new Box(v), b)",
                "").getBytes(StandardCharsets.UTF_8));
        // An empty regression catalogue: the demo's closing repro table then has no rows.
        Path catalogue = Files.createDirectory(dir.resolve("regressions"));
        Result r = cli("demo", "--fixtures", fixtures.toString(), "--examples", examples.toString(), "--catalogue", catalogue.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("0 regressions, 0 buggy/fixed pairs", lines.get(lines.size() - 1));
        assertTrue(lines.get(0).startsWith("calls.dll: R2R 18.5 x64/windows, 7 runtime functions"), lines.get(0));
        for (String arch : new String[] {"x64", "arm64"}) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("emitted/over-" + arch + ".dll: ")
                    && l.endsWith("; ran Demo.O.F() = 40, Demo.O.F(1) = 42, Demo.O.Wide(1, 2, 3, 4, 5, 6, 7, 8, 9) = 91")), r.out());
            assertTrue(lines.stream().anyMatch(l -> l.startsWith("emitted/refs-" + arch + ".dll: ")
                    && l.endsWith("; ran Demo.R.Wrap(1, 0) = Pair{first=Box{value=1}, second=null}")), r.out());
        }
    }

    // ------------------------------------------------------------------------------------------
    // Emulator reports: B2, a helper's failing write, a fault in DelayLoad_Helper

    /** The stale x11 of B2 names a valid cell here: the run stops naming the cell patched and the cell called through. */
    @Test
    void b2HelperCallWithoutX11(@TempDir Path dir) throws Exception {
        Path img = emit(dir, example("async-basic.yaml"), "arm64", "--defect", "helper-call-without-x11");
        Result r = cli("run", img.toString(), "--entry", "Demo.Program.Main", "--trace");
        assertEquals(1, r.status(), r.out() + r.err());
        Matcher m = Pattern.compile("FAULT: RUNTIME_ERROR\n  x11 is stale: DelayLoad_MethodCall resolved and patched ImportSection 4\\[(\\d+)\\]"
                + " \\(RVA 0x([0-9A-F]+), MethodEntry \\[ASYNC\\] Demo\\.Program\\.Main\\), the cell x11 names, but the call went through"
                + " ImportSection 4\\[(\\d+)\\] \\(RVA 0x([0-9A-F]+), MethodEntry_RefToken [^)]*\\)\n  pc:      0x([0-9A-F]+)  in \\[ASYNC\\] Demo\\.Program\\.Main\\+0x")
                .matcher(r.err());
        assertTrue(m.find(), r.err());
        assertFalse(m.group(2).equals(m.group(4)));
        // the PC is the blr x16 of the CaptureContexts call (adrp/ldr x16 before it), read from the file
        byte[] file = Files.readAllBytes(img);
        long rva = Long.parseLong(m.group(5), 16) - 0x1_4000_0000L;
        int at = new PeFields(file).offsetOfRva(rva);
        ByteBuffer code = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0xD63F0200, code.getInt(at), "blr x16");
        assertEquals(0x90000010, code.getInt(at - 8) & 0x9F00001F, "adrp x16");
        assertTrue(r.out().contains("trace: DelayLoad_MethodCall cell 0x" + m.group(2) + " (section 4)"), r.out());
    }

    /** A helper's own write to guest memory fails: the report stands at the guest call of the helper, naming the address. */
    @Test
    void helperWriteFailureIsReportedAtTheCallingInstruction(@TempDir Path dir) throws Exception {
        Path good = emit(dir, example("async-basic.yaml"), "arm64");
        byte[] file = Files.readAllBytes(good);
        ByteBuffer code = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        // the suspension block: mov x0, x2 (the callee's continuation, AllocContinuation's prev), adrp x1 (the layout cell)
        int mov = -1;
        for (int i = 0; i + 8 <= file.length; i += 4) {
            if (code.getInt(i) == 0xAA0203E0 && (code.getInt(i + 4) & 0x9F00001F) == 0x90000001) {
                mov = i;
                break;
            }
        }
        assertTrue(mov > 0, "no suspension block");
        code.putInt(mov, 0xD2BBD5A0); // movz x0, #0xdead, lsl #16: prev = 0xDEAD0000, whose Next AllocContinuation writes
        Path bad = write(dir, "bad.dll", file);
        Result r = cli("run", bad.toString(), "--entry", "Demo.Program.Main");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("FAULT: WRITE_UNMAPPED\n"), r.err());
        assertTrue(r.err().contains("\n  address: 0xDEAD0008\n"), r.err());
        Matcher pc = Pattern.compile("\n  pc:      0x([0-9A-F]+)  in \\[ASYNC\\] Demo\\.Program\\.Main\\+0x").matcher(r.err());
        assertTrue(pc.find(), r.err());
        int call = new PeFields(file).offsetOfRva(Long.parseLong(pc.group(1), 16) - 0x1_4000_0000L);
        assertEquals(0xD63F0200, code.getInt(call), "the PC is the blr x16 that called AllocContinuation");
        assertTrue(call > mov && call - mov <= 6 * 4, "right after the patched move");
    }

    /**
     * A fault inside DelayLoad_Helper (x64): a lazy DelegateCtor cell the model does not resolve; past the thunk's two
     * pushes, the caller's frame is shown (llvm-objdump-14: 0x140005c90 callq *0xb78a(%rip), HelperImports[54]).
     */
    @Test
    void faultInsideDelayLoadHelperShowsTheCaller() {
        Result r = cli("run", Fixtures.net11("System.Net.Ping.dll").toString(), "--entry", "0x0600004F", "--arg", "0", "--arg", "0",
                "--arg", "0", "--cpu", "x86-64-v3");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("FAULT: RUNTIME_ERROR\n  fixup ImportSection[3] cell 54 (DelegateCtor) failed: DelayLoad_Helper_ObjObj"
                + " of DelegateCtor System.Net.NetworkInformation.Ping.<TranslateTaskToEap>b__44_0 => System.Action`2<System.__Canon,"
                + " System.__Canon> is not modelled by the emulated runtime\n  pc:      0x140005C90  in System.Net.NetworkInformation.Ping"
                + ".TranslateTaskToEap+0x20\n"), r.err());
        assertTrue(r.err().contains("\n  method:  System.Net.NetworkInformation.Ping.TranslateTaskToEap\n"), r.err());
        assertTrue(r.err().contains("  #0 ip=0x140005C90 rva=0x5C90 sp=0x700FFE80 System.Net.NetworkInformation.Ping.TranslateTaskToEap "),
                r.err());
        assertTrue(r.err().contains("\n  -> <return to runtime>\n"), r.err());
        assertFalse(r.err().contains("walk error"), r.err());
    }

    // ------------------------------------------------------------------------------------------
    // Format errors name the field's file offset

    @Test
    void formatErrorsNameTheFieldThatHoldsTheBadRva(@TempDir Path dir) throws Exception {
        byte[] image = Files.readAllBytes(emit(dir, example("calls.yaml"), "x64"));
        PeFields pe = new PeFields(image);
        Field rf = pe.fields().stream().filter(f -> f.name().matches("READYTORUN_SECTION\\[\\d+\\] \\(type 102\\)\\.VirtualAddress"))
                .findFirst().orElseThrow();
        Path bad = write(dir, "rf.dll", PeFields.with(image, rf, 0xFFFFFFFFL));
        assertEquals(String.format("r2rlab: %s: RuntimeFunctions at file offset 0x%x: RVA 0xFFFFFFFF is outside every section", bad,
                rf.offset()), oneLine(cli("dump", bad)));
        Field cli = pe.field("IMAGE_DATA_DIRECTORY[14].VirtualAddress");
        byte[] noCli = PeFields.with(PeFields.with(image, cli, 0), pe.field("IMAGE_DATA_DIRECTORY[14].Size"), 0);
        Path notNet = write(dir, "nocli.dll", noCli);
        assertEquals(String.format("r2rlab: %s: IMAGE_DATA_DIRECTORY[COM_DESCRIPTOR] at file offset 0x%x: the image has no CLI header: not a"
                + " .NET image", notNet, cli.offset()), oneLine(cli("dump", notNet)));
    }
}
