package r2rlab.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.VerboseMode;
import r2rlab.benchmarks.report.BenchmarkResult;
import r2rlab.benchmarks.report.PerformanceReport;
import r2rlab.benchmarks.report.PerformanceSuite;

/**
 * Every JMH benchmark of the module runs once, in this JVM, on small inputs, and the report is
 * generated from that run: a check that they run and that the report can be drawn, not how fast.
 */
class BenchmarkSmokeTest {
    static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    @Test
    void everyBenchmarkRunsAndTheReportIsDrawn(@TempDir Path dir) throws Exception {
        Path fixtures = Path.of(System.getProperty("r2rlab.fixtures", "../../shared/fixtures"));
        Path json = dir.resolve("smoke.json");
        PerformanceSuite.run(fixtures, json, PerformanceSuite.ALL, true);

        Set<String> declared = new TreeSet<>();
        for (BenchmarkListEntry e : BenchmarkList.defaultList().getAll(OutputFormatFactory.createFormatInstance(System.out,
                VerboseMode.SILENT), List.of())) {
            String name = e.getUsername();
            declared.add(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1));
        }
        List<BenchmarkResult> results = BenchmarkResult.read(json);
        Set<String> ran = results.stream().map(BenchmarkResult::benchmark).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(declared, ran, "every declared benchmark ran");
        assertTrue(declared.containsAll(Set.of("RuntimeBenchmark.roundTrip", "RuntimeBenchmark.helperTrap", "EngineLoopBenchmark.rawUnicorn",
                "ReadImageBenchmark.corpus", "LookupBenchmark.instanceEntryPointHashMap", "DelayLoadBenchmark.resolution",
                "EmitTypesBenchmark.emit")), declared.toString());
        for (BenchmarkResult r : results) {
            assertTrue(r.score() > 0 && Double.isFinite(r.score()), r + " has a score");
        }
        assertTrue(results.stream().anyMatch(r -> r.allocatedBytesPerOp() > 0), "the GC profiler's allocation per operation is read");
        // both architectures of the runtime benchmarks
        assertEquals(Set.of("X64", "ARM64"), results.stream().filter(r -> r.benchmark().equals("RuntimeBenchmark.roundTrip"))
                .map(r -> r.param("arch")).collect(Collectors.toSet()));

        Path report = dir.resolve("docs").resolve("PERFORMANCE.md");
        Files.createDirectories(report.getParent());
        PerformanceReport.write(json, report, fixtures);
        String md = Files.readString(report);
        for (String heading : new String[] {"# Performance", "## Targets", "## Where and with what", "## Lookups beside a HashMap",
            "## Loader, image by image", "## Every benchmark", "**Smoke run**"}) {
            assertTrue(md.contains(heading), heading + " in\n" + md);
        }
        assertTrue(md.contains("| one helper trap (a `gcpoint` loop, loop included) | < 2 µs |"), md);
        assertTrue(md.contains("System.Net.Ping.dll"), "the image the smoke run read is in the loader table");
        for (String chart : new String[] {PerformanceReport.EMITTER_CHART, PerformanceReport.LOADER_CHART, PerformanceReport.LADDER_CHART}) {
            Path png = report.getParent().resolve("performance").resolve(chart);
            assertTrue(md.contains("(performance/" + chart + ")"), chart + " is linked");
            assertArrayEquals(PNG_MAGIC, Arrays.copyOf(Files.readAllBytes(png), PNG_MAGIC.length), chart + " is a PNG");
        }
    }
}
