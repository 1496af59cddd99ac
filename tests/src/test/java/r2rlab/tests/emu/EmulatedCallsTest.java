package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/** Scenario 1: a chain of calls through delay-load cells returns the right value; each cell is resolved once and patched. */
class EmulatedCallsTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void callsThroughDelayLoadCells(Architecture arch) throws Exception {
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            Scenario s = ScenarioParser.parse(Fixtures.examples().resolve("calls.yaml"));
            R2RImage img = R2RImage.read("calls.dll", Emitter.emit(s, new EmitOptions(arch, os, Set.of(), StubLayout.ADJACENT)));
            try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
                RunOutcome.Completed r = rt.call(Emitted.token(img, "Demo.Calls.Main"));
                // sum of i*i for even i < 10 (120) + 2i for odd i (50) = 170; Chain(170) = Clamp(171) = 171.
                assertEquals(new RunOutcome.Returned(171), r, arch + " " + os);
                // Every call between methods goes through a cell, as in the real images: six cells went through
                // DelayLoad_MethodCall (Square, Twice, Math.Add, Check, Chain, and Clamp's tail jump), once each, and
                // each now holds its target's code address in guest memory.
                List<String> resolved = rt.trace().stream().filter(e -> e.startsWith("DelayLoad_MethodCall")).toList();
                assertEquals(6, resolved.size(), rt.trace().toString());
                assertEquals(6, resolved.stream().map(e -> e.substring(0, e.indexOf(" (section"))).distinct().count());
                for (String e : resolved) {
                    long cellRva = Long.decode(e.substring("DelayLoad_MethodCall cell ".length(), e.indexOf(" (section")));
                    long target = Long.decode(e.substring(e.indexOf("-> ") + 3));
                    assertEquals(target, rt.engine().readLong(img.pe().imageBase() + cellRva), "cell patched");
                    assertTrue(img.methods().stream().anyMatch(m -> img.pe().imageBase() + m.entryRva() == target), "target is a method's code");
                    assertTrue(e.contains("(section 4)"), e);
                }
                // A second run goes straight through the patched cells.
                assertEquals(new RunOutcome.Returned(171), rt.call(Emitted.token(img, "Demo.Calls.Main")));
                assertEquals(6, rt.trace().stream().filter(e -> e.startsWith("DelayLoad_MethodCall")).count(), "no cell resolved twice");
            }
        }
    }
}
