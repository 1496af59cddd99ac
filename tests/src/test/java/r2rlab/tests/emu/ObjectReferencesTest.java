package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.MethodTableLayout;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.TypeLayout;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * examples/gc-refs.yaml on x64 (Windows and System V) and ARM64: Boxes and Pairs allocated by NewObject with the
 * MethodTable of their TypeHandle cell (base size and reference offsets readable from guest memory), reference fields
 * stored through WriteBarrier, references saved in continuations and marked in their GC maps, a reference result
 * stored by the resumption stub through CheckedWriteBarrier, a field of null throwing -3; and the defect switch that
 * drops the barrier of reference field stores.
 */
class ObjectReferencesTest {
    private static final Pattern NEW_OBJECT = Pattern.compile("NewObject MT 0x([0-9A-F]+) -> 0x([0-9A-F]+)");

    static Stream<EmitOptions> targets() {
        return Stream.of(new EmitOptions(Architecture.X64, TargetOs.WINDOWS, Set.of(), StubLayout.ADJACENT),
                new EmitOptions(Architecture.X64, TargetOs.LINUX, Set.of(), StubLayout.GROUPED),
                new EmitOptions(Architecture.ARM64, TargetOs.WINDOWS, Set.of(), StubLayout.ADJACENT));
    }

    private static R2RImage emit(EmitOptions o) throws Exception {
        return R2RImage.read("gc-refs.dll", Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve("gc-refs.yaml")), o));
    }

    private static AsyncRun ok(EmulatedRuntime rt, AsyncRun r) {
        assertFalse(r.threw(), () -> r.exception() + "\n" + String.join("\n", rt.trace()));
        return r;
    }

    @ParameterizedTest
    @MethodSource("targets")
    void resultsOfEveryRoot(EmitOptions o) throws Exception {
        R2RImage img = emit(o);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // Main: Swap(Pair(Box 40, Box 2)) gives Pair(Box 2, Box 40), the same Boxes: 2 + 40.
            assertEquals(42, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Refs.Main"))).value(), o.toString());
            // Sum(4): Chain(4..0) each add their depth to the Box the level below returned: 4 + 3 + 2 + 1 + 0.
            AsyncRun sum = ok(rt, rt.runAsync(Emitted.token(img, "Demo.Refs.Sum"), 4));
            assertEquals(10, sum.value());
            // Nulls: 1 (p == null) + 10 (second null, first not) + -3 (p.second.value: NullReferenceException).
            assertEquals(new RunOutcome.Returned(8), rt.call(Emitted.token(img, "Demo.Refs.Nulls")));
            // Holder.Run: Same(this = a Box, b = Box 7) keeps `this` across its await.
            assertEquals(7, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Holder.Run"))).value());
        }
    }

    @ParameterizedTest
    @MethodSource("targets")
    void barriersAndMethodTables(EmitOptions o) throws Exception {
        R2RImage img = emit(o);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<Long> hooked = new ArrayList<>();
            rt.onWriteBarrier(hooked::add);
            ok(rt, rt.runAsync(Emitted.token(img, "Demo.Refs.Main")));
            // The hook sees every store the helpers make, after the store: the value is in memory.
            List<Long> traced = new ArrayList<>();
            for (String e : rt.trace()) {
                Matcher m = Pattern.compile("^(Checked)?WriteBarrier \\[0x([0-9A-F]+)\\] = 0x([0-9A-F]+)$").matcher(e);
                if (m.find()) {
                    traced.add(Long.parseUnsignedLong(m.group(2), 16));
                }
            }
            assertEquals(traced, hooked);
            // Three Boxes and Pairs in Main (a, b, p) and one in Swap; by MethodTable: Box 16 bytes, no references;
            // Pair 24 bytes, references at +8 and +16 (its GCDesc).
            Map<Long, List<Long>> objectsByType = new TreeMap<>();
            for (String e : rt.trace()) {
                Matcher m = NEW_OBJECT.matcher(e);
                if (m.find()) {
                    objectsByType.computeIfAbsent(Long.parseUnsignedLong(m.group(1), 16), k -> new ArrayList<>())
                            .add(Long.parseUnsignedLong(m.group(2), 16));
                }
            }
            assertEquals(2, objectsByType.size(), objectsByType.toString());
            long boxMt = objectsByType.entrySet().stream().filter(x -> x.getValue().size() == 2).findFirst().orElseThrow().getKey();
            long pairMt = objectsByType.entrySet().stream().filter(x -> x.getKey() != boxMt).findFirst().orElseThrow().getKey();
            assertEquals(16, MethodTableLayout.baseSize(rt.engine(), boxMt));
            assertEquals(List.of(), MethodTableLayout.referenceOffsets(rt.engine(), boxMt));
            assertEquals(24, MethodTableLayout.baseSize(rt.engine(), pairMt));
            assertEquals(List.of(8, 16), MethodTableLayout.referenceOffsets(rt.engine(), pairMt));
            // Every reference field of every Pair was stored through WriteBarrier (new Pair(a, null), p.second = b,
            // new Pair(p.second, first)), and the Pair Swap returned through the stub's CheckedWriteBarrier.
            for (long pair : objectsByType.get(pairMt)) {
                assertTrue(hooked.contains(pair + 8) && hooked.contains(pair + 16), Long.toHexString(pair));
                assertEquals(pairMt, rt.engine().readLong(pair));
            }
            assertEquals(1, rt.trace().stream().filter(e -> e.startsWith("CheckedWriteBarrier [")).count());
        }
    }

    /** The ContinuationLayout GC maps (bit i: data cell i, from +0x20), as worked out from the scenario by hand. */
    @ParameterizedTest
    @MethodSource("targets")
    void continuationMapsMarkExactlyTheSavedReferences(EmitOptions o) throws Exception {
        R2RImage img = emit(o);
        Map<Integer, String> layouts = new TreeMap<>();
        for (ImportCell c : img.importSections().stream().flatMap(x -> x.cells().stream()).toList()) {
            if (c.signature() instanceof FixupSignature.Layout l) {
                TypeLayout t = l.layout();
                StringBuilder bits = new StringBuilder();
                for (int i = 0; i < t.size() / 8; i++) {
                    bits.append(t.isReference(i) ? '1' : '0');
                }
                layouts.put(t.size(), layouts.getOrDefault(t.size(), "") + bits + " ");
            }
        }
        // Main: Exception, reference Result (Swap's Pair), ExecutionContext, a, b, p: all references.
        // Swap: Exception, ExecutionContext, p, tag (an integer), first. Chain: Exception, reference Result,
        // ExecutionContext, mine, inner. Sum: Exception, reference Result, ExecutionContext (nothing is live across
        // its await). Holder.Same: Exception, ExecutionContext, this, b, self. Holder.Run: Exception, integer Result,
        // ExecutionContext. Chain's and Same's layouts are the same and share one cell.
        assertEquals(Map.of(48, "111111 ", 40, "11101 11111 ", 24, "101 111 "), sortedWords(layouts));
    }

    private static Map<Integer, String> sortedWords(Map<Integer, String> in) {
        Map<Integer, String> out = new TreeMap<>();
        in.forEach((k, v) -> {
            List<String> words = new ArrayList<>(List.of(v.trim().split(" ")));
            words.sort(null);
            out.put(k, String.join(" ", words) + " ");
        });
        return out;
    }

    /** dropped-write-barrier: the Pairs' reference fields are plain stores; the barrier hook never hears of them. */
    @ParameterizedTest
    @MethodSource("targets")
    void droppedWriteBarrier(EmitOptions fixed) throws Exception {
        EmitOptions o = new EmitOptions(fixed.arch(), fixed.os(), Set.of(Defect.DROPPED_WRITE_BARRIER), fixed.stubLayout());
        R2RImage img = emit(o);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<Long> hooked = new ArrayList<>();
            rt.onWriteBarrier(hooked::add);
            assertEquals(42, ok(rt, rt.runAsync(Emitted.token(img, "Demo.Refs.Main"))).value());
            List<Long> pairs = new ArrayList<>();
            for (String e : rt.trace()) {
                Matcher m = NEW_OBJECT.matcher(e);
                if (m.find() && MethodTableLayout.baseSize(rt.engine(), Long.parseUnsignedLong(m.group(1), 16)) == 24) {
                    pairs.add(Long.parseUnsignedLong(m.group(2), 16));
                }
            }
            assertEquals(2, pairs.size());
            for (long pair : pairs) {
                assertFalse(hooked.contains(pair + 8) || hooked.contains(pair + 16), Long.toHexString(pair));
                assertTrue(rt.engine().readLong(pair + 8) != 0, "the store itself happened");
            }
            assertFalse(hooked.isEmpty(), "the continuations' references still go through the barrier");
        }
    }
}
