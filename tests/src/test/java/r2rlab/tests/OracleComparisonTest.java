package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import r2rlab.cli.DumpJson;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.R2RImage;
import r2rlab.loader.RuntimeFunction;

/**
 * Every fixture image and every emitted example image (example × architecture × stub layout), read
 * by r2rlab and by an independent reader (tests/oracle/r2r_oracle.py, Python, no shared code): every
 * figure of {@code dump --json} must agree exactly, and so must every RUNTIME_FUNCTION (begin, end,
 * unwind data; ARM64 ends from the .xdata function length).
 */
class OracleComparisonTest {
    /** The fields of {@code dump --json} compared as a whole; "file" is the name the image was read under. */
    private static final List<String> FIELDS = List.of("r2rVersion", "machine", "architecture", "os", "imageBase", "flags",
            "sections", "compilerIdentifier", "runtimeFunctionCount", "methodDefSlots", "methodDefEntryPoints",
            "instanceEntryPoints", "asyncVariants", "fixupKinds", "importSections", "resumptionStubs", "methods");
    /** Names the oracle leaves out where it cannot render them (generic owners, instantiations). */
    private static final Set<String> NAME_KEYS = Set.of("name", "owner");

    @TempDir
    static Path emittedDir;
    private static JsonObject fixtureFigures;
    private static JsonObject emittedFigures;

    @BeforeAll
    static void runOracle() throws Exception {
        fixtureFigures = oracle("--all", Fixtures.root());
        assertEquals(49, fixtureFigures.size(), "the oracle reads all 49 fixture images");
        List<String> names = emittedImages();
        for (String name : names) {
            String[] parts = name.replace(".dll", "").split("@");
            byte[] image = Emitter.emit(Emitted.scenario(parts[0]),
                    new EmitOptions(Architecture.valueOf(parts[1]), TargetOs.WINDOWS, parts.length > 3 ? Set.of(Defect.valueOf(parts[3])) : Set.of(),
                            StubLayout.valueOf(parts[2])));
            Files.write(emittedDir.resolve(name), image);
        }
        emittedFigures = oracle("--dir", emittedDir);
        assertEquals(new TreeSet<>(names), emittedFigures.keySet(), "the oracle reads every emitted image");
    }

    /** Runs the oracle; its stderr must report no structural warning for any image. */
    private static JsonObject oracle(String mode, Path dir) throws Exception {
        Path script = Fixtures.repositoryRoot().resolve("tests/oracle/r2r_oracle.py");
        Path log = Files.createTempFile(emittedDir, "oracle", ".log");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), mode, dir.toString())
                .redirectError(log.toFile()).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "oracle timed out");
        String stderr = Files.readString(log);
        assertEquals(0, p.exitValue(), "oracle failed:\n" + stderr);
        List<String> warnings = stderr.lines().filter(l -> l.contains("WARNING")).collect(Collectors.toList());
        assertEquals(List.of(), warnings, "oracle warnings");
        return JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    }

    static List<Path> images() {
        return Fixtures.all();
    }

    /**
     * File names "example@ARCH@LAYOUT.dll" of every emitted example image, and "exceptions.yaml@ARCH@ADJACENT@B4_HOT_COLD_SPLIT.dll":
     * split async variants with their funclets in the cold section, owned by range.
     */
    static List<String> emittedImages() {
        List<String> out = new ArrayList<>();
        for (Path p : Emitted.examples()) {
            for (Architecture a : Architecture.values()) {
                for (StubLayout layout : StubLayout.values()) {
                    out.add(p.getFileName() + "@" + a + "@" + layout + ".dll");
                }
            }
        }
        for (Architecture a : Architecture.values()) {
            out.add("exceptions.yaml@" + a + "@" + StubLayout.ADJACENT + "@" + Defect.B4_HOT_COLD_SPLIT + ".dll");
        }
        return out;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void fixtureAgreesWithIndependentReader(Path image) throws Exception {
        compare(fixtureFigures.getAsJsonObject(Fixtures.relative(image)), R2RImage.read(image));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("emittedImages")
    void emittedImageAgreesWithIndependentReader(String name) throws Exception {
        int unnamed = compare(emittedFigures.getAsJsonObject(name), R2RImage.read(emittedDir.resolve(name)));
        assertEquals(0, unnamed, "the oracle names every method and stub owner of an emitted image");
    }

    /** Compares every figure; returns how many names the oracle left out. */
    private static int compare(JsonObject expected, R2RImage img) {
        JsonObject actual = DumpJson.of(img);
        Set<String> shown = new TreeSet<>(actual.keySet());
        shown.remove("file");
        assertEquals(new TreeSet<>(FIELDS), shown, "dump --json fields; a new field must be compared here too");
        int unnamed = 0;
        for (String field : FIELDS) {
            unnamed += compare(field, expected.get(field), actual.get(field));
        }
        JsonArray rfs = expected.getAsJsonArray("runtimeFunctions");
        assertEquals(rfs.size(), img.runtimeFunctions().size());
        for (int i = 0; i < rfs.size(); i++) {
            RuntimeFunction rf = img.runtimeFunctions().get(i);
            JsonArray e = rfs.get(i).getAsJsonArray();
            assertEquals(List.of(e.get(0).getAsLong(), e.get(1).getAsLong(), e.get(2).getAsLong()),
                    List.of(rf.beginRva(), rf.endRva(), rf.unwindRva()), "RUNTIME_FUNCTION[" + i + "] begin, end, unwind");
        }
        return unnamed;
    }

    private static int compare(String path, JsonElement expected, JsonElement actual) {
        if (expected != null && expected.isJsonObject() && actual.isJsonObject()) {
            JsonObject e = expected.getAsJsonObject();
            JsonObject a = actual.getAsJsonObject();
            int unnamed = 0;
            Set<String> keys = new TreeSet<>(a.keySet());
            for (String k : NAME_KEYS) {
                if (keys.contains(k) && !e.has(k)) {
                    keys.remove(k);
                    unnamed++;
                }
            }
            assertEquals(new TreeSet<>(e.keySet()), keys, path + " fields");
            for (String k : keys) {
                unnamed += compare(path + "." + k, e.get(k), a.get(k));
            }
            return unnamed;
        }
        if (expected != null && expected.isJsonArray() && actual.isJsonArray()) {
            JsonArray e = expected.getAsJsonArray();
            JsonArray a = actual.getAsJsonArray();
            assertEquals(e.size(), a.size(), path + " length");
            int unnamed = 0;
            for (int i = 0; i < e.size(); i++) {
                unnamed += compare(path + "[" + i + "]", e.get(i), a.get(i));
            }
            return unnamed;
        }
        assertEquals(expected, actual, path);
        return 0;
    }
}
