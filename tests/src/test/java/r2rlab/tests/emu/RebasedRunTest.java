package r2rlab.tests.emu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.R2RImage;
import r2rlab.tests.Emitted;
import r2rlab.tests.Fixtures;

/**
 * Images mapped away from their preferred base run the same once rebased with their own .reloc:
 * every absolute pointer the emitter wrote (cells' initial thunk addresses, ResumeInfo records,
 * thunk literals) must carry a base relocation.
 */
class RebasedRunTest {
    private static final long BASE = 0x2_0000_0000L;

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void rebasedImagesRunTheSame(Architecture arch) throws Exception {
        for (TargetOs os : new TargetOs[] {TargetOs.WINDOWS, TargetOs.LINUX}) {
            R2RImage calls = R2RImage.read("calls.dll", Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve("calls.yaml")), EmitOptions.of(arch).withOs(os)));
            try (EmulatedRuntime rt = new EmulatedRuntime(calls, true, BASE)) {
                assertEquals(BASE, rt.imageBase());
                assertTrue(rt.trace().get(0).startsWith("image rebased from 0x"), rt.trace().toString());
                assertEquals(new RunOutcome.Returned(171), rt.call(Emitted.token(calls, "Demo.Calls.Main")));
            }
            R2RImage nested = R2RImage.read("nested.dll", Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve("async-nested.yaml")),
                    EmitOptions.of(arch).withOs(os)));
            try (EmulatedRuntime rt = new EmulatedRuntime(nested, true, BASE)) {
                var r = rt.runAsync(Emitted.token(nested, "Demo.Nested.A"), 1);
                assertEquals(208, r.value(), String.valueOf(r.exception()));
                assertEquals(3, r.resumptions().size(), "every ResumeInfo record was rebased");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void unalignedBase_refused(Architecture arch) throws Exception {
        R2RImage calls = R2RImage.read("calls.dll", Emitter.emit(ScenarioParser.parse(Fixtures.examples().resolve("calls.yaml")), EmitOptions.of(arch)));
        RunRejectedException e = assertThrows(RunRejectedException.class, () -> new EmulatedRuntime(calls, true, BASE + 0x1000));
        assertEquals(RunRejectedException.Reason.UNMAPPABLE_IMAGE, e.reason());
        assertEquals("the image cannot be mapped at 0x200001000: not 64 KiB aligned", e.getMessage());
    }
}
