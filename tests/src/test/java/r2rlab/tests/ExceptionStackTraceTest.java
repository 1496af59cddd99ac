package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/**
 * Exception objects hold a reference: the stack trace each dispatch's first pass appends to (the real object's
 * _stackTrace). An exception that leaves a method after a resumption is stored in the caller's continuation and
 * rethrown there, so its trace has both throws; a bare {@code throw} in a catch appends the rethrow's frames. Under GC
 * stress the collections move the exception object and its array, and the trace read at the end is the same. Each
 * frame is a return address: the instruction before it is a call (Capstone). The runtime holds exception objects
 * weakly: one that nothing references any more is not kept by a collection.
 */
class ExceptionStackTraceTest {
    private static final String RETHROW = String.join("\n", "module: St", "types:", "  - name: Demo.St", "    methods:",
            "      - name: Thrower", "        params: [code]", "        returns: int", "        body: |", "          throw code",
            "      - name: Rethrow", "        returns: int", "        body: |", "          try {", "            return call Demo.St.Thrower(4)",
            "          } catch e {", "            throw", "          }",
            "      - name: Top", "        returns: int", "        body: |", "          return call Demo.St.Rethrow() + 1", "");

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void anAsyncRethrowAppendsToTheTrace_andTheTraceSurvivesGcStress(Architecture arch) {
        boolean arm64 = arch == Architecture.ARM64;
        List<String> expected = arm64
                ? List.of("[ASYNC] Demo.Faults.Fail+0xA0", "[RESUME] Demo.Faults.Fail$ResumptionStub+0x18", "[ASYNC] Demo.Faults.Caller+0x1A8",
                        "[RESUME] Demo.Faults.Caller$ResumptionStub+0x14")
                : List.of("[ASYNC] Demo.Faults.Fail+0x90", "[RESUME] Demo.Faults.Fail$ResumptionStub+0x11", "[ASYNC] Demo.Faults.Caller+0x14C",
                        "[RESUME] Demo.Faults.Caller$ResumptionStub+0xF");
        check(Emitted.scenario("async-exception.yaml"), arch, "Demo.Faults.Caller", 5, expected);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aBareRethrowAppendsItsFrames(Architecture arch) throws Exception {
        boolean arm64 = arch == Architecture.ARM64;
        List<String> expected = arm64
                ? List.of("Demo.St.Thrower+0x3C", "Demo.St.Rethrow+0x28", "Demo.St.Rethrow+0x5C", "Demo.St.Top+0x18")
                : List.of("Demo.St.Thrower+0x2A", "Demo.St.Rethrow+0x22", "Demo.St.Rethrow+0x4B", "Demo.St.Top+0xE");
        check(ScenarioParser.parse("st.yaml", RETHROW), arch, "Demo.St.Top", 4, expected);
    }

    /**
     * SameFrame throws and catches 7: its exception object and the object's stack trace are the only objects of the
     * run; once it returned nothing references them, and a collection keeps neither.
     */
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aCaughtExceptionIsNotKeptByTheRuntime(Architecture arch) {
        R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("exceptions.yaml"), arch));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            assertEquals(new RunOutcome.Returned(207), rt.run(Emitted.token(img, "Demo.Sync.SameFrame")));
            assertEquals(2, rt.gcHeap().objectCount(), "the exception object and its stack trace");
            Collector.Result r = rt.collectBetweenRuns(new long[0]);
            assertEquals(0, r.objects());
            assertEquals(0, rt.gcHeap().objectCount());
            assertEquals(List.of(), r.problems());
        }
    }

    private static void check(Scenario s, Architecture arch, String entry, int code, List<String> expected) {
        R2RImage img = Emitted.read(Emitted.emit(s, arch));
        for (boolean stress : new boolean[] {false, true}) {
            List<String> trace = run(img, entry, code, rt -> rt.gcStress(stress), stress);
            assertEquals(expected, trace, stress ? "under GC stress" : "without collections");
        }
        for (String frame : expected) {
            assertTrue(followsACall(img, frame, arch == Architecture.ARM64), frame + " is no return address");
        }
    }

    private static List<String> run(R2RImage img, String entry, int code, Consumer<EmulatedRuntime> setup, boolean stress) {
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            setup.accept(rt);
            RunOutcome outcome = rt.run(Emitted.token(img, entry));
            assertTrue(outcome instanceof RunOutcome.Threw, GcStressTest.describe(outcome));
            RunOutcome.Threw t = (RunOutcome.Threw) outcome;
            assertEquals(code, t.code());
            assertEquals(stress, rt.collector().collections() > 0, rt.collector().collections() + " collections");
            return rt.stackTrace(t.exception());
        }
    }

    /** Whether the instruction that ends at {@code frame} ("[ASYNC] Demo.M+0x1C") is a call. */
    private static boolean followsACall(R2RImage img, String frame, boolean arm64) {
        CodeBodyKind kind = frame.startsWith("[ASYNC] ") ? CodeBodyKind.ASYNC_VARIANT
                : frame.startsWith("[RESUME] ") ? CodeBodyKind.RESUMPTION_STUB : CodeBodyKind.METHOD;
        String name = frame.substring(frame.indexOf(']') + 1).trim();
        int plus = name.lastIndexOf("+0x");
        long offset = Long.parseLong(name.substring(plus + 3), 16);
        String method = name.substring(0, plus).replace("$ResumptionStub", "");
        RuntimeFunction rf;
        if (kind == CodeBodyKind.RESUMPTION_STUB) {
            ResumptionStub stub = img.resumptionStubs().stream().filter(x -> x.owner().name().equals(method)).findFirst().orElseThrow();
            rf = img.runtimeFunctions().get(stub.runtimeFunction());
        } else {
            ReadyToRunMethod m = img.methods().stream().filter(x -> x.name().equals(method) && x.kind() == kind).findFirst().orElseThrow();
            rf = img.runtimeFunctions().get(m.entryRuntimeFunction());
        }
        long start = img.pe().imageBase() + rf.beginRva();
        try (Disassembler d = new Disassembler(arm64)) {
            return d.disassemble(Emitted.code(img, rf), start).stream()
                    .anyMatch(i -> i.address() + i.size() == start + offset && (i.mnemonic().startsWith("call") || i.mnemonic().startsWith("bl")));
        }
    }
}
