package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioBuilder;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * Scenario 5: tier-up between suspension and resumption. The continuation R2R code made is still
 * resumed by R2R code (its stub calls the R2R body directly) and the result is right; new calls run
 * the Tier1 body, whose own suspensions resume through its own stub. With defect B1 the R2R stub
 * reaches the method through a cell that tier-up backpatched, and the R2R continuation lands in Tier1 code.
 */
class EmulatedTieringTest {

    private static R2RImage image(Architecture arch, Defect... defects) throws Exception {
        var s = ScenarioParser.parse(Fixtures.examples().resolve("tiering.yaml"));
        return R2RImage.read("tiering.dll", Emitter.emit(s, EmitOptions.of(arch).withDefects(Set.of(defects))));
    }

    /** Runs Hot(10), tiering Hot up right after its first suspension. */
    private static AsyncRun runWithTierUpAtFirstSuspension(EmulatedRuntime rt, int hot) {
        rt.onSuspension(n -> {
            if (n == 1 && !rt.info().tiering().isTier1(rt.info().getAsyncVariantEntryPoint(hot).method())) {
                rt.tierUp(hot);
            }
        });
        return rt.runAsync(hot, 10);
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void r2rContinuationResumesInR2RCode_newCallsRunTier1(Architecture arch) throws Exception {
        R2RImage img = image(arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            int hot = Emitted.token(img, "Demo.Tiering.Hot");
            AsyncRun first = runWithTierUpAtFirstSuspension(rt, hot);
            assertEquals(45, first.value(), String.valueOf(first.exception()));
            assertEquals(List.of("Demo.Tiering.Hot$ResumptionStub"), first.resumedStubNames(), "the R2R stub resumed the R2R continuation");
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("tier-up: ")), rt.trace().toString());
            // A new call goes through the backpatched cell to the Tier1 body; its suspension resumes through the Tier1 stub.
            AsyncRun second = rt.runAsync(hot, 10);
            assertEquals(45, second.value(), String.valueOf(second.exception()));
            assertEquals(1, second.resumedStubNames().size());
            assertTrue(second.resumedStubNames().get(0).endsWith("$Tier1"), second.resumedStubNames().toString());
        }
    }

    /** Locals live across the await whose values no temporary shares, so a wrong layout cannot read them by chance. */
    private static R2RImage distinctLocals(Architecture arch, Defect... defects) {
        var s = ScenarioBuilder.create("b1.yaml").module("B1").type("Demo.Tiering")
                .staticMethod("Hot").async().tier1().returnsInt().params("n")
                .body("var a = n * 3\nvar b = n + 100\nawait yield\nreturn a - b").build();
        return R2RImage.read("b1.dll", Emitter.emit(s, EmitOptions.of(arch).withDefects(Set.of(defects))));
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void fixedStub_keepsR2RContinuationsInR2RCode(Architecture arch) {
        R2RImage img = distinctLocals(arch);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            AsyncRun r = runWithTierUpAtFirstSuspension(rt, Emitted.token(img, "Demo.Tiering.Hot"));
            assertEquals(30 - 110, r.value(), String.valueOf(r.exception()));
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void b1_stubThroughCell_resumesTheR2RContinuationInTier1Code(Architecture arch) throws Exception {
        R2RImage img = distinctLocals(arch, Defect.B1_STUB_CALLS_THROUGH_CELL);
        int hot = Emitted.token(img, "Demo.Tiering.Hot");
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            // Without tier-up the defect is invisible.
            assertEquals(30 - 110, rt.runAsync(hot, 10).value());
        }
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            AsyncRun r;
            try {
                r = runWithTierUpAtFirstSuspension(rt, hot);
            } catch (RuntimeException fault) {
                return; // a guest fault (the SIGSEGV of the catalogue) is the other form of the symptom
            }
            // Tier1 reads the R2R continuation with its own (reversed) layout: wrong locals, wrong result.
            assertTrue(r.threw() || r.value() != 30 - 110, "R2R continuation consumed by Tier1 code gave " + r.value());
            assertTrue(rt.trace().stream().anyMatch(e -> e.startsWith("tier-up: ")));
        }
    }
}
