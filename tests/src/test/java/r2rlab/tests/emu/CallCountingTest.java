package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioBuilder;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/** Tiering by call counting: calls through a cell count until the threshold, then the cell leads to Tier1 code. */
class CallCountingTest {
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void callsThroughACell_tierUpAtTheThreshold(Architecture arch) {
        var s = ScenarioBuilder.create("counting.yaml").module("Counting").type("Demo.Count")
                .staticMethod("Main").returnsInt().body("var i = 0\nvar s = 0\nwhile i < 5 {\n  s = s + call cell Demo.Count.Hot(i)\n  i = i + 1\n}\nreturn s")
                .staticMethod("Hot").tier1().returnsInt().params("x").body("return x * 10 + 1")
                .build();
        R2RImage img = R2RImage.read("counting.dll", Emitter.emit(s, EmitOptions.of(arch)));
        ReadyToRunMethod hot = img.methods().stream().filter(m -> m.name().equals("Demo.Count.Hot")
                && m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS).findFirst().orElseThrow();
        ReadyToRunMethod hotTier1 = img.methods().stream().filter(m -> m.name().equals("Demo.Count.Hot$Tier1")).findFirst().orElseThrow();
        int main = img.methods().stream().filter(m -> m.name().equals("Demo.Count.Main")).findFirst().orElseThrow().token();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            rt.enableCallCounting(3);
            // 1 + 11 + 21 + 31 + 41: the same whichever code version ran.
            assertEquals(new RunOutcome.Returned(105), rt.call(main));
            List<String> counted = rt.trace().stream().filter(e -> e.startsWith("call ")).toList();
            assertEquals(List.of("call 1 of Demo.Count.Hot", "call 2 of Demo.Count.Hot", "call 3 of Demo.Count.Hot"), counted);
            assertEquals(1, rt.trace().stream().filter(e -> e.startsWith("tier-up: Demo.Count.Hot")).count(), rt.trace().toString());
            // The cell now leads straight to the Tier1 body: calls 4 and 5 were not counted.
            long cellValue = rt.info().image().importSections().get(4).cells().stream()
                    .mapToLong(c -> rt.engine().readLong(img.pe().imageBase() + c.rva()))
                    .filter(v -> v == img.pe().imageBase() + hotTier1.entryRva()).count();
            assertEquals(1, cellValue, "one cell backpatched to Tier1 code at 0x" + Long.toHexString(img.pe().imageBase() + hotTier1.entryRva()));
            assertTrue(hotTier1.entryRva() != hot.entryRva());
        }
    }
}
