package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.r2r.ModuleMetadata;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.GcHeap;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.loader.R2RImage;

/**
 * Every example gives the same result under GC stress (a moving collection at every safepoint the code reaches) as
 * without, on x64 and ARM64: every root method, with the arguments demo passes. Under stress every collection walks
 * every frame without a problem, and the semispace the last collection left holds the poison pattern.
 */
class GcStressTest {
    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Path p : Emitted.examples()) {
            for (Architecture arch : Architecture.values()) {
                out.add(Arguments.of(p.getFileName().toString(), arch));
            }
        }
        return out;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void sameResultUnderGcStress(String example, Architecture arch) {
        List<Collector.Result> collections = new ArrayList<>();
        List<String> plain = results(example, arch, rt -> { }, rt -> assertEquals(0, rt.collector().collections(), "94 MiB never fill"));
        List<String> stressed = results(example, arch, rt -> {
            rt.gcStress(true);
            rt.onCollection(collections::add);
        }, rt -> {
            assertTrue(rt.collector().collections() > 0, "collections under stress");
            if (collections.stream().anyMatch(r -> r.objects() > 0)) {
                long left = rt.gcHeap().spaceBase() == GcHeap.SPACE_A ? GcHeap.SPACE_B : GcHeap.SPACE_A;
                assertEquals(GcHeap.POISON_WORD, rt.engine().readLong(left), "the semispace the last collection left is poisoned");
            }
        });
        assertEquals(plain, stressed);
        for (Collector.Result r : collections) {
            assertEquals(List.of(), r.problems(), "collection #" + r.collection() + " over " + r.frameNames());
        }
    }

    /**
     * Without stress the collector runs when an allocation does not fit: with semispaces of 768 bytes,
     * exceptions.yaml's runs allocate past them, collect at those allocations and give the same results.
     */
    @ParameterizedTest
    @MethodSource("smallHeapCases")
    void aSmallHeapCollectsWhenAnAllocationDoesNotFit(Architecture arch) {
        List<String> plain = results("exceptions.yaml", arch, rt -> { }, rt -> { });
        List<String> small = results("exceptions.yaml", arch, rt -> rt.gcHeap().limit(768), rt -> {
            assertTrue(rt.collector().collections() > 0, rt.collector().collections() + " collections");
            assertTrue(rt.gcHeap().used() <= 768);
        });
        assertEquals(plain, small);
    }

    static List<Architecture> smallHeapCases() {
        return List.of(Architecture.values());
    }

    /**
     * An async method's reference result lives in its Task (Task&lt;Box&gt;, whose result field the collector traces), both
     * from Task.FromResult (completed synchronously) and from the stub's store after a resumption; under GC stress
     * the result is the Box, not a stale address.
     */
    @ParameterizedTest
    @MethodSource("smallHeapCases")
    void aReferenceResultSurvivesGcStress(Architecture arch) throws Exception {
        Scenario s = ScenarioParser.parse("tref.yaml", String.join("\n", "module: TRef", "types:", "  - name: Demo.T", "    methods:",
                "      - name: Now", "        async: true", "        returns: Box", "        body: |", "          return new Box(5)",
                "      - name: Later", "        async: true", "        returns: Box", "        body: |", "          var b = new Box(6)",
                "          await yield", "          return b") + "\n");
        R2RImage img = Emitted.read(Emitted.emit(s, arch));
        ModuleMetadata metadata = new ModuleMetadata(s);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            rt.gcStress(true);
            List<String> results = new ArrayList<>();
            for (MethodDecl m : s.rootMethods()) {
                RunOutcome.Returned r = (RunOutcome.Returned) rt.run(metadata.methodToken(m));
                results.add(rt.describeReference(r.value()));
            }
            assertEquals(List.of("Box{value=5}", "Box{value=6}"), results);
            assertTrue(rt.collector().collections() > 5);
        }
    }

    /** "Name = value" (or "threw" with the exception's stack trace, "faulted") for every root of {@code example}, run in a runtime {@code setup} prepared. */
    private static List<String> results(String example, Architecture arch, Consumer<EmulatedRuntime> setup, Consumer<EmulatedRuntime> after) {
        Scenario scenario = Emitted.scenario(example);
        R2RImage img = Emitted.read(Emitted.emit(scenario, arch));
        ModuleMetadata metadata = new ModuleMetadata(scenario);
        List<String> out = new ArrayList<>();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            setup.accept(rt);
            for (MethodDecl m : scenario.rootMethods()) {
                long[] args = new long[m.params().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = i + 1;
                }
                RunOutcome outcome = rt.run(metadata.methodToken(m), args);
                // an exception's stack trace is a reference of its object: the same after every collection moved it
                out.add(m.fullName() + " " + describe(outcome) + (outcome instanceof RunOutcome.Threw t ? " " + rt.stackTrace(t.exception()) : ""));
            }
            after.accept(rt);
        }
        return out;
    }

    static String describe(RunOutcome outcome) {
        if (outcome instanceof RunOutcome.Returned r) {
            return "= " + r.value();
        }
        if (outcome instanceof RunOutcome.Threw t) {
            return "threw " + t.code();
        }
        RunOutcome.Faulted f = (RunOutcome.Faulted) outcome;
        return "faulted " + f.report().kind() + ": " + f.report().message();
    }
}
