package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.repro.Catalogue;
import r2rlab.repro.Regression;

/**
 * {@code r2rlab repro}: the whole catalogue on both architectures (exit 0, a row for every entry), its
 * HTML report rendered by a real headless Chromium, a user's regression file from a temporary folder,
 * and the exit statuses of what fails.
 */
class ReproCliTest {
    @TempDir
    static Path shared;
    private static CliDumpTest.Result all;
    private static Path report;
    private static List<String> names;

    @BeforeAll
    static void runAll() throws Exception {
        report = shared.resolve("report.html");
        all = CliDumpTest.run("repro", "--all", "--arch", "both", "--catalogue", Fixtures.repositoryRoot().resolve("regressions").toString(),
                "--fixtures", Fixtures.root().toString(), "--html", report.toString());
        names = Catalogue.load(Fixtures.repositoryRoot().resolve("regressions"), Fixtures.root()).regressions().stream().map(Regression::name)
                .collect(Collectors.toList());
    }

    @Test
    void all_bothArchitectures_exitsZero_andListsEveryEntry() {
        assertEquals(0, all.status(), all.out() + all.err());
        assertEquals("", all.err());
        List<String> lines = all.out().lines().toList();
        assertTrue(lines.get(0).startsWith("REGRESSION"), lines.get(0));
        for (String name : names) {
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(name + " ")), name + " has no row");
        }
        // Per architecture: the ARM64-only entries (B2, B3) once, B7-fixture on x64, B8 per pointer size, B9 without a target, F1, F2 and F3 on both.
        assertEquals("23 regressions, 37 buggy/fixed pairs, 35 reproduced, 2 no defect, 1 not modelled", lines.get(lines.size() - 1));
        assertTrue(all.out().contains("B2-jmp-epilog-assert                 B2    arm64  reproduced        RUNTIME_ASSERTION at 0x"), all.out());
    }

    @Test
    void htmlReport_rendersInHeadlessChromium_withASectionPerRegression() throws Exception {
        String page = Files.readString(report, StandardCharsets.UTF_8);
        assertTrue(!page.contains("<script") && !page.contains("http://") && !page.contains("https://"), "self-contained: no scripts, nothing fetched");
        String chromium = chromium();
        Path profile = Files.createTempDirectory(shared, "chromium-profile");
        List<String> command = new ArrayList<>(List.of(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + profile, "--dump-dom", report.toUri().toString()));
        String dom = runBrowser(command);
        // What the browser parsed: the summary table, then one section per regression with its story and verdict.
        assertTrue(dom.contains("<table class=\"summary\" id=\"summary\">"), dom.substring(0, Math.min(dom.length(), 500)));
        Matcher m = Pattern.compile("<section class=\"regression\" id=\"regression-([^\"]+)\">").matcher(dom);
        List<String> sections = new ArrayList<>();
        while (m.find()) {
            sections.add(m.group(1));
        }
        assertEquals(names, sections);
        for (String name : names) {
            assertTrue(dom.contains("<a href=\"#regression-" + name + "\">"), name + ": no link from the summary");
        }
        assertTrue(dom.contains("<h5>Registers</h5>") && dom.contains("<h5>Disassembly around the PC</h5>") && dom.contains("class=\"mark\""),
                "a fault's registers, frames and marked instruction");
        assertTrue(dom.contains("<td class=\"del\">") && dom.contains("<td class=\"add\">"), "differing instructions side by side");
        // And it paints: a screenshot of the page is a PNG.
        Path png = shared.resolve("report.png");
        int at = command.indexOf("--dump-dom");
        command.set(at, "--screenshot=" + png);
        command.add(at, "--window-size=1280,2000");
        runBrowser(command);
        byte[] image = Files.readAllBytes(png);
        assertTrue(image.length > 10_000, "screenshot of " + image.length + " bytes");
        assertEquals(0x89, image[0] & 0xFF);
        assertEquals("PNG", new String(image, 1, 3, StandardCharsets.US_ASCII));
    }

    /** Debian's chromium, which scripts/setup installs; the test is skipped, saying so, only where it could not be installed. */
    private static String chromium() {
        for (String candidate : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        Assumptions.abort("Chromium is not installed: scripts/setup installs the Debian package 'chromium', which could not be installed on this "
                + "machine; the HTML report was not checked in a browser");
        return null;
    }

    private static String runBrowser(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile(shared, "chromium", ".out");
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(out.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 120 s: " + command);
        }
        assertEquals(0, p.exitValue(), "chromium exit status");
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    private static final String USER_REGRESSION = String.join("\n",
            "# A user's own regression: B1 on a method of their own, x64 only.",
            "name: my-tier-up",
            "id: B1",
            "story: |",
            "  Hot keeps two locals across an await; tiering it up before the resumption makes the",
            "  R2R stub enter Tier1 code when it calls through a cell.",
            "scenario: |",
            "  module: Mine",
            "  types:",
            "    - name: My.Code",
            "      methods:",
            "        - name: Hot",
            "          async: true",
            "          tier1: true",
            "          params: [n]",
            "          returns: int",
            "          body: |",
            "            var a = n * 3",
            "            var b = n + 100",
            "            await yield",
            "            return a - b",
            "entry: My.Code.Hot",
            "args: [10]",
            "architectures: [x64]",
            "defect: stub-via-cell",
            "options:",
            "  tier-up-after: 1",
            "expect:",
            "  buggy:",
            "    returns: 80",
            "  fixed:",
            "    returns: -80",
            "");

    @Test
    void userFile_inATemporaryFolder_runsWithReproFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("my-regression.yaml");
        Files.writeString(file, USER_REGRESSION);
        CliDumpTest.Result r = CliDumpTest.run("repro", file.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertEquals(List.of("REGRESSION  ID    ARCH   VERDICT           WITH THE DEFECT  |  WITHOUT IT",
                "my-tier-up  B1    x64    reproduced        returned 80  |  returned -80",
                "1 regressions, 1 buggy/fixed pairs, 1 reproduced"), r.out().lines().toList());
        CliDumpTest.Result json = CliDumpTest.run("repro", file.toString(), "--json");
        assertEquals(0, json.status(), json.err());
        JsonObject o = JsonParser.parseString(json.out()).getAsJsonObject();
        assertTrue(o.get("ok").getAsBoolean());
        JsonObject target = o.getAsJsonArray("regressions").get(0).getAsJsonObject().getAsJsonArray("targets").get(0).getAsJsonObject();
        assertEquals("reproduced", target.get("verdict").getAsString());
        assertEquals("80", target.getAsJsonObject("buggy").getAsJsonObject("observed").get("returns").getAsString());
        assertEquals("-80", target.getAsJsonObject("fixed").getAsJsonObject("observed").get("returns").getAsString());
    }

    @Test
    void userFile_whoseSymptomDoesNotShow_exitsOne_sayingWhatDiffered(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("wrong.yaml");
        Files.writeString(file, USER_REGRESSION.replace("    returns: 80", "    returns: 96"));
        CliDumpTest.Result r = CliDumpTest.run("repro", file.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("my-tier-up  B1    x64    not reproduced    returned 80  |  returned -80"), r.out());
        assertTrue(r.out().contains("    with the defect: returns: expected 96, observed 80"), r.out());
        Files.writeString(file, USER_REGRESSION.replace("    returns: -80", "    returns: -81"));
        CliDumpTest.Result fixed = CliDumpTest.run("repro", file.toString());
        assertEquals(1, fixed.status());
        assertTrue(fixed.out().contains("fixed run failed") && fixed.out().contains("    without it: returns: expected -81, observed -80"), fixed.out());
    }

    @Test
    void malformedFile_exitsTwo_withFileAndLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, USER_REGRESSION.replace("defect: stub-via-cell", "defect: stub-via-sell").replace("  tier-up-after: 1", "  tier-up: 1"));
        CliDumpTest.Result r = CliDumpTest.run("repro", file.toString());
        assertEquals(2, r.status());
        assertEquals("", r.out());
        List<String> err = r.err().lines().toList();
        assertTrue(err.get(0).startsWith("r2rlab: " + file + ":25: unknown defect 'stub-via-sell'; known: stub-via-cell, "), err.get(0));
        assertEquals(file + ":27: unknown key 'tier-up' in 'options' of the emulate driver", err.get(1));
    }

    @Test
    void selection_byIdAndArchitecture_andBadInput() {
        String catalogue = Fixtures.repositoryRoot().resolve("regressions").toString();
        String fixtures = Fixtures.root().toString();
        CliDumpTest.Result b2 = CliDumpTest.run("repro", "B2", "--arch", "x64", "--catalogue", catalogue, "--fixtures", fixtures);
        assertEquals(0, b2.status(), b2.out() + b2.err());
        assertTrue(b2.out().contains("B2-helper-call                       B2    -      not run on the selected architectures  runs on arm64 only"), b2.out());
        assertEquals("4 regressions, 0 buggy/fixed pairs, 4 not run on the selected architectures", b2.out().lines().reduce((a, b) -> b).orElseThrow());
        CliDumpTest.Result unknown = CliDumpTest.run("repro", "B11", "--catalogue", catalogue, "--fixtures", fixtures);
        assertEquals(2, unknown.status());
        assertTrue(unknown.err().startsWith("r2rlab: no regression named or with id 'B11'; known: B1-tier-up-resume, "), unknown.err());
        assertEquals(2, CliDumpTest.run("repro", "B1", "--arch", "sparc", "--catalogue", catalogue, "--fixtures", fixtures).status());
        CliDumpTest.Result none = CliDumpTest.run("repro", "--catalogue", catalogue, "--fixtures", fixtures);
        assertEquals(2, none.status());
        assertEquals("r2rlab: name regressions (or catalogue ids such as B2), give regression files, or use --all\n", none.err());
        assertEquals(2, CliDumpTest.run("repro", "missing.yaml").status());
    }
}
