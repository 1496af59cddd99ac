package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code r2rlab emit} as a user runs it. */
class CliEmitTest {
    private static String example(String name) {
        return Fixtures.repositoryRoot().resolve("examples").resolve(name).toString();
    }

    @Test
    void emit_thenDump(@TempDir Path dir) {
        Path out = dir.resolve("basic.dll");
        CliDumpTest.Result r = CliDumpTest.run("emit", example("async-basic.yaml"), "-o", out.toString(), "--arch", "arm64", "--os", "linux");
        assertEquals(0, r.status(), r.err());
        assertTrue(Files.exists(out));
        CliDumpTest.Result d = CliDumpTest.run("dump", "--json", out.toString());
        JsonObject o = JsonParser.parseString(d.out()).getAsJsonObject();
        assertEquals("arm64", o.get("architecture").getAsString());
        assertEquals("linux", o.get("os").getAsString());
        assertEquals(0xAA64 ^ 0x7B79, o.get("machine").getAsInt());
        assertEquals("18.5", o.get("r2rVersion").getAsString());
        assertEquals(2, o.get("asyncVariants").getAsInt());
        assertEquals(2, o.getAsJsonArray("resumptionStubs").size());
    }

    @Test
    void defectsByName(@TempDir Path dir) {
        Path out = dir.resolve("b1.dll");
        assertEquals(0, CliDumpTest.run("emit", example("async-basic.yaml"), "-o", out.toString(), "--arch", "x64", "--defect", "B1",
                "--defect", "hot-cold-split").status());
        CliDumpTest.Result bad = CliDumpTest.run("emit", example("async-basic.yaml"), "-o", out.toString(), "--arch", "x64", "--defect", "B99");
        assertEquals(2, bad.status());
        assertTrue(bad.err().startsWith("r2rlab: unknown defect 'B99'; known: stub-via-cell,"), bad.err());
        CliDumpTest.Result ambiguous = CliDumpTest.run("emit", example("async-basic.yaml"), "-o", out.toString(), "--arch", "x64", "--defect", "B2");
        assertEquals(2, ambiguous.status());
        assertTrue(ambiguous.err().contains("names several defects"), ambiguous.err());
    }

    @Test
    void rejectedRelocation_isOneLine(@TempDir Path dir) throws Exception {
        Path scenario = dir.resolve("three.yaml");
        Files.writeString(scenario, String.join("\n",
                "module: Three",
                "types:",
                "  - name: Demo.P",
                "    methods:",
                "      - name: M",
                "        async: true",
                "        returns: int",
                "        body: |",
                "          await yield",
                "          await yield",
                "          return 1",
                ""));
        CliDumpTest.Result r = CliDumpTest.run("emit", scenario.toString(), "-o", dir.resolve("x.dll").toString(), "--arch", "arm64",
                "--defect", "reject-page-addends");
        assertEquals(2, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("non-zero addend"), r.err());
    }

    @Test
    void scenarioErrors_fileAndLine(@TempDir Path dir) throws Exception {
        Path scenario = dir.resolve("bad.yaml");
        Files.writeString(scenario, String.join("\n",
                "module: Bad",
                "types:",
                "  - name: Demo.P",
                "    methods:",
                "      - name: M",
                "        returns: int",
                "        body: |",
                "          await yield",
                "          return nosuch",
                ""));
        CliDumpTest.Result r = CliDumpTest.run("emit", scenario.toString(), "-o", dir.resolve("x.dll").toString(), "--arch", "x64");
        assertEquals(2, r.status());
        assertTrue(r.err().contains(scenario + ":8: "), r.err());
        assertTrue(r.err().contains(scenario + ":9: "), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
    }

    @Test
    void demo_readsFixturesAndEmitsExamples_andEndsWithTheReproTable() {
        CliDumpTest.Result r = CliDumpTest.run("demo", "--fixtures", Fixtures.root().toString(), "--examples",
                Fixtures.repositoryRoot().resolve("examples").toString(), "--catalogue", Fixtures.repositoryRoot().resolve("regressions").toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("49 fixture images read, 0 failed"), r.out());
        long examples = Emitted.examples().size();
        assertTrue(r.out().contains(2 * examples + " example images emitted, read back and run, 0 failed"), r.out());
        // Then, after a blank line, the repro --all table: a header, a row per regression and target, the counts.
        List<String> lines = r.out().strip().lines().toList();
        int table = lines.indexOf("");
        assertEquals(49 + 2 * examples + 2, table);
        assertTrue(lines.get(table + 1).startsWith("REGRESSION  "), lines.get(table + 1));
        assertEquals("23 regressions, 37 buggy/fixed pairs, 35 reproduced, 2 no defect, 1 not modelled", lines.get(lines.size() - 1));
        assertEquals(table + 2 + 37 + 1 + 1, lines.size(), "37 pairs and B9's row without a target");
        // Each example's roots ran in the emulator on both architectures.
        assertEquals(2, r.out().lines().filter(l -> l.endsWith("ran Demo.Calls.Main() = 171")).count(), r.out());
        assertEquals(2, r.out().lines().filter(l -> l.endsWith("ran Demo.Nested.A(1) = 208")).count(), r.out());
    }

    @Test
    void missingScenario_status2(@TempDir Path dir) {
        CliDumpTest.Result r = CliDumpTest.run("emit", "/nonexistent.yaml", "-o", dir.resolve("x.dll").toString(), "--arch", "x64");
        assertEquals(2, r.status());
        assertEquals("r2rlab: /nonexistent.yaml: no such file", r.err().strip());
    }
}
