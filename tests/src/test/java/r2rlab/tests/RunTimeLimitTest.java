package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.AsyncRun;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.loader.R2RImage;

/**
 * A run's time limit covers the whole run (every emulation slice, helper and dispatcher step), is
 * {@code run --timeout}, and is the only bound on the dispatcher: a million {@code await yield}s
 * complete, and endless loops, synchronous or async, end at the limit with a TIMEOUT fault.
 */
class RunTimeLimitTest {
    static final String SCENARIO = """
            module: Limits
            types:
              - name: Demo.Limits
                methods:
                  - name: Yields
                    async: true
                    params: [n]
                    returns: int
                    body: |
                      var i = 0
                      while i < n {
                        await yield
                        i = i + 1
                      }
                      return i
                  - name: YieldForever
                    async: true
                    returns: int
                    body: |
                      var i = 0
                      while 1 {
                        await yield
                        i = i + 1
                      }
                  - name: AwaitForever
                    async: true
                    params: [x]
                    returns: int
                    body: |
                      await yield
                      return await Demo.Limits.AwaitForever(x + 1)
                  - name: Spin
                    returns: int
                    body: |
                      var i = 0
                      while 1 {
                        i = i + 1
                      }
            """;

    private static Path emit(Path dir, String arch) throws Exception {
        Path yaml = dir.resolve("limits.yaml");
        Files.writeString(yaml, SCENARIO);
        Path out = dir.resolve("limits-" + arch + ".dll");
        CliDumpTest.Result r = CliDumpTest.run("emit", yaml.toString(), "-o", out.toString(), "--arch", arch);
        assertEquals(0, r.status(), r.err());
        return out;
    }

    @Test
    void aMillionYieldsComplete(@TempDir Path dir) throws Exception {
        CliDumpTest.Result r = CliDumpTest.run("run", emit(dir, "x64").toString(), "--entry", "Demo.Limits.Yields", "--arg", "1000000");
        assertEquals(0, r.status(), r.err());
        assertEquals("result: 1000000", r.out().strip());
    }

    /** Past the old cap of 100,000 work items, counted: one suspension, one Yield and one resumption per await. */
    @Test
    void theDispatcherHasNoCap() {
        R2RImage img = R2RImage.read("limits.dll", Emitter.emit(ScenarioParser.parse("limits.yaml", SCENARIO), EmitOptions.of(Architecture.ARM64)));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            rt.recordTrace(false);
            AsyncRun r = rt.runAsync(Emitted.token(img, "Demo.Limits.Yields"), 150_000);
            assertEquals(150_000, r.value());
            assertEquals(150_000, r.yields());
            assertEquals(150_000, r.suspensions());
            assertEquals(150_000, r.resumptions().size());
        }
    }

    @Test
    void anEndlessAsyncLoopEndsAtTheLimit(@TempDir Path dir) throws Exception {
        for (String arch : new String[] {"x64", "arm64"}) {
            long t0 = System.nanoTime();
            CliDumpTest.Result r = CliDumpTest.run("run", emit(dir, arch).toString(), "--entry", "Demo.Limits.YieldForever", "--timeout", "2s");
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(1, r.status(), r.out() + r.err());
            assertTrue(r.err().startsWith("FAULT: TIMEOUT\n  the run exceeded its time limit of 2 s (pc=0x"), r.err());
            assertTrue(seconds >= 2 && seconds < 8, arch + ": ended after " + seconds + " s");
        }
    }

    @Test
    void endlessAwaitRecursionAndEndlessSynchronousLoopsEndToo(@TempDir Path dir) throws Exception {
        Path img = emit(dir, "x64");
        long t0 = System.nanoTime();
        CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Limits.AwaitForever", "--arg", "0", "--timeout", "2s");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.err().startsWith("FAULT: "), r.err());
        assertTrue(seconds < 8, "ended after " + seconds + " s");

        CliDumpTest.Result spin = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Limits.Spin", "--timeout", "300ms");
        assertEquals(1, spin.status(), spin.out() + spin.err());
        assertTrue(spin.err().startsWith("FAULT: TIMEOUT\n  the run exceeded its time limit of 300 ms (pc=0x"), spin.err());
    }

    @Test
    void theLimitOfTheApiCoversTheWholeRun() {
        R2RImage img = R2RImage.read("limits.dll", Emitter.emit(ScenarioParser.parse("limits.yaml", SCENARIO), EmitOptions.of(Architecture.X64)));
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            rt.recordTrace(false);
            rt.setTimeoutMicros(500_000);
            RunOutcome o = rt.run(Emitted.token(img, "Demo.Limits.YieldForever"));
            FaultReport f = ((RunOutcome.Faulted) o).report();
            assertEquals(FaultReport.Kind.TIMEOUT, f.kind());
            assertTrue(f.message().startsWith("the run exceeded its time limit of 500 ms"), f.message());
            // the limit is per run: the next run has its own clock
            assertEquals(new RunOutcome.Returned(3), rt.run(Emitted.token(img, "Demo.Limits.Yields"), 3));
        }
    }

    @Test
    void badTimeoutsAreBadInput(@TempDir Path dir) throws Exception {
        Path img = emit(dir, "x64");
        for (String bad : new String[] {"abc", "0", "0.5ms", "2d", "NaN", "90000000"}) {
            CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Limits.Spin", "--timeout", bad);
            assertEquals(2, r.status(), bad + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().contains("--timeout " + bad + ": "), r.err());
        }
    }
}
