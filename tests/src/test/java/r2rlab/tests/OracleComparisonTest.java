package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.cli.DumpJson;
import r2rlab.loader.R2RImage;

/**
 * Every fixture image, read by r2rlab and by an independent reader (tests/oracle/r2r_oracle.py,
 * Python, no shared code): every figure of {@code dump --json} that both compute must agree exactly.
 */
class OracleComparisonTest {
    private static JsonObject oracle;

    @BeforeAll
    static void runOracle() throws Exception {
        Path script = Fixtures.repositoryRoot().resolve("tests/oracle/r2r_oracle.py");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--all", Fixtures.root().toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "oracle timed out");
        assertEquals(0, p.exitValue(), "oracle failed");
        oracle = JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(49, oracle.size(), "the oracle reads all 49 fixture images");
    }

    static List<Path> images() {
        return Fixtures.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void agreesWithIndependentReader(Path image) throws Exception {
        JsonObject expected = oracle.getAsJsonObject(Fixtures.relative(image));
        JsonObject actual = DumpJson.of(R2RImage.read(image));
        for (String field : List.of("r2rVersion", "machine", "architecture", "os", "flags", "sections", "compilerIdentifier",
                "runtimeFunctionCount", "methodDefSlots", "methodDefEntryPoints", "instanceEntryPoints", "asyncVariants",
                "fixupKinds")) {
            assertEquals(expected.get(field), actual.get(field), field);
        }
        assertEquals(stubs(expected), stubs(actual), "resumptionStubs (rva, ownerToken)");
        List<Integer> entries = new ArrayList<>();
        for (JsonElement m : actual.getAsJsonArray("methods")) {
            if (!m.getAsJsonObject().get("variant").getAsString().equals("resume")) {
                entries.add(m.getAsJsonObject().get("runtimeFunction").getAsInt());
            }
        }
        List<Integer> expectedEntries = new ArrayList<>();
        expected.getAsJsonArray("entryRuntimeFunctions").forEach(e -> expectedEntries.add(e.getAsInt()));
        entries.sort(null);
        assertEquals(expectedEntries, entries, "entry runtime functions of MethodDef and instance entry points");
    }

    private static List<List<Long>> stubs(JsonObject o) {
        List<List<Long>> out = new ArrayList<>();
        JsonArray a = o.getAsJsonArray("resumptionStubs");
        for (JsonElement e : a) {
            out.add(List.of(e.getAsJsonObject().get("rva").getAsLong(), e.getAsJsonObject().get("ownerToken").getAsLong()));
        }
        return out;
    }
}
