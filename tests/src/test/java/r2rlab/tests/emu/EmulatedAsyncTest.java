package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * Runtime-async execution: Task-returning thunks, suspension through the runtime's Yield,
 * AllocContinuation chains, and the dispatcher resuming them innermost first, on both
 * architectures, Windows and Linux ABIs, both stub layouts, and with defect B1 (no tiering).
 */
class EmulatedAsyncTest {
    /** One emission configuration. */
    record Config(Architecture arch, TargetOs os, StubLayout layout, Set<Defect> defects) {
        EmitOptions options() {
            return new EmitOptions(arch, os, defects, layout);
        }

        @Override
        public String toString() {
            return arch + "/" + os + "/" + layout + (defects.isEmpty() ? "" : "/" + defects);
        }
    }

    static Stream<Config> configs() {
        List<Config> all = new ArrayList<>();
        for (Architecture arch : Architecture.values()) {
            for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
                all.add(new Config(arch, os, StubLayout.ADJACENT, Set.of()));
                all.add(new Config(arch, os, StubLayout.GROUPED, Set.of()));
                all.add(new Config(arch, os, StubLayout.ADJACENT, Set.of(Defect.B1_STUB_CALLS_THROUGH_CELL)));
            }
        }
        return all.stream();
    }

    private static R2RImage emitExample(String file, Config c) throws Exception {
        Scenario s = ScenarioParser.parse(Fixtures.examples().resolve(file));
        return R2RImage.read(file, Emitter.emit(s, c.options()));
    }

    private static R2RImage emitText(String name, String yaml, Config c) {
        Scenario s = ScenarioParser.parse(name + ".yaml", yaml);
        return R2RImage.read(name + ".dll", Emitter.emit(s, c.options()));
    }

    /** The simple method names of the resumed stubs ("Demo.Nested.C$ResumptionStub" -> "C"). */
    private static List<String> resumed(AsyncRun r) {
        List<String> out = new ArrayList<>();
        for (AsyncRun.Resumption x : r.resumptions()) {
            assertNotNull(x.stub(), "the stub's code address maps to a MethodDesc");
            assertTrue(x.stub().isResumptionStub(), x.stub() + " is a resumption stub");
            String n = x.stub().name();
            assertTrue(n.endsWith(R2RImage.STUB_SUFFIX), n);
            n = n.substring(0, n.length() - R2RImage.STUB_SUFFIX.length());
            out.add(n.substring(n.lastIndexOf('.') + 1));
        }
        return out;
    }

    private static AsyncRun ok(EmulatedRuntime rt, AsyncRun r, Config c) {
        assertFalse(r.threw(), () -> c + ": " + r.exception() + "\n" + String.join("\n", rt.trace()));
        return r;
    }

    @ParameterizedTest
    @MethodSource("configs")
    void asyncBasic(Config c) throws Exception {
        R2RImage img = emitExample("async-basic.yaml", c);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // Main: a = 40, b = 2 live across `await yield`, returns 42.
            AsyncRun main = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Program.Main")), c);
            assertEquals(42, main.value(), c.toString());
            assertFalse(main.completedSynchronously());
            assertEquals(1, main.yields());
            assertEquals(1, main.suspensions());
            assertEquals(1, main.continuationsAllocated());
            assertEquals(List.of("Main"), resumed(main));

            // Compute(8) = 8 + Main() = 50; the chain Yield -> Main -> Compute resumes Main's stub first.
            AsyncRun compute = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Program.Compute"), 8), c);
            assertEquals(50, compute.value(), c.toString());
            assertEquals(List.of("Main", "Compute"), resumed(compute));
            assertEquals(2, compute.continuationsAllocated());
            assertEquals(1, compute.suspensions());
            // The continuation Main's stub resumed was linked (AllocContinuation: prev.Next = new) to Compute's.
            long mainCont = compute.resumptions().get(0).continuation();
            long computeCont = compute.resumptions().get(1).continuation();
            assertEquals(computeCont, rt.engine().readLong(mainCont + 8), "Main's continuation.Next is Compute's");
            assertEquals(0, rt.engine().readLong(computeCont + 8), "Compute's continuation is the outermost");

            // A second run goes through the already-patched cells and gives the same value.
            assertEquals(50, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Program.Compute"), 8), c).value());
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("AllocContinuation")));
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("Yield suspends")));
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("resume continuation")));
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void asyncNestedResumesInnermostFirst(Config c) throws Exception {
        R2RImage img = emitExample("async-nested.yaml", c);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // A(1) = B(2) * 2; B(2) = C(2) + 2; C(2) = 102 -> 104 -> 208.
            AsyncRun a = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Nested.A"), 1), c);
            assertEquals(208, a.value(), c.toString());
            assertEquals(List.of("C", "B", "A"), resumed(a));
            assertEquals(3, a.continuationsAllocated());
            assertEquals(1, a.suspensions());
            assertEquals(1, a.yields());
            // Awaited directly, B(10) = C(10) + 10 = 120.
            AsyncRun b = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Nested.B"), 10), c);
            assertEquals(120, b.value());
            assertEquals(List.of("C", "B"), resumed(b));
            // The stubs the dispatcher called are distinct code: one per method.
            assertEquals(3, a.resumptions().stream().map(AsyncRun.Resumption::stubAddress).distinct().count());
        }
    }

    static final String MULTI = """
            module: MultiAwait
            types:
              - name: Demo.Multi
                methods:
                  - name: Loop
                    async: true
                    params: [n]
                    returns: int
                    body: |
                      var total = 0
                      var i = 0
                      while i < n {
                        total = total + await Demo.Multi.Inner(i)
                        i = i + 1
                      }
                      await cell Demo.Multi.Touch(total)
                      var keep = total * 1000
                      await yield
                      var m = await cell Demo.Multi.Inner(total)
                      return m + total + keep
                  - name: Inner
                    async: true
                    params: [x]
                    returns: int
                    body: |
                      var sq = x * x
                      await yield
                      return sq + 1
                  - name: Touch
                    async: true
                    params: [x]
                    returns: void
                    body: |
                      await yield
                      if x < 0 {
                        throw 7
                      }
                      return
            """;

    @ParameterizedTest
    @MethodSource("configs")
    void severalAwaitsKeepLocals(Config c) {
        R2RImage img = emitText("multi", MULTI, c);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // Loop(4): total = 1 + 2 + 5 + 10 = 18; keep = 18000; Inner(18) = 325; 325 + 18 + 18000.
            AsyncRun r = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Multi.Loop"), 4), c);
            assertEquals(18343, r.value(), c.toString());
            assertEquals(List.of("Inner", "Loop", "Inner", "Loop", "Inner", "Loop", "Inner", "Loop",
                    "Touch", "Loop", "Loop", "Inner", "Loop"), resumed(r));
            assertEquals(7, r.yields());
            assertEquals(7, r.suspensions());
            // As in the real images, a resumed invocation that suspends again reuses its incoming continuation: Loop
            // allocates one (its first suspension, fresh) and reuses it six times; each fresh call of Inner (5) and
            // Touch (1) allocates one.
            assertEquals(7, r.continuationsAllocated());
            // Loop(0): Touch(0), yield, Inner(0) = 1 -> 1.
            assertEquals(1, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Multi.Loop"), 0), c).value());
            // A void async method: its Task completes with no value.
            AsyncRun t = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Multi.Touch"), 3), c);
            assertEquals(List.of("Touch"), resumed(t));
            // Touch(-1) throws after its resumption: the Task faults with 7.
            AsyncRun f = rt.runAsync(Emitted.token(img, "Demo.Multi.Touch"), -1);
            assertTrue(f.threw());
            assertEquals(7, f.exception().code());
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void asyncExceptionReachesTheAwaitingCaller(Config c) throws Exception {
        R2RImage img = emitExample("async-exception.yaml", c);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // Caller awaits Fail(5); Fail throws 5 after its resumption; the dispatcher stores the exception
            // in Caller's continuation, Caller's resume block rethrows it (ThrowExact) and the Task faults.
            AsyncRun r = rt.runAsync(Emitted.token(img, "Demo.Faults.Caller"));
            assertTrue(r.threw(), () -> c + ": " + r + "\n" + String.join("\n", rt.trace()));
            assertEquals(5, r.exception().code(), c.toString());
            assertEquals("Throw", r.exception().helper(), "the rethrow keeps the original exception");
            assertEquals(List.of("Fail", "Caller"), resumed(r));
            assertTrue(r.resumptions().get(0).threw());
            assertTrue(r.resumptions().get(1).threw(), "Caller rethrew it");
            assertEquals(1, r.exceptionsRouted());
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("ThrowExact 5")), String.join("\n", rt.trace()));
            // Fail(0) completes with 0; Fail(3) faults directly with 3 (no awaiting continuation).
            assertEquals(0, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Faults.Fail"), 0), c).value());
            AsyncRun f = rt.runAsync(Emitted.token(img, "Demo.Faults.Fail"), 3);
            assertEquals(3, f.exception().code());
            assertEquals(0, f.exceptionsRouted());
            // The instance method keeps `this` (a Box) across its await: Run() = Bump(new Box(0x1000), 1) = 0x1000 + 1.
            AsyncRun run = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Counter.Run")), c);
            assertEquals(0x1001, run.value());
            assertEquals(List.of("Bump", "Run"), resumed(run));
            // Called directly through its Task-returning method (this = null, delta).
            AsyncRun bump = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Counter.Bump"), 0, 5), c);
            assertEquals(0x1005, bump.value());
        }
    }

    static final String CHAIN = """
            module: ExceptionChain
            types:
              - name: Demo.Chain
                methods:
                  - name: Top
                    async: true
                    params: [x]
                    returns: int
                    body: |
                      var r = await Demo.Chain.Mid(x)
                      return r + 1
                  - name: Mid
                    async: true
                    params: [x]
                    returns: int
                    body: |
                      var r = await cell Demo.Chain.Leaf(x)
                      return r * 10
                  - name: Leaf
                    async: true
                    params: [x]
                    returns: int
                    body: |
                      await yield
                      if x > 100 {
                        throw x
                      }
                      return x
            """;

    @ParameterizedTest
    @MethodSource("configs")
    void exceptionTravelsThroughEveryLevel(Config c) {
        R2RImage img = emitText("chain", CHAIN, c);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            assertEquals(71, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Chain.Top"), 7), c).value(), c.toString());
            AsyncRun r = rt.runAsync(Emitted.token(img, "Demo.Chain.Top"), 123);
            assertTrue(r.threw(), () -> String.join("\n", rt.trace()));
            assertEquals(123, r.exception().code());
            assertEquals(List.of("Leaf", "Mid", "Top"), resumed(r));
            assertEquals(2, r.exceptionsRouted());
            assertEquals("Throw", r.exception().helper());
        }
    }

    /** Both stub layouts and defect B1 (without tiering) give the same observable runs. */
    @ParameterizedTest
    @MethodSource("r2rlab.tests.emu.EmulatedAsyncTest#architectures")
    void layoutsAndB1AgreeWithTheDefault(Architecture arch) {
        List<String> reference = null;
        for (Config c : configs().filter(x -> x.arch() == arch && x.os() == TargetOs.LINUX).toList()) {
            R2RImage img = emitText("multi", MULTI, c);
            try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
                List<String> facts = new ArrayList<>();
                for (long n : new long[] {0, 1, 3, 5}) {
                    AsyncRun r = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Multi.Loop"), n), c);
                    facts.add(n + "=" + r.value() + " " + resumed(r) + " s" + r.suspensions() + " a" + r.continuationsAllocated());
                }
                if (reference == null) {
                    reference = facts;
                } else {
                    assertEquals(reference, facts, c.toString());
                }
            }
        }
    }

    static Stream<Architecture> architectures() {
        return Stream.of(Architecture.values());
    }
}
