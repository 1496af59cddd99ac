package r2rlab.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs every JMH benchmark of r2rlab with the settings each class declares (forks, warm-up and
 * measurement sized for a 2-core machine: the whole suite takes about 14 minutes), with the GC
 * profiler (allocation per operation) and {@link CpuTimeProfiler} (CPU time per operation), writes the JMH JSON and the run's context (machine load before
 * and after, wall time) beside it, and regenerates the performance report from them. Run through
 * {@code scripts/performance}, or:
 * {@code java -cp benchmarks/target/benchmarks.jar r2rlab.benchmarks.report.PerformanceSuite}
 * {@code [--fixtures DIR] [--json FILE] [--report FILE] [--include REGEX] [--smoke]}.
 *
 * <p>{@code --smoke} runs every benchmark once, in this JVM, on small inputs: a check that each one
 * runs (the test suite does this), never a measurement.
 */
public final class PerformanceSuite {
    /** Every benchmark of the module. */
    public static final String ALL = "^r2rlab\\.benchmarks\\.";

    private PerformanceSuite() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        Path fixtures = Path.of(o.getOrDefault("--fixtures", "../shared/fixtures"));
        Path json = Path.of(o.getOrDefault("--json", "docs/performance/jmh-result.json"));
        Path report = Path.of(o.getOrDefault("--report", "docs/PERFORMANCE.md"));
        run(fixtures, json, o.getOrDefault("--include", ALL), o.containsKey("--smoke"));
        PerformanceReport.write(json, report, fixtures);
        System.out.println("wrote " + json + " and " + report);
    }

    /** Options as {@code --name value}, or {@code --name} alone for a switch. */
    static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            boolean hasValue = i + 1 < args.length && !args[i + 1].startsWith("--");
            o.put(args[i], hasValue ? args[++i] : "");
        }
        return o;
    }

    /**
     * Runs the benchmarks matching {@code include} and writes their JMH JSON to {@code json}, with
     * the run's context in {@link #contextFile}.
     */
    public static void run(Path fixtures, Path json, String include, boolean smoke) throws RunnerException, IOException {
        Path parent = json.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        ChainedOptionsBuilder b = new OptionsBuilder()
                .include(include)
                .param("fixtures", fixtures.toString())
                .addProfiler(GCProfiler.class)
                .addProfiler(CpuTimeProfiler.class)
                .resultFormat(ResultFormatType.JSON)
                .result(json.toString());
        if (smoke) {
            b.forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(10))
                    .param("iterations", "1000")
                    .param("methods", "1000")
                    .param("types", "100")
                    .param("objects", "1000")
                    .param("warmCorpusReads", "0")
                    .param("image", "r2r-net11-async/System.Net.Ping.dll");
        }
        String loadBefore = loadAverage();
        Instant start = Instant.now();
        new Runner(b.build()).run();
        Properties context = new Properties();
        context.setProperty("loadBefore", loadBefore);
        context.setProperty("loadAfter", loadAverage());
        context.setProperty("start", start.toString());
        context.setProperty("seconds", Long.toString(Duration.between(start, Instant.now()).toSeconds()));
        context.setProperty("smoke", Boolean.toString(smoke));
        try (var out = Files.newBufferedWriter(contextFile(json))) {
            context.store(out, "context of the JMH run beside it");
        }
    }

    /** Where the run's context is kept: beside the JSON. */
    static Path contextFile(Path json) {
        return json.resolveSibling(json.getFileName() + ".context");
    }

    /** The 1, 5 and 15 minute load averages, or "unknown" off Linux. */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
