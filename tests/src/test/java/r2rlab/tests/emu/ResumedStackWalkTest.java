package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.Frame;
import r2rlab.emu.runtime.StackWalker;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.tests.Fixtures;

/**
 * Scenarios 4 and 7: a stack walk inside a resumed async method attributes every frame, the
 * resumption stub's included, to the right MethodDesc; both stub layouts give the same results
 * and the same walks.
 */
class ResumedStackWalkTest {
    static List<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Architecture a : Architecture.values()) {
            for (StubLayout l : StubLayout.values()) {
                out.add(Arguments.of(a, l));
            }
        }
        return out;
    }


    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void walkInsideResumedMethod_attributesTheStub(Architecture arch, StubLayout layout) throws Exception {
        var s = ScenarioParser.parse(Fixtures.examples().resolve("gcpoint.yaml"));
        R2RImage img = R2RImage.read("gc.dll", Emitter.emit(s, EmitOptions.of(arch).withStubLayout(layout)));
        int work = img.methods().stream().filter(m -> m.name().equals("Demo.Gc.Work") && m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS)
                .findFirst().orElseThrow().token();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            List<StackWalker.Walk> walks = new ArrayList<>();
            rt.onGcPoint(r -> walks.add(StackWalker.atGcPoint(r)));
            AsyncRun run = rt.runAsync(work, 5);
            // acc = 5, then + Spin(3) = 3.
            assertEquals(8, run.value(), String.valueOf(run.exception()));
            assertEquals(1, run.resumptions().size());
            // One walk from Work's own gcpoint after the resumption, three from Spin's loop.
            assertEquals(4, walks.size());
            var resumed = walks.get(0);
            assertTrue(resumed.ok(), resumed.problems().toString());
            assertEquals(List.of("Demo.Gc.Work", "Demo.Gc.Work$ResumptionStub"), resumed.methodNames(),
                    "the resumed async variant, then the stub the dispatcher called");
            assertEquals(StackWalker.EXIT_TRAP, resumed.terminal());
            var inSpin = walks.get(1);
            assertTrue(inSpin.methodNames().get(0).equals("Demo.Gc.Spin") || inSpin.methodNames().get(0).startsWith("Demo.Gc.Work"),
                    inSpin.methodNames().toString());
            assertEquals("Demo.Gc.Work$ResumptionStub", inSpin.methodNames().get(inSpin.methodNames().size() - 1));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void unregisteredStubs_stubFrameGoesToTheWrongMethod_andTheWalkSaysSo(Architecture arch, StubLayout layout) throws Exception {
        var s = ScenarioParser.parse(Fixtures.examples().resolve("gcpoint.yaml"));
        R2RImage img = R2RImage.read("gc.dll", Emitter.emit(s, EmitOptions.of(arch).withStubLayout(layout)));
        int work = img.methods().stream().filter(m -> m.name().equals("Demo.Gc.Work") && m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS)
                .findFirst().orElseThrow().token();
        try (EmulatedRuntime rt = new EmulatedRuntime(img, false)) {
            List<StackWalker.Walk> walks = new ArrayList<>();
            rt.onGcPoint(r -> walks.add(StackWalker.atGcPoint(r)));
            assertEquals(8, rt.runAsync(work, 5).value(), "results do not depend on registration");
            var resumed = walks.get(0);
            var stubFrame = resumed.frames().get(1);
            assertEquals("Demo.Gc.Work$ResumptionStub", stubFrame.imageMethod().name(), "the image says this is the stub");
            assertTrue(!stubFrame.methodName().equals("Demo.Gc.Work$ResumptionStub"), "the code manager cannot know: " + stubFrame);
            assertTrue(stubFrame.has(Frame.Flag.MISATTRIBUTED), stubFrame.toString());
            assertTrue(!resumed.ok() && !resumed.problems().isEmpty(), resumed.toString());
        }
    }
}
