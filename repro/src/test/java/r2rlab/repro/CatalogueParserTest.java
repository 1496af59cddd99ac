package r2rlab.repro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Defect;

/** Regression files: what a well-formed one gives, and the file:line: errors of malformed ones. */
class CatalogueParserTest {
    private static final String SCENARIO = String.join("\n",
            "scenario: |",
            "  module: M",
            "  types:",
            "    - name: Demo.T",
            "      methods:",
            "        - name: Main",
            "          returns: int",
            "          body: return 1");

    private static String file(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    private static List<String> errors(String text) {
        return assertThrows(CatalogueException.class, () -> CatalogueParser.parse(Path.of("dir/r.yaml"), text, null)).errors();
    }

    private static String minimal(String... extra) {
        String head = file("name: R", "id: B1", "story: s", SCENARIO, "entry: Demo.T.Main", "defect: stub-via-cell");
        return head + file(extra);
    }

    @Test
    void wellFormed_givesEveryField() {
        Regression r = CatalogueParser.parse(Path.of("dir/r.yaml"), minimal("architectures: [arm64]", "args: [1, 0x10]",
                "options:", "  tier-up-after: 2", "  worker: release", "expect:", "  buggy:", "    returns: 5", "  fixed:", "    returns: 1",
                "  arm64:", "    buggy:", "      returns: 6"), null);
        assertEquals("R", r.name());
        assertEquals("B1", r.id());
        assertEquals(Driver.EMULATE, r.driver());
        assertEquals(Defect.B1_STUB_CALLS_THROUGH_CELL, r.defect().emitter());
        assertEquals(List.of(1L, 16L), r.args());
        assertEquals(List.of("arm64"), r.targets().stream().map(Target::name).toList());
        assertEquals(2, r.options().tierUpAfter());
        assertFalse(r.options().checkedBuild());
        assertEquals("Demo.T.Main", r.scenario().methods().findFirst().orElseThrow().fullName());
        // The target's value replaces the general one of the same kind.
        assertEquals("[returns: 6]", r.expectation().forRun("arm64", true).toString());
        assertEquals("[returns: 1]", r.expectation().forRun("arm64", false).toString());
        assertEquals(21, r.expectation().buggy().get(0).line());
    }

    @Test
    void unknownKeysDefectsKindsAndOptions_eachOnItsLine() {
        List<String> e = errors(file("name: R", "id: B1", "stroy: s", SCENARIO, "entry: Demo.T.Main", "defect: no-such-defect",
                "options:", "  tier-up-after: 0", "  gc: moving", "expect:", "  buggy:", "    retruns: 5", "    map-bytes: 1",
                "  fixed:", "    map: x"));
        assertEquals(List.of(
                "dir/r.yaml:1: missing 'story'",
                "dir/r.yaml:3: unknown key 'stroy' at the top level",
                "dir/r.yaml:13: unknown defect 'no-such-defect'; known: " + DefectSwitch.known(),
                "dir/r.yaml:15: 'tier-up-after' is an integer from 1 to 1000000, not '0'",
                "dir/r.yaml:16: option 'gc': the collector runs at allocations that do not fit; 'gc-stress: true' runs it at every safepoint",
                "dir/r.yaml:18: 'expect' names no symptom for the buggy run ('buggy:')",
                "dir/r.yaml:18: 'expect' names no result for the fixed run ('fixed:')",
                "dir/r.yaml:19: unknown symptom kind 'retruns' in 'buggy'; known: " + knownKinds(),
                "dir/r.yaml:20: the emulate driver does not observe 'map-bytes'",
                "dir/r.yaml:22: the emulate driver does not observe 'map'"), e);
    }

    private static String knownKinds() {
        StringBuilder sb = new StringBuilder();
        for (SymptomKind k : SymptomKind.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(k.key);
        }
        return sb.toString();
    }

    @Test
    void inlineScenarioErrors_areReportedAtTheirLinesOfTheRegressionFile() {
        String text = file("name: R", "id: B1", "story: s", "scenario: |", "  module: M", "  types:", "    - name: Demo.T", "      methods:",
                "        - name: Main", "          returns: int", "          body: |", "            return nope", "entry: Demo.T.Run",
                "defect: stub-via-cell", "expect:", "  buggy:", "    returns: 1", "  fixed:", "    returns: 1");
        assertEquals(List.of("dir/r.yaml:12: scenario: unknown variable 'nope'"), errors(text));
        String valid = text.replace("return nope", "return 1");
        assertEquals(List.of("dir/r.yaml:13: entry 'Demo.T.Run' is no method of the scenario"), errors(valid));
    }

    @Test
    void yamlSyntaxError_namesItsLine() {
        List<String> e = errors(file("name: R", "id: B1", "story: [unclosed", "entry: x"));
        assertEquals(1, e.size());
        assertTrue(e.get(0).startsWith("dir/r.yaml:4: YAML syntax error: "), e.get(0));
    }

    @Test
    void cellsSymptomsAndDrivers_areCheckedAgainstEachOther() {
        List<String> e = errors(file("name: R", "id: B8", "story: s", "driver: gc-map", "pointer-sizes: [4, 16]", "defect: gc-map-truncated",
                "entry: Demo.T.Main", "expect:", "  buggy:", "    misread: \"38\"", "    cell: GCPoll", "  fixed:", "    identical: misread, nothing"));
        assertEquals(List.of(
                "dir/r.yaml:1: the gc-map driver needs 'options' with 'size' (the type's size in bytes)",
                "dir/r.yaml:5: a pointer size is 4 or 8",
                "dir/r.yaml:7: the gc-map driver runs no entry method",
                "dir/r.yaml:9: 'expect' names no result for the fixed run ('fixed:')",
                "dir/r.yaml:11: the gc-map driver does not observe 'cell'",
                "dir/r.yaml:13: 'identical' lists fact kinds (\"dependencies, blob\"); 'nothing' is none"), e);
    }

    @Test
    void notModelled_needsAReasonAndNothingToRun() {
        Regression r = CatalogueParser.parse(Path.of("r.yaml"), file("name: B9", "id: B9", "story: s", "driver: not-modelled", "reason: why"), null);
        assertEquals("why", r.reason());
        assertEquals(List.of("dir/r.yaml:1: missing 'reason'", "dir/r.yaml:5: 'entry' has no use in a regression that is not modelled"),
                errors(file("name: B9", "id: B9", "story: s", "driver: not-modelled", "entry: x")));
    }

    @Test
    void catalogue_twoFilesWithOneName_andSelectionByNameOrId(@TempDir Path dir) throws Exception {
        String body = minimal("expect:", "  buggy:", "    returns: 5", "  fixed:", "    returns: 1");
        Files.writeString(dir.resolve("a.yaml"), body);
        Files.writeString(dir.resolve("b.yaml"), body.replace("name: R", "name: S"));
        Catalogue c = Catalogue.load(dir, null);
        assertEquals(List.of("R", "S"), c.select(List.of("B1")).stream().map(Regression::name).toList());
        assertEquals(List.of("S"), c.select(List.of("s")).stream().map(Regression::name).toList());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> c.select(List.of("B7")));
        assertEquals("no regression named or with id 'B7'; known: R, S", none.getMessage());
        Files.writeString(dir.resolve("c.yaml"), body);
        CatalogueException dup = assertThrows(CatalogueException.class, () -> Catalogue.load(dir, null));
        assertEquals(List.of(dir.resolve("c.yaml") + ":1: duplicate regression name 'R' (also " + dir.resolve("a.yaml") + ")"), dup.errors());
    }

    @Test
    void symptomMatching() {
        assertTrue(SymptomKind.RETURNS.matches("0x10", "16"));
        assertFalse(SymptomKind.RETURNS.matches("16", "17"));
        assertTrue(SymptomKind.AT.matches("Demo.M [cold]", "Demo.M [cold]+0x1C"));
        assertTrue(SymptomKind.AT.matches("Demo.M+0x1C", "Demo.M+0x1C"));
        assertFalse(SymptomKind.AT.matches("Demo.M+0x1C", "Demo.M+0x20"));
        assertFalse(SymptomKind.AT.matches("Demo.M", "Demo.Main+0x4"));
        assertTrue(SymptomKind.CELL.matches("EagerImports[Helper GCPoll]", "EagerImports[1] Helper GCPoll"));
        assertTrue(SymptomKind.CELL.matches("EagerImports[1]", "EagerImports[1] Helper GCPoll"));
        assertFalse(SymptomKind.CELL.matches("EagerImports[2]", "EagerImports[1] Helper GCPoll"));
        assertFalse(SymptomKind.CELL.matches("MethodImports[Helper GCPoll]", "EagerImports[1] Helper GCPoll"));
        assertTrue(SymptomKind.CELL.matches("MethodImports[0x0A000001]", "MethodImports[3] MethodEntry_RefToken [module 2] [module 2 M]0x0A000001"));
        assertTrue(SymptomKind.ASSERTION.matches("section 4", "ASSERT FAILED: ... import section 4 ..."));
    }
}
