package r2rlab.tests.emu;

import r2rlab.tests.Fixtures;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * Guest code with random bytes changed: every run ends in a result, a managed exception or a
 * structured fault report (unmapped access, invalid instruction, runtime assertion, timeout) —
 * never a JVM crash, a hang or an unexpected Java exception.
 */
class CorruptCodeRunTest {
    private static final int MUTATIONS = 120;

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void mutatedCode_endsInAResultOrAReport(Architecture arch) throws Exception {
        Path examples = Fixtures.examples();
        byte[] original = Emitter.emit(ScenarioParser.parse(examples.resolve("calls.yaml")), EmitOptions.of(arch));
        R2RImage clean = R2RImage.read("calls.dll", original);
        int main = clean.methods().stream().filter(m -> m.name().equals("Demo.Calls.Main")
                && m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS).findFirst().orElseThrow().token();
        Random rnd = new Random(arch.ordinal() * 7919L);
        int results = 0;
        int reports = 0;
        for (int i = 0; i < MUTATIONS; i++) {
            byte[] bytes = original.clone();
            RuntimeFunction rf = clean.runtimeFunctions().get(rnd.nextInt(clean.runtimeFunctions().size()));
            long off = clean.pe().rvaToOffset("code", rf.beginRva(), rf.size());
            int n = 1 + rnd.nextInt(4);
            for (int k = 0; k < n; k++) {
                bytes[(int) (off + rnd.nextInt((int) rf.size()))] = (byte) rnd.nextInt(256);
            }
            R2RImage img = R2RImage.read("mutant.dll", bytes);
            try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
                rt.setTimeoutMicros(50_000);
                RunOutcome outcome = rt.run(main);
                if (outcome instanceof RunOutcome.Faulted f) {
                    assertTrue(f.report().toString().startsWith("FAULT: "), f.report().toString());
                    reports++;
                } else {
                    results++;
                }
            } catch (RuntimeException e) {
                fail("mutation " + i + " ended in " + e, e);
            }
        }
        assertTrue(reports > 0, "some mutations fault");
        assertTrue(results + reports == MUTATIONS);
    }
}
