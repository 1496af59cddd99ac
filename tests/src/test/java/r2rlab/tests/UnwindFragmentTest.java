package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.ByteReader;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.arm64.UnwindCode;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.CodeInfo;
import r2rlab.tests.CliDumpTest.Result;

/**
 * ARM64 code past what one .xdata record covers (FunctionLength: 18 bits of 4-byte instructions, 0xFFFFC bytes) is split
 * into unwind fragments as the JIT's UnwindInfo::Split does: each fragment its own RUNTIME_FUNCTION and .xdata, the later
 * ones with a phantom prolog (end_c, then the host's prolog codes), the GC info only after the first record. The code
 * manager maps a PC in any fragment to the method (not to a funclet), the emulated runtime unwinds from inside a later
 * fragment, and the exception dispatcher finds the method's clause from there.
 */
class UnwindFragmentTest {
    /** Bytes one .xdata record covers: 0x3FFFF instructions. */
    private static final int ONE_RECORD = 0xFFFFC;

    /** A method of {@code statements} additions (about 59 bytes of ARM64 code each), then {@code end}. */
    private static List<String> additions(String name, int statements, String... end) {
        List<String> lines = new ArrayList<>(List.of("      - name: " + name, "        returns: int", "        body: |", "          var a = 0"));
        for (int i = 0; i < statements; i++) {
            lines.add("          a = a + 1");
        }
        for (String e : end) {
            lines.add("          " + e);
        }
        return lines;
    }

    private static String scenario(List<String> methods) {
        List<String> lines = new ArrayList<>(List.of("module: Big", "types:", "  - name: Demo.Big", "    methods:"));
        lines.addAll(methods);
        lines.add("");
        return String.join("\n", lines);
    }

    private static ReadyToRunMethod method(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }

    private static Arm64UnwindInfo.Decoded xdata(R2RImage img, RuntimeFunction rf) {
        ByteReader file = img.pe().file();
        return Arm64UnwindInfo.decode(file, img.pe().rvaToOffset(".xdata", rf.unwindRva(), 4));
    }

    private static int headerWord(R2RImage img, RuntimeFunction rf) {
        return img.pe().file().i32(".xdata", img.pe().rvaToOffset(".xdata", rf.unwindRva(), 4));
    }

    /** The codes of a record's prolog, up to and including its end, as bytes. */
    private static byte[] prologBytes(Arm64UnwindInfo.Decoded d) {
        byte[] all = d.codeBytes();
        int length = 0;
        for (UnwindCode c : d.prologCodes()) {
            length += c.length();
        }
        return Arrays.copyOf(all, length);
    }

    /**
     * 20,000 additions are 0x120870 bytes of ARM64 code: a host record of exactly 0xFFFFC bytes without an epilog, and a
     * fragment with the rest and the method's one epilog, whose scope offset counts from the fragment's start and whose
     * place Capstone confirms (the {@code ldp x29, x30} that starts it, the {@code ret} that ends the code).
     */
    @Test
    void arm64MethodPastOneRecordIsSplitWhereTheRecordEnds() {
        byte[] bytes = Emitted.emit(ScenarioParser.parse("big.yaml", scenario(additions("Main", 20_000, "return a"))), Architecture.ARM64);
        R2RImage img = Emitted.read(bytes);
        ReadyToRunMethod main = method(img, "Demo.Big.Main");
        assertEquals(2, img.runtimeFunctions().size());
        assertEquals(List.of(0, 1), main.runtimeFunctions());
        RuntimeFunction host = img.runtimeFunctions().get(0);
        RuntimeFunction fragment = img.runtimeFunctions().get(1);
        assertEquals(main.entryRva(), host.beginRva());
        assertEquals(host.beginRva() + ONE_RECORD, host.endRva());
        assertEquals(host.endRva(), fragment.beginRva());
        assertEquals(0x120870, fragment.endRva() - host.beginRva());

        // host: FunctionLength 0x3FFFF | X | EpilogCount 0 | CodeWords 4 (set_fp, save_fplr_x, alloc_m, alloc_l, 7 probe nops, end)
        assertEquals(0x2013FFFF, headerWord(img, host));
        Arm64UnwindInfo.Decoded h = xdata(img, host);
        assertFalse(h.isFragment());
        assertFalse(img.isFunctionFragment(0));
        // fragment: FunctionLength 0x20874/4 = 0x821D | X | EpilogCount 1 << 22 | CodeWords 7 << 27
        assertEquals(0x3850821D, headerWord(img, fragment));
        Arm64UnwindInfo.Decoded f = xdata(img, fragment);
        assertTrue(f.isFragment());
        assertTrue(img.isFunctionFragment(1));
        assertEquals(0, img.rootRuntimeFunction(1));
        byte[] phantom = prologBytes(h);
        assertEquals(0xE5, f.codeBytes()[0] & 0xFF, "end_c first");
        assertArrayEquals(phantom, Arrays.copyOfRange(f.codeBytes(), 1, 1 + phantom.length), "then the host's prolog codes");
        assertEquals(List.of(UnwindCode.endC()), f.prologCodes(), "no prolog instruction in the fragment");
        assertEquals(1, f.epilogs().size());
        Arm64UnwindInfo.EpilogScope scope = f.epilogs().get(0);
        assertEquals(1 + phantom.length, scope.startIndex());

        try (Disassembler d = new Disassembler(true)) {
            List<Disassembler.Insn> tail = d.disassemble(Emitted.code(img, fragment), fragment.beginRva());
            Disassembler.Insn last = tail.get(tail.size() - 1);
            assertEquals("ret", last.mnemonic());
            assertEquals(fragment.endRva() - 4, last.address());
            Disassembler.Insn ldp = tail.stream().filter(i -> i.mnemonic().equals("ldp") && i.operands().startsWith("x29, x30, [sp]"))
                    .reduce((a, b) -> b).orElseThrow();
            assertEquals(ldp.address() - fragment.beginRva(), scope.startOffset());
            // the epilog's codes and its ret end the fragment
            assertEquals(f.functionLength(), scope.startOffset() + 4 * f.codesFrom(scope.startIndex()).size());
            List<Disassembler.Insn> head = d.disassemble(Arrays.copyOf(Emitted.code(img, host), 64), host.beginRva());
            assertEquals(0, head.stream().filter(i -> i.mnemonic().equals("ret")).count(), "no epilog in the host record's code");
        }

        // the GC info follows the host record only: the code manager gives a PC in the fragment the method's GcInfo
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            RunOutcome o = rt.run(main.token());
            assertEquals(20_000L, ((RunOutcome.Returned) o).value());
            CodeInfo ci = rt.info().jitManager().jitCodeToMethodInfo(fragment.beginRva() + 8);
            assertEquals("Demo.Big.Main", ci.method().name());
            assertEquals(1, ci.runtimeFunction());
            assertEquals(0, ci.methodStartRuntimeFunction());
            assertFalse(ci.funclet(), "an unwind fragment is no funclet");
            assertEquals(MethodGcInfo.rvaAfterUnwind(img, host), rt.info().jitManager().gcInfo(ci).rva());
            assertTrue(fragment.unwindRva() > MethodGcInfo.rvaAfterUnwind(img, host), "the host's GC info lies before the fragment's record");
        }
    }

    /**
     * A fault in a callee of the second fragment (Deep's frames fill the stack): the walk names the frame in the fragment
     * as the method at its offset from the method start, no funclet, and unwinds it through the phantom prolog to the
     * runtime that called it. `dump`, `dump --json`, `dump --disasm` and `verify` take the image.
     */
    @Test
    void aStackWalkFromInsideTheSecondFragmentNamesTheMethod(@TempDir Path dir) throws Exception {
        List<String> methods = new ArrayList<>(additions("Deep", 6_000, "return call Demo.Big.Deep(a + n) + 1"));
        methods.add(1, "        params: [n]");
        methods.addAll(additions("Main", 20_000, "return call Demo.Big.Deep(a)"));
        Path yaml = dir.resolve("big.yaml");
        Files.writeString(yaml, scenario(methods));
        Path image = dir.resolve("big.dll");
        Result e = CliDumpTest.run("emit", yaml.toString(), "--arch", "arm64", "-o", image.toString());
        assertEquals(0, e.status(), e.err());
        R2RImage img = Emitted.read(Files.readAllBytes(image));
        ReadyToRunMethod main = method(img, "Demo.Big.Main");
        assertEquals(2, main.runtimeFunctions().size());
        RuntimeFunction fragment = img.runtimeFunctions().get(main.runtimeFunctions().get(1));

        Result r = CliDumpTest.run("run", image.toString(), "--entry", "Demo.Big.Main");
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("FAULT: READ_UNMAPPED\n") || r.err().startsWith("FAULT: WRITE_UNMAPPED\n"), r.err());
        assertTrue(r.err().contains("\n  stack overflow: the address is in the guard below the 1024 KiB stack at 0x70000000\n"), r.err());
        Matcher m = Pattern.compile("\n  #\\d+ ip=0x[0-9A-F]+ rva=0x([0-9A-F]+) sp=0x[0-9A-F]+ Demo\\.Big\\.Main  \\(Demo\\.Big\\.Main\\+0x([0-9A-F]+)\\)"
                + "  RF " + fragment.index() + "\n  -> <return to runtime>\n").matcher(r.err());
        assertTrue(m.find(), r.err());
        long rva = Long.parseLong(m.group(1), 16);
        assertTrue(rva > fragment.beginRva() && rva < fragment.endRva(), m.group());
        assertEquals(rva - main.entryRva(), Long.parseLong(m.group(2), 16), "the offset from the method start");

        Result dump = CliDumpTest.run("dump", image.toString());
        assertEquals(0, dump.status(), dump.err());
        assertTrue(dump.out().contains(String.format("  [%d] 0x%08X-0x%08X  unwind 0x%08X  fragment of Demo.Big.Main%n", fragment.index(),
                fragment.beginRva(), fragment.endRva(), fragment.unwindRva())), dump.out());
        for (String view : List.of("--json", "--disasm")) {
            Result x = CliDumpTest.run("dump", view, image.toString());
            assertEquals(0, x.status(), view + ": " + x.err());
        }
        Result v = CliDumpTest.run("verify", image.toString());
        assertEquals(0, v.status(), v.out() + v.err());
        assertEquals("big.dll: no findings", v.out().lines().findFirst().orElse(""));
    }

    /**
     * A throw in the second fragment inside the method's try region: the dispatcher takes the frame for the method's main
     * code (offset from its start, inside the clause's try), not for a funclet, and runs the catch; x64 agrees.
     */
    @Test
    void anExceptionThrownInTheSecondFragmentIsCaughtByTheMethodsClause(@TempDir Path dir) throws Exception {
        List<String> body = new ArrayList<>(List.of("      - name: Main", "        returns: int", "        body: |", "          var a = 0",
                "          try {"));
        for (int i = 0; i < 20_000; i++) {
            body.add("            a = a + 1");
        }
        body.addAll(List.of("            throw a", "          } catch e {", "            return e + 1", "          }", "          return 0"));
        String yaml = scenario(body);
        R2RImage img = Emitted.read(Emitted.emit(ScenarioParser.parse("big.yaml", yaml), Architecture.ARM64));
        ReadyToRunMethod main = method(img, "Demo.Big.Main");
        assertEquals(3, main.runtimeFunctions().size(), "main code, its fragment, the catch funclet");
        assertTrue(img.isFunctionFragment(main.runtimeFunctions().get(1)));
        assertFalse(img.isFunctionFragment(main.runtimeFunctions().get(2)));
        for (Architecture arch : Architecture.values()) {
            R2RImage a = arch == Architecture.ARM64 ? img : Emitted.read(Emitted.emit(ScenarioParser.parse("big.yaml", yaml), arch));
            try (EmulatedRuntime rt = new EmulatedRuntime(a)) {
                assertEquals(20_001L, ((RunOutcome.Returned) rt.run(main.token())).value(), arch.toString());
            }
        }
    }
}
