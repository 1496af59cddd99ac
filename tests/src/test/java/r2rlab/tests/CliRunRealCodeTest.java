package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code r2rlab run} entering real code only the runtime enters: an async variant ({@code [ASYNC] NAME}, {@code NAME
 * [ASYNC]}) and a resumption stub ({@code [RESUME] NAME}, {@code NAME$ResumptionStub}) with {@code --state}.
 */
class CliRunRealCodeTest {
    private static final String ZIPFILE = Fixtures.net11("System.IO.Compression.ZipFile.dll").toString();
    private static final String OPEN_ASYNC = "System.IO.Compression.ZipFile.OpenAsync";

    private static CliDumpTest.Result run(String... args) {
        String[] all = new String[args.length + 4];
        all[0] = "run";
        all[1] = ZIPFILE;
        System.arraycopy(args, 0, all, 2, args.length);
        all[all.length - 2] = "--cpu";
        all[all.length - 1] = "x86-64-v3";
        return CliDumpTest.run(all);
    }

    /** llvm-objdump-14: 0x140007003 jne 0x1400070a0 (State 0's suspension), 0x14000702a jne 0x1400070ff (State 1's). */
    @Test
    void resumptionStub_reachesTheCodeAfterTheDispatch() {
        String state0 = "reached: [ASYNC] " + OPEN_ASYNC + " at RVA 0x7009, the code after the resumption dispatch (State 0)\n";
        for (String entry : new String[] {"[RESUME] " + OPEN_ASYNC, OPEN_ASYNC + "$ResumptionStub", OPEN_ASYNC + " [RESUME]",
            "[RESUME] " + OPEN_ASYNC + "$ResumptionStub", "[RESUME] 0x0600002B"}) {
            CliDumpTest.Result r = run("--entry", entry);
            assertEquals(0, r.status(), entry + ": " + r.err());
            assertEquals(state0, r.out(), entry);
        }
        CliDumpTest.Result state1 = run("--entry", "[RESUME] " + OPEN_ASYNC, "--state", "1", "--trace");
        assertEquals(0, state1.status(), state1.err());
        assertTrue(state1.out().endsWith("reached: [ASYNC] " + OPEN_ASYNC + " at RVA 0x7030, the code after the resumption dispatch"
                + " (State 1)\n"), state1.out());
        // the resume block restores the ExecutionContext its suspension saved (none: the slot is zero)
        assertTrue(state1.out().contains("trace: RestoreExecutionContext 0x0: thread ec 0x600001B0 -> 0x0\n"), state1.out());
        assertTrue(state1.out().contains("trace: resumption stub MethodDesc allocated: " + OPEN_ASYNC + "$ResumptionStub at RVA 0x6DA0\n"),
                state1.out());
    }

    @Test
    void asyncVariant_runsFreshUntilTheModelEnds() {
        for (String entry : new String[] {"[ASYNC] " + OPEN_ASYNC, OPEN_ASYNC + " [ASYNC]", "[ASYNC] 0x0600002B"}) {
            CliDumpTest.Result r = run("--entry", entry, "--arg", "0", "--arg", "0", "--arg", "0", "--arg", "0");
            assertEquals(1, r.status(), entry + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("FAULT: RUNTIME_ERROR\n  fixup ImportSection[4] cell 35 (MethodEntry_RefToken) failed: the runtime"
                    + " could not resolve System.IO.Directory.Exists\n  pc:      0x140005557  in System.IO.Compression.ZipFile"
                    + ".GetFileStreamForOpen+0x17\n"), r.err());
        }
    }

    @Test
    void badEntries_status2() {
        assertBad(run("--entry", "[ASYNC] " + OPEN_ASYNC), "[ASYNC] " + OPEN_ASYNC + " takes 4 arguments, not 0\n");
        assertBad(run("--entry", OPEN_ASYNC, "--state", "1"), "--state needs a resumption stub entry ([RESUME] NAME) (see r2rlab run --help)\n");
        assertBad(run("--entry", "[RESUME] " + OPEN_ASYNC, "--state", "-1"), "--state must not be negative: -1 (see r2rlab run --help)\n");
        assertBad(run("--entry", "[RESUME] " + OPEN_ASYNC, "--arg", "1"),
                "--arg: a resumption stub takes the continuation the runtime builds, no arguments\n");
        assertBad(run("--entry", "[ASYNC] System.IO.Compression.ZipFile.ExtractToDirectoryAsync"), "[ASYNC] System.IO.Compression.ZipFile"
                + ".ExtractToDirectoryAsync names 2 async variants (0x06000040 at RVA 0x7D60, 0x06000044 at RVA 0x8110); name one by its"
                + " method's token\n");
        assertBad(run("--entry", "[RESUME] No.Such"), "no resumption stub named [RESUME] No.Such (see r2rlab dump)\n");
        assertBad(run("--entry", "[ASYNC] [RESUME] " + OPEN_ASYNC), "an async variant ([ASYNC]) or a resumption stub ([RESUME]), not both\n");
        assertBad(run("--entry", "[RESUME] " + OPEN_ASYNC, "--tier-up-after", "1"),
                "--tier-up-after runs a method through the dispatcher, not an async variant or a resumption stub (see r2rlab run --help)\n");
        // Ping's variant zeroes its frame with a ymm store (llvm-objdump-14: 0x140007760 vmovdqu %ymm4, -48(%rbp))
        CliDumpTest.Result ping = CliDumpTest.run("run", Fixtures.net11("System.Net.Ping.dll").toString(), "--entry",
                "[RESUME] System.Net.NetworkInformation.Ping+<>c.<SendPingAsync>b__56_0", "--cpu", "x86-64-v3");
        assertBad(ping, "[ASYNC] System.Net.NetworkInformation.Ping+<>c.<SendPingAsync>b__56_0 has no R2R code to run: R2R code of"
                + " System.Net.NetworkInformation.Ping+<>c.<SendPingAsync>b__56_0 rejected: vmovdqu ymmword ptr [rbp - 0x30], ymm4 at RVA"
                + " 0x7760 needs Avx (VEX.256), which the emulated CPU does not execute\n");
        CliDumpTest.Result emulated = CliDumpTest.run("run", ZIPFILE, "--entry", "[RESUME] " + OPEN_ASYNC);
        assertBad(emulated, "all R2R code of System.IO.Compression.ZipFile.dll disabled: its Eager Check_InstructionSetSupport fixup needs"
                + " X86Base, Avx, Avx2, which the emulated CPU lacks (--cpu emulated; Check_InstructionSetSupport X86Base+ Avx+ Avx2+)\n");
    }

    private static void assertBad(CliDumpTest.Result r, String message) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertTrue(r.err().contains(message), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }
}
