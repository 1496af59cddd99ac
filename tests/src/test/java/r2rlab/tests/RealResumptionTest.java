package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.ResumptionRun;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;
import r2rlab.loader.runtime.Rejection;

/**
 * Every resumption stub of the 24 real .NET 11 images, run through its async variant with {@code --cpu x86-64-v3}: a
 * continuation of the variant's ContinuationLayout in State 0, the stub entered as the dispatcher would. Per image,
 * how many reach the code after the resumption dispatch, and where each of the others stops. None binds a wrong
 * method, runs into an instruction the engine cannot execute, or ends in an error of r2rlab's own.
 */
class RealResumptionTest {
    private static final String ZIPFILE = "System.IO.Compression.ZipFile.dll";
    private static final String VARIANT_AVX = "rejected: Avx (VEX.256) in the variant";

    /** Per image: stubs, reached, then every other stop with its count (docs/emulator.md shows this table). */
    private static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("System.Data.Common.dll", "10 stubs, 5 reached; " + VARIANT_AVX + " 5");
        EXPECTED.put("System.Diagnostics.Process.dll", "12 stubs, 2 reached; " + VARIANT_AVX + " 10");
        EXPECTED.put("System.Formats.Tar.dll", "36 stubs, 14 reached; " + VARIANT_AVX + " 22");
        EXPECTED.put("System.IO.Compression.Brotli.dll", "4 stubs, 0 reached; " + VARIANT_AVX + " 4");
        EXPECTED.put(ZIPFILE, "10 stubs, 4 reached; " + VARIANT_AVX + " 6");
        EXPECTED.put("System.IO.Compression.dll", "59 stubs, 19 reached; " + VARIANT_AVX + " 40");
        EXPECTED.put("System.IO.Pipes.dll", "1 stubs, 0 reached; " + VARIANT_AVX + " 1");
        EXPECTED.put("System.Net.Http.dll", "120 stubs, 30 reached; rejected: Avx (VEX.128 with a first source apart from its"
                + " destination) in the variant 1; " + VARIANT_AVX + " 89");
        EXPECTED.put("System.Net.HttpListener.dll", "12 stubs, 1 reached; " + VARIANT_AVX + " 11");
        EXPECTED.put("System.Net.Mail.dll", "52 stubs, 26 reached; " + VARIANT_AVX + " 26");
        EXPECTED.put("System.Net.NameResolution.dll", "1 stubs, 0 reached; " + VARIANT_AVX + " 1");
        EXPECTED.put("System.Net.NetworkInformation.dll", "1 stubs, 1 reached");
        EXPECTED.put("System.Net.Ping.dll", "2 stubs, 0 reached; " + VARIANT_AVX + " 2");
        EXPECTED.put("System.Net.Quic.dll", "10 stubs, 1 reached; " + VARIANT_AVX + " 9");
        EXPECTED.put("System.Net.Requests.dll", "8 stubs, 2 reached; " + VARIANT_AVX + " 6");
        EXPECTED.put("System.Net.Security.dll", "40 stubs, 5 reached; " + VARIANT_AVX + " 35");
        EXPECTED.put("System.Net.Sockets.dll", "8 stubs, 0 reached; " + VARIANT_AVX + " 8");
        EXPECTED.put("System.Net.WebClient.dll", "1 stubs, 1 reached");
        EXPECTED.put("System.Net.WebSockets.Client.dll", "2 stubs, 1 reached; " + VARIANT_AVX + " 1");
        EXPECTED.put("System.Net.WebSockets.dll", "18 stubs, 2 reached; " + VARIANT_AVX + " 16");
        EXPECTED.put("System.Private.DataContractSerialization.dll", "18 stubs, 10 reached; " + VARIANT_AVX + " 8");
        EXPECTED.put("System.Private.Xml.Linq.dll", "25 stubs, 11 reached; " + VARIANT_AVX + " 14");
        EXPECTED.put("System.Security.Cryptography.dll", "19 stubs, 5 reached; rejected: Avx (VEX.256) in the stub 1; "
                + VARIANT_AVX + " 13");
        EXPECTED.put("System.Threading.Tasks.Parallel.dll", "2 stubs, 0 reached; " + VARIANT_AVX + " 2");
    }

    private static final Pattern NEEDS = Pattern.compile("R2R code of (\\[RESUME\\] )?.* rejected: .* at RVA 0x([0-9A-F]+) needs (\\S+ \\([^)]*\\)),"
            + " which the emulated CPU does not execute");

    @Test
    void everyRealStub_reachesTheCodeAfterItsDispatchOrStopsAtANamedPlace() throws Exception {
        Map<String, String> actual = new LinkedHashMap<>();
        int total = 0;
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            Map<String, Integer> stops = new TreeMap<>();
            int reached = 0;
            try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
                rt.recordTrace(false);
                rt.setTimeoutMicros(10_000_000);
                for (ResumptionStub s : img.resumptionStubs()) {
                    assertNotNull(s.owner(), p.getFileName() + ": every real stub has an owner");
                    String stop = null;
                    try {
                        ResumptionRun r = rt.runResumptionStub(s, 0);
                        if (r.reached()) {
                            reached++;
                            RuntimeFunction body = img.runtimeFunctions().get(s.owner().entryRuntimeFunction());
                            assertTrue(r.reachedRva() >= body.beginRva() && r.reachedRva() < body.endRva(), s.owner().label());
                            assertNotNull(rt.info().methodDescForEntryPoint(s.rva()), "the owner's fixups registered the stub");
                        } else {
                            stop = stopOf(r.outcome(), s.owner());
                        }
                    } catch (RunRejectedException e) {
                        stop = rejection(img, s, e);
                    }
                    if (stop != null) {
                        stops.merge(stop, 1, Integer::sum);
                    }
                }
            }
            int stubs = img.resumptionStubs().size();
            total += stubs;
            StringBuilder line = new StringBuilder(stubs + " stubs, " + reached + " reached");
            stops.forEach((stop, n) -> line.append("; ").append(stop).append(' ').append(n));
            actual.put(p.getFileName().toString(), line.toString());
        }
        assertEquals(471, total);
        assertEquals(EXPECTED, actual);
    }

    /** A stop that is not a rejection: a named helper or method, a guest exception, or a guest fault (never an engine limit). */
    private static String stopOf(RunOutcome outcome, ReadyToRunMethod owner) {
        if (outcome instanceof RunOutcome.Faulted f) {
            FaultReport r = f.report();
            assertTrue(r.kind() != FaultReport.Kind.INVALID_INSTRUCTION && r.kind() != FaultReport.Kind.CPU_EXCEPTION
                    && r.kind() != FaultReport.Kind.EMULATOR_ERROR && !(r.cause() instanceof IllegalStateException), owner.label() + ": " + r);
            return r.kind() == FaultReport.Kind.RUNTIME_ERROR ? "stops: " + r.message() : "faults: " + r.kind();
        }
        if (outcome instanceof RunOutcome.Threw t) {
            return "throws through " + t.helper();
        }
        return "returns without reaching it";
    }

    /** The instruction-set rejection of the variant or its stub, its instruction inside that code. */
    private static String rejection(R2RImage img, ResumptionStub s, RunRejectedException e) {
        assertEquals(RunRejectedException.Reason.NO_USABLE_CODE, e.reason(), e.getMessage());
        assertEquals(Rejection.Reason.UNSUPPORTED_INSTRUCTIONS, e.rejection().reason(), e.getMessage());
        Matcher m = NEEDS.matcher(e.rejection().message());
        assertTrue(m.matches(), e.rejection().message());
        boolean stub = m.group(1) != null;
        long rva = Long.parseLong(m.group(2), 16);
        long code = stub ? s.rva() : s.owner().entryRva();
        int rf = img.runtimeFunctionContaining(rva);
        assertTrue(rf >= 0 && img.runtimeFunctions().get(rf).beginRva() >= code, e.rejection().message());
        return "rejected: " + m.group(3) + (stub ? " in the stub" : " in the variant");
    }

    /**
     * ZipFile's OpenAsync: State 0 joins after {@code jne 0x1400070a0} at 0x7003 (llvm-objdump-14: 0x140007009), State
     * 1 after {@code jne 0x1400070ff} at 0x702A (0x140007030, where the resume block's {@code jmp 0x140007030} at
     * 0x71D4 goes); ExtractToDirectoryAsync's await sits in a loop: its resume block goes straight to the back edge's
     * target, {@code jmp 0x140008b57} at 0x8B9F.
     */
    @Test
    void zipFile_statesJoinWhereTheCodeSays() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11(ZIPFILE));
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            ResumptionStub open = stubOf(img, "System.IO.Compression.ZipFile.OpenAsync");
            assertEquals(0x6DA0, open.rva());
            ResumptionRun state0 = rt.runResumptionStub(open, 0);
            assertEquals(0x7009, state0.reachedRva());
            assertEquals(0, state0.state());
            assertEquals(1, rt.runResumptionStub(open, 1).state());
            assertEquals(0x7030, rt.runResumptionStub(open, 1).reachedRva());
            // the continuation: the MethodTable of ContinuationLayout PrecodeImports[79] (size 40: 32 + 40 bytes) and State 0
            assertEquals(72, rt.engine().readInt(rt.engine().readLong(state0.continuation()) + 4));
            assertEquals(0, rt.engine().readInt(state0.continuation() + 0x1C));
            ResumptionStub extract = stubOf(img, "System.IO.Compression.ZipFileExtensions.ExtractToDirectoryAsync");
            assertEquals(0x8B57, rt.runResumptionStub(extract, 0).reachedRva());
        }
    }

    /**
     * A resume block that joins past the result's move: CryptoStream's State 0 resume block ends in {@code jmp
     * 0x14011a806} at 0x11AFCE, one instruction after the await's {@code jne} at 0x11A7FD (llvm-objdump-14: 0x14011a803
     * {@code movl %eax, %r12d}, 0x14011a806 {@code movl %r12d, -124(%rbp)}).
     */
    @Test
    void cryptography_joinsPastTheResultMove() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.Security.Cryptography.dll"));
        ResumptionStub stub = img.resumptionStubs().stream().filter(s -> s.owner() != null && s.owner().entryRva() <= 0x11A7FD
                && img.runtimeFunctions().get(s.owner().entryRuntimeFunction()).endRva() > 0x11A7FD).findFirst().orElseThrow();
        try (EmulatedRuntime rt = new EmulatedRuntime(img, CpuProfile.X86_64_V3)) {
            assertEquals(0x11A806, rt.runResumptionStub(stub, 0).reachedRva(), stub.owner().label());
        }
    }

    private static ResumptionStub stubOf(R2RImage img, String owner) {
        return img.resumptionStubs().stream().filter(s -> s.owner() != null && s.owner().name().equals(owner)).findFirst().orElseThrow();
    }
}
