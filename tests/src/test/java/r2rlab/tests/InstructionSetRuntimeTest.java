package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.ReadyToRunInstructionSet;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.Rejection;

/**
 * Check_InstructionSetSupport resolved against the CPU the emulated runtime states: the Eager cell of
 * every .NET 11 image (X86Base+ Avx+ Avx2+) disables all their R2R code on the emulated CPU; a
 * method's own cell rejects only that method; and with a profile that claims AVX2, the code the
 * emulated CPU cannot execute is rejected method by method before it runs.
 */
class InstructionSetRuntimeTest {
    private static final int TAR_CHECKSUM = 0x060000BB;

    private static CpuProfile v3Except(ReadyToRunInstructionSet removed, ReadyToRunInstructionSet added, String name) {
        Set<ReadyToRunInstructionSet> sets = EnumSet.copyOf(CpuProfile.X86_64_V3.claimed());
        if (removed != null) {
            sets.remove(removed);
        }
        if (added != null) {
            sets.add(added);
        }
        return new CpuProfile(name, Machine.AMD64, sets, "x86-64-v3 variant");
    }

    @Test
    void emulatedCpu_disablesAllR2RCodeOfEveryNet11Image() throws Exception {
        List<Path> images = Fixtures.net11();
        assertEquals(24, images.size());
        for (Path p : images) {
            R2RImage img = R2RImage.read(p);
            RunRejectedException e = assertThrows(RunRejectedException.class, () -> new EmulatedRuntime(img).close(), p.toString());
            assertEquals(RunRejectedException.Reason.IMAGE_REJECTED, e.reason());
            assertEquals(Rejection.Reason.EAGER_FIXUP_FAILED, e.rejection().reason());
            assertEquals("all R2R code of " + p.getFileName() + " disabled: its Eager Check_InstructionSetSupport fixup needs X86Base, Avx,"
                    + " Avx2, which the emulated CPU lacks (--cpu emulated; Check_InstructionSetSupport X86Base+ Avx+ Avx2+)",
                    e.rejection().message());
        }
    }

    @Test
    void methodCell_rejectsOnlyItsMethod() throws Exception {
        R2RImage tar = R2RImage.read(Fixtures.net11("System.Formats.Tar.dll"));
        // the Eager cell holds, TarHeader.Checksum's own cell (PrecodeImports[0]) asks for VectorT256 too
        try (EmulatedRuntime rt = new EmulatedRuntime(tar, true, tar.pe().imageBase(), Unicorn::open,
                v3Except(ReadyToRunInstructionSet.VectorT256, ReadyToRunInstructionSet.VectorT128, "avx2-vector128"))) {
            EntryPoint checksum = rt.info().getEntryPoint(TAR_CHECKSUM);
            assertEquals(Rejection.Reason.FIXUP_FAILED, checksum.rejection().reason());
            assertEquals("R2R code of System.Formats.Tar.TarHeader.Checksum rejected: needs VectorT256, which the emulated CPU lacks"
                    + " (--cpu avx2-vector128; Check_InstructionSetSupport X86Base+ Avx+ Avx2+ VectorT256+ VectorT512-)",
                    checksum.rejection().message());
            assertTrue(rt.info().rejection().isEmpty(), "the image's other R2R code stays usable");
        }
        // VectorT512-: the code assumed a Vector<T> narrower than 64 bytes
        try (EmulatedRuntime rt = new EmulatedRuntime(tar, true, tar.pe().imageBase(), Unicorn::open,
                v3Except(null, ReadyToRunInstructionSet.VectorT512, "avx2-vector512"))) {
            assertEquals("R2R code of System.Formats.Tar.TarHeader.Checksum rejected: must not run where VectorT512 is supported, which the"
                    + " emulated CPU has (--cpu avx2-vector512; Check_InstructionSetSupport X86Base+ Avx+ Avx2+ VectorT256+ VectorT512-)",
                    rt.info().getEntryPoint(TAR_CHECKSUM).rejection().message());
        }
    }

    @Test
    void x86_64_v3_rejectsCodeTheEmulatedCpuCannotExecute() throws Exception {
        R2RImage tar = R2RImage.read(Fixtures.net11("System.Formats.Tar.dll"));
        try (EmulatedRuntime rt = new EmulatedRuntime(tar, CpuProfile.X86_64_V3)) {
            EntryPoint checksum = rt.info().getEntryPoint(TAR_CHECKSUM);
            assertEquals(Rejection.Reason.UNSUPPORTED_INSTRUCTIONS, checksum.rejection().reason());
            // llvm-objdump: 140012741: c5 fc 57 c0  vxorps ymm0, ymm0, ymm0
            assertEquals("R2R code of System.Formats.Tar.TarHeader.Checksum rejected: vxorps ymm0, ymm0, ymm0 at RVA 0x12741 needs Avx"
                    + " (VEX.256), which the emulated CPU does not execute", checksum.rejection().message());
        }
    }

    @Test
    void runCpuOption() {
        String tar = Fixtures.net11("System.Formats.Tar.dll").toString();
        CliDumpTest.Result v3 = CliDumpTest.run("run", tar, "--entry", "System.Formats.Tar.TarHeader.Checksum", "--cpu", "x86-64-v3");
        assertEquals(2, v3.status());
        assertTrue(v3.err().endsWith("method 0x060000BB has no R2R code to run: R2R code of System.Formats.Tar.TarHeader.Checksum rejected:"
                + " vxorps ymm0, ymm0, ymm0 at RVA 0x12741 needs Avx (VEX.256), which the emulated CPU does not execute\n"), v3.err());
        CliDumpTest.Result unknown = CliDumpTest.run("run", tar, "--entry", "System.Formats.Tar.TarHeader.Checksum", "--cpu", "haswell");
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().endsWith("--cpu: unknown CPU profile 'haswell'; known: emulated, x86-64-v2, x86-64-v3\n"), unknown.err());
        String arm = Fixtures.r2r("ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll").toString();
        CliDumpTest.Result mismatch = CliDumpTest.run("run", arm, "--entry", "0x06000001", "--cpu", "x86-64-v3");
        assertEquals(2, mismatch.status());
        assertTrue(mismatch.err().endsWith("CPU profile x86-64-v3 describes an x64 CPU; the image is arm64\n"), mismatch.err());
    }

    private static final Pattern CITED = Pattern.compile("rejected: (\\S+) .* at RVA 0x([0-9A-F]+) needs ");

    /**
     * Every MethodDef entry of ZipFile and Ping, run with {@code --cpu x86-64-v3}: none reaches an
     * instruction the emulated CPU does not execute; the methods rejected cite an instruction that
     * llvm-objdump finds at that address, and every method whose code llvm-objdump shows with a ymm
     * or zmm register is among them.
     */
    @Test
    void x86_64_v3_realCodeNeverReachesAnInvalidInstruction() throws Exception {
        Map<String, Integer> expectedRejections = Map.of("System.IO.Compression.ZipFile.dll", 6, "System.Net.Ping.dll", 7);
        for (Map.Entry<String, Integer> image : expectedRejections.entrySet()) {
            Path path = Fixtures.net11(image.getKey());
            R2RImage img = R2RImage.read(path);
            Map<Long, String> objdump = objdump(path, img.pe().imageBase());
            List<String> rejected = new ArrayList<>();
            try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
                rt.setTimeoutMicros(500_000);
                for (ReadyToRunMethod m : img.methods()) {
                    if (m.source() != ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS) {
                        continue;
                    }
                    try {
                        RunOutcome o = rt.run(m.token());
                        if (o instanceof RunOutcome.Faulted f) {
                            FaultReport.Kind k = f.report().kind();
                            assertTrue(k != FaultReport.Kind.INVALID_INSTRUCTION && k != FaultReport.Kind.CPU_EXCEPTION, m.name() + ": " + f.report());
                        }
                    } catch (RunRejectedException e) {
                        if (e.rejection() != null && e.rejection().reason() == Rejection.Reason.UNSUPPORTED_INSTRUCTIONS) {
                            Matcher c = CITED.matcher(e.rejection().message());
                            assertTrue(c.find(), e.rejection().message());
                            String line = objdump.get(Long.parseLong(c.group(2), 16));
                            assertNotNull(line, e.rejection().message());
                            assertTrue(line.startsWith(c.group(1)), line + " / " + e.rejection().message());
                            rejected.add(m.name());
                        }
                    }
                }
            }
            assertEquals(image.getValue(), rejected.size(), image.getKey() + ": " + rejected);
            for (ReadyToRunMethod m : img.methods()) {
                if (m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS && usesWideRegisters(img, m, objdump)) {
                    assertTrue(rejected.contains(m.name()), m.name() + " uses ymm or zmm registers");
                }
            }
        }
    }

    private static boolean usesWideRegisters(R2RImage img, ReadyToRunMethod m, Map<Long, String> objdump) {
        for (int index : m.runtimeFunctions()) {
            RuntimeFunction rf = img.runtimeFunctions().get(index);
            for (Map.Entry<Long, String> e : objdump.entrySet()) {
                if (e.getKey() >= rf.beginRva() && e.getKey() < rf.endRva() && (e.getValue().contains("ymm") || e.getValue().contains("zmm"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** llvm-objdump's instruction text by RVA. */
    private static Map<Long, String> objdump(Path image, long imageBase) {
        String[] r = Emitted.run(List.of("llvm-objdump-14", "-d", "--x86-asm-syntax=intel", "--no-show-raw-insn", image.toString()));
        assertEquals("0", r[0], r[2]);
        Map<Long, String> out = new HashMap<>();
        Pattern line = Pattern.compile("^\\s*([0-9a-f]+):\\s+(\\S.*)$");
        for (String l : r[1].split("\n")) {
            Matcher m = line.matcher(l);
            if (m.matches()) {
                out.put(Long.parseLong(m.group(1), 16) - imageBase, m.group(2).trim());
            }
        }
        return out;
    }
}
