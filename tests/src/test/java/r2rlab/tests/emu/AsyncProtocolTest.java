package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * The suspension and resumption protocol as it runs: the helper and CoreLib calls in the real images' order, with
 * their meanings (RestoreContexts' flag is "resumed"; the ExecutionContext travels in the continuation and the
 * resumed state restores it; the Exception slot is cleared once read; a resumed frame that suspends again reuses
 * its continuation).
 */
class AsyncProtocolTest {
    static final Set<String> PROTOCOL = Set.of("CaptureContexts", "RestoreContexts", "RestoreContextsOnSuspension",
            "CaptureExecutionContext", "RestoreExecutionContext", "AllocContinuation", "WriteBarrier", "Yield",
            "FinalizeTaskReturningThunk", "Task.FromResult", "resume");

    static R2RImage emit(String yaml, Architecture arch) {
        return R2RImage.read("p.dll", Emitter.emit(ScenarioParser.parse("p.yaml", yaml), EmitOptions.of(arch)));
    }

    static R2RImage example(String name, Architecture arch) throws Exception {
        return R2RImage.read(name, Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve(name)), EmitOptions.of(arch)));
    }

    static List<String> protocol(EmulatedRuntime rt) {
        List<String> out = new ArrayList<>();
        for (String e : rt.trace()) {
            String first = e.split(" ")[0];
            if (PROTOCOL.contains(first)) {
                out.add(first.equals("resume") ? e.split(" ")[0] + " " + e.split(" ")[1] : first);
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theCallsInOrder_withResumedFalseOnTheFreshPathAndTrueAfterResumption(Architecture arch) throws Exception {
        R2RImage img = example("async-basic.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            AsyncRun r = rt.runAsync(Emitted.token(img, "Demo.Program.Main"));
            assertEquals(42, r.value());
            assertEquals(List.of("CaptureContexts", "Yield", "AllocContinuation", "CaptureExecutionContext", "WriteBarrier",
                    "RestoreContextsOnSuspension", "FinalizeTaskReturningThunk", "resume Yield", "resume continuation",
                    "RestoreExecutionContext", "RestoreContexts"), protocol(rt));
            long ec = rt.callerExecutionContext();
            List<String> trace = rt.trace();
            assertTrue(trace.contains(String.format("RestoreContextsOnSuspension resumed=0 ec=0x%X sc=0x0: thread ec 0x%X -> 0x%X", ec, ec, ec)),
                    String.join("\n", trace));
            // Resumed on a pool thread (no ExecutionContext), the state restores the one its suspension saved ...
            assertTrue(trace.contains(String.format("RestoreExecutionContext 0x%X: thread ec 0x0 -> 0x%X", ec, ec)), String.join("\n", trace));
            // ... and its return leaves the dispatcher's contexts alone: resumed = 1, and the resumed frame captured none.
            assertTrue(trace.contains("RestoreContexts resumed=1 ec=0x0 sc=0x0: no change"), String.join("\n", trace));
            // The saved ExecutionContext is in the continuation's ExecutionContext slot (index 2: Main awaits only yield).
            long cont = r.resumptions().get(0).continuation();
            assertEquals(ec, rt.engine().readLong(cont + 0x28));
        }
    }

    static final String FLOW = """
            module: Flow
            types:
              - name: Demo.Flow
                methods:
                  - name: Run
                    async: true
                    returns: int
                    body: |
                      gcpoint
                      await yield
                      gcpoint
                      await yield
                      gcpoint
                      return 7
            """;

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theExecutionContextFlowsThroughTheContinuation(Architecture arch) {
        R2RImage img = emit(FLOW, arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<Long> seen = new ArrayList<>();
            rt.onGcPoint(r -> seen.add(r.threadExecutionContext()));
            assertEquals(7, rt.runAsync(Emitted.token(img, "Demo.Flow.Run")).value());
            long ec = rt.callerExecutionContext();
            assertTrue(ec != 0);
            // Before the first await on the calling thread, and after each resumption on the pool thread: the run's context.
            assertEquals(List.of(ec, ec, ec), seen);
            assertEquals(ec, rt.threadExecutionContext(), "the pool work item restored the thread's contexts");
            // Two resumptions, each restoring from the slot; the second suspension reused the continuation.
            assertEquals(2, rt.trace().stream().filter(e -> e.equals(String.format("RestoreExecutionContext 0x%X: thread ec 0x0 -> 0x%X", ec, ec)))
                    .count(), String.join("\n", rt.trace()));
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void theExceptionSlotIsClearedOnceRead(Architecture arch) throws Exception {
        R2RImage img = example("async-exception.yaml", arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            AsyncRun r = rt.runAsync(Emitted.token(img, "Demo.Faults.Caller"));
            assertEquals(5, r.exception().code());
            assertEquals(1, r.exceptionsRouted(), "the dispatcher stored Fail's exception in Caller's continuation");
            long callerCont = r.resumptions().get(1).continuation();
            assertTrue(rt.trace().stream().anyMatch(e -> e.equals(String.format("exception 5 stored in continuation 0x%X", callerCont))));
            assertEquals(0, rt.engine().readLong(callerCont + 0x20), "Caller's resumed state read the Exception slot and cleared it");
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void aResumedFrameThatSuspendsAgainReusesItsContinuation(Architecture arch) {
        R2RImage img = emit(EmulatedAsyncTest.MULTI, arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            AsyncRun r = rt.runAsync(Emitted.token(img, "Demo.Multi.Loop"), 4);
            List<Long> loop = new ArrayList<>();
            for (AsyncRun.Resumption x : r.resumptions()) {
                if (x.stub().name().equals("Demo.Multi.Loop$ResumptionStub")) {
                    loop.add(x.continuation());
                }
            }
            assertEquals(7, loop.size());
            assertEquals(1, loop.stream().distinct().count(), "Loop's seven resumptions resume one continuation object");
            // Each re-suspension linked the callee's new continuation to it through WriteBarrier (prev.Next).
            long reuses = rt.trace().stream().filter(e -> e.startsWith("WriteBarrier [") && e.endsWith(String.format("= 0x%X", loop.get(0))))
                    .count();
            assertEquals(6, reuses, String.join("\n", rt.trace()));
        }
    }
}
