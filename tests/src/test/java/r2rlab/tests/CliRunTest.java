package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code r2rlab run} as a user runs it: emitted images, synchronous and async entry points. */
class CliRunTest {
    private static Path emit(Path dir, String example, String arch) {
        Path out = dir.resolve(example.replace(".yaml", "") + "-" + arch + ".dll");
        CliDumpTest.Result r = CliDumpTest.run("emit", Fixtures.repositoryRoot().resolve("examples").resolve(example).toString(),
                "-o", out.toString(), "--arch", arch);
        assertEquals(0, r.status(), r.err());
        return out;
    }

    @Test
    void synchronousEntry_withArgsAndTrace(@TempDir Path dir) {
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, "calls.yaml", arch);
            CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Main", "--trace");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().endsWith("result: 171\n"), r.out());
            assertEquals(3, r.out().lines().filter(l -> l.startsWith("trace: DelayLoad_MethodCall")).count(), r.out());
            CliDumpTest.Result clamp = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Clamp", "--arg", "5000", "--arg", "0",
                    "--arg", "100");
            assertEquals("result: 100", clamp.out().strip());
        }
    }

    @Test
    void asyncEntry_runsThroughTheDispatcher(@TempDir Path dir) {
        for (String arch : new String[] {"x64", "arm64"}) {
            Path img = emit(dir, "async-nested.yaml", arch);
            CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Nested.A", "--arg", "1", "--trace");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().endsWith("result: 208\n"), r.out());
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith("trace: ") && l.contains("resume")), r.out());
        }
    }

    @Test
    void unhandledException_status1(@TempDir Path dir) {
        Path img = emit(dir, "async-exception.yaml", "x64");
        CliDumpTest.Result r = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Faults.Caller");
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals("exception: 5 (Throw)", r.out().strip());
    }

    @Test
    void entryByToken_andUnknownName(@TempDir Path dir) {
        Path img = emit(dir, "calls.yaml", "x64");
        assertEquals("result: 171", CliDumpTest.run("run", img.toString(), "--entry", "0x06000001").out().strip());
        CliDumpTest.Result bad = CliDumpTest.run("run", img.toString(), "--entry", "Demo.Calls.Nope");
        assertEquals(2, bad.status());
        assertEquals("r2rlab: no method with R2R code named Demo.Calls.Nope (see r2rlab dump)", bad.err().strip());
    }
}
