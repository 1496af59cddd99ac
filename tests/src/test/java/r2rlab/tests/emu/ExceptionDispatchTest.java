package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * Two-pass exception dispatch in the emulated runtime over the emitted funclets and ExceptionInfo: every method of
 * examples/exceptions.yaml gives the value the language defines (worked out by hand in the comments) on both
 * architectures, both calling conventions and both stub layouts; an exception no method catches faults the Task
 * through the Task-returning method's catch funclet; and the stub-registration switch shows why resumption stubs must
 * be registered: unregistered, a stub frame is taken for a funclet of the method before it and the dispatch cannot go on.
 */
class ExceptionDispatchTest {
    /** Method → the value it returns. */
    private static final Map<String, Long> EXPECTED = new LinkedHashMap<>();

    static {
        EXPECTED.put("Demo.Sync.SameFrame", 207L);          // x = 2, catch 7: 2 * 100 + 7
        EXPECTED.put("Demo.Sync.TwoFramesUp", 1005L);       // Thrower(5) two frames down: 5 + 1000
        EXPECTED.put("Demo.Sync.FinallyBothPaths", 23004L); // (2 * 10 + 3) * 10 = 230 after both finally blocks, catch 4
        EXPECTED.put("Demo.Sync.Rethrows", 959L);           // x = 9, rethrown 9: 900 + 9 + 50
        EXPECTED.put("Demo.Async.CatchAroundAwait", 106L);  // Fail(6) throws after its resumption: 1 * 100 + 6
        EXPECTED.put("Demo.Async.AwaitInFinally", 4203L);   // x = 2, the finally awaits and adds 40, catch 3
        EXPECTED.put("Demo.Async.AwaitInCatch", 18L);       // catch 8, await, 8 + 10
        EXPECTED.put("Demo.Async.Nested", 1243L);           // log 1 (finally), 12 (catch 2), 124 (finally), catch 3
    }

    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Architecture a : Architecture.values()) {
            for (TargetOs os : List.of(TargetOs.WINDOWS, TargetOs.LINUX)) {
                for (StubLayout l : StubLayout.values()) {
                    out.add(Arguments.of(a, os, l));
                }
            }
        }
        return out;
    }

    private static R2RImage image(EmitOptions options) throws Exception {
        var s = ScenarioParser.parse(Fixtures.examples().resolve("exceptions.yaml"));
        return R2RImage.read("exceptions.dll", Emitter.emit(s, options));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void everyMethodGivesTheValueTheLanguageDefines(Architecture arch, TargetOs os, StubLayout layout) throws Exception {
        R2RImage img = image(EmitOptions.of(arch).withOs(os).withStubLayout(layout));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            Map<String, Long> actual = new LinkedHashMap<>();
            for (String m : EXPECTED.keySet()) {
                RunOutcome r = rt.run(Emitted.token(img, m));
                assertInstanceOf(RunOutcome.Returned.class, r, m + ": " + r);
                actual.put(m, ((RunOutcome.Returned) r).value());
            }
            assertEquals(EXPECTED, actual);
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void secondPassRunsTheFinallyFuncletThenTheCatchFunclet(Architecture arch) throws Exception {
        R2RImage img = image(EmitOptions.of(arch));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            assertEquals(new RunOutcome.Returned(23004), rt.run(Emitted.token(img, "Demo.Sync.FinallyBothPaths")));
            List<String> dispatch = rt.trace().stream().filter(e -> e.startsWith("exception 4") || e.startsWith("call funclet")).toList();
            assertEquals(List.of("exception 4: caught by Demo.Sync.FinallyBothPaths [catch]; 2 funclet(s) to run",
                    "call funclet Demo.Sync.FinallyBothPaths [fault]", "call funclet Demo.Sync.FinallyBothPaths [catch]"),
                    dispatch.subList(0, 3));
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void uncaughtExceptionFaultsTheTaskThroughTheThunksCatchFunclet(Architecture arch) throws Exception {
        var s = ScenarioParser.parse("escape.yaml", String.join("\n",
                "module: Escape",
                "types:",
                "  - name: Demo.E",
                "    methods:",
                "      - name: Now",
                "        async: true",
                "        returns: int",
                "        body: |",
                "          throw 77", ""));
        R2RImage img = R2RImage.read("escape.dll", Emitter.emit(s, EmitOptions.of(arch)));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            AsyncRun run = rt.runAsync(Emitted.token(img, "Demo.E.Now"));
            assertEquals(77, run.exception().code());
            assertTrue(run.completedSynchronously());
            // The variant has no handler; the thunk's catch (System.Exception, the clause before its fault clause) made a
            // faulted Task with TaskFromException and resumed the thunk at its Pop, which restored the pushed contexts.
            List<String> t = rt.trace().stream().filter(e -> e.startsWith("exception 77") || e.startsWith("call funclet")
                    || e.startsWith("TaskFromException") || e.startsWith("ExecutionAndSyncBlockStore")).toList();
            assertEquals(6, t.size(), t.toString());
            assertTrue(t.get(0).startsWith("ExecutionAndSyncBlockStore.Push [0x"), t.get(0));
            assertEquals(List.of("exception 77: caught by Demo.E.Now [catch]; 1 funclet(s) to run", "call funclet Demo.E.Now [catch]"),
                    t.subList(1, 3));
            assertTrue(t.get(3).startsWith("TaskFromException 0x"), t.get(3));
            assertTrue(t.get(4).startsWith("exception 77 caught: resume at 0x"), t.get(4));
            assertTrue(t.get(5).startsWith("ExecutionAndSyncBlockStore.Pop [0x"), t.get(5));
        }
    }

    /**
     * The resumed Fail throws; its frame's caller is Fail's resumption stub. Registered, the stub is a method without EH
     * clauses, the exception leaves it into the awaiting method's continuation and the catch around the await runs.
     * Unregistered, the code manager walks back past the stub to the method before it and calls the stub frame a
     * funclet of that method; a funclet the dispatch did not call has no parent frame to go on from, so the exception
     * never reaches the catch.
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("r2rlab.tests.emu.ResumedStackWalkTest#cases")
    void unregisteredStubIsTakenForAFuncletAndTheCatchIsMissed(Architecture arch, StubLayout layout) throws Exception {
        R2RImage img = image(EmitOptions.of(arch).withStubLayout(layout));
        int token = Emitted.token(img, "Demo.Async.CatchAroundAwait");
        try (EmulatedRuntime rt = new EmulatedRuntime(img, true)) {
            assertEquals(new RunOutcome.Returned(106), rt.run(token));
        }
        try (EmulatedRuntime rt = new EmulatedRuntime(img, false)) {
            RunOutcome r = rt.run(token);
            assertInstanceOf(RunOutcome.Faulted.class, r, r.toString());
            String message = ((RunOutcome.Faulted) r).report().message();
            assertTrue(message.startsWith("exception 6: frame #1 at 0x"), message);
            assertTrue(message.contains("to the code manager, but no dispatch called it"), message);
            assertTrue(message.contains("the image lists it under Demo.Async.Fail$ResumptionStub"), message);
        }
    }
}
