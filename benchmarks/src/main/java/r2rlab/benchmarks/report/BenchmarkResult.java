package r2rlab.benchmarks.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One row of JMH's JSON result: the benchmark (class and method, without the package), its
 * parameters, the score with its error in the result's unit, the allocation per operation from the
 * GC profiler and the CPU time per operation from {@link CpuTimeProfiler} (NaN when they did not
 * run), and the settings it ran with.
 */
public record BenchmarkResult(String benchmark, Map<String, String> params, String mode, double score, double error,
        String unit, double allocatedBytesPerOp, double cpuNanosPerOp, int forks, int warmupIterations, String warmupTime,
        int measurementIterations, String measurementTime, String jdkVersion, String vmName, String vmVersion,
        String jmhVersion) {

    /** The rows of a JMH JSON file. */
    public static List<BenchmarkResult> read(Path json) throws IOException {
        JsonArray rows = JsonParser.parseString(Files.readString(json)).getAsJsonArray();
        List<BenchmarkResult> out = new ArrayList<>();
        for (JsonElement e : rows) {
            JsonObject r = e.getAsJsonObject();
            String name = r.get("benchmark").getAsString();
            name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            Map<String, String> params = new TreeMap<>();
            if (r.has("params")) {
                for (Map.Entry<String, JsonElement> p : r.getAsJsonObject("params").entrySet()) {
                    params.put(p.getKey(), p.getValue().getAsString());
                }
            }
            JsonObject primary = r.getAsJsonObject("primaryMetric");
            double alloc = Double.NaN;
            double cpu = Double.NaN;
            JsonObject secondary = r.getAsJsonObject("secondaryMetrics");
            if (secondary != null && secondary.has(CpuTimeProfiler.METRIC)) {
                cpu = number(secondary.getAsJsonObject(CpuTimeProfiler.METRIC).get("score"));
            }
            if (secondary != null) {
                for (String key : new String[] {"gc.alloc.rate.norm", "\u00b7gc.alloc.rate.norm"}) { // JMH 1.37; older JMH
                    if (secondary.has(key)) {
                        alloc = number(secondary.getAsJsonObject(key).get("score"));
                    }
                }
            }
            out.add(new BenchmarkResult(name, Collections.unmodifiableMap(params), r.get("mode").getAsString(),
                    number(primary.get("score")), number(primary.get("scoreError")), primary.get("scoreUnit").getAsString(), alloc, cpu,
                    r.get("forks").getAsInt(), r.get("warmupIterations").getAsInt(), text(r, "warmupTime"),
                    r.get("measurementIterations").getAsInt(), text(r, "measurementTime"), text(r, "jdkVersion"),
                    text(r, "vmName"), text(r, "vmVersion"), text(r, "jmhVersion")));
        }
        return out;
    }

    private static String text(JsonObject r, String key) {
        return r.has(key) && !r.get(key).isJsonNull() ? r.get(key).getAsString() : "";
    }

    /** JMH writes "NaN" as a string where it has no error estimate (one iteration). */
    private static double number(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        if (e.getAsJsonPrimitive().isString()) {
            try {
                return Double.parseDouble(e.getAsString());
            } catch (NumberFormatException x) {
                return Double.NaN;
            }
        }
        return e.getAsDouble();
    }

    /** Seconds per unit of the score ("us/op" → 1e-6). */
    public double secondsPerUnit() {
        String u = unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : unit;
        switch (u) {
            case "ns":
                return 1e-9;
            case "us":
                return 1e-6;
            case "ms":
                return 1e-3;
            case "s":
                return 1;
            default:
                throw new IllegalStateException("not a time per operation: " + unit);
        }
    }

    /** The score in microseconds per operation. */
    public double micros() {
        return score * secondsPerUnit() * 1e6;
    }

    /** The error in microseconds per operation (NaN when JMH had none). */
    public double errorMicros() {
        return error * secondsPerUnit() * 1e6;
    }

    /** CPU time per operation in microseconds (NaN when not measured). */
    public double cpuMicros() {
        return cpuNanosPerOp / 1000;
    }

    public String param(String name) {
        return params.get(name);
    }

    /** The parameters as JMH prints them: {@code arch=X64, image=...}. */
    public String paramText() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> p : params.entrySet()) {
            if (p.getKey().equals("fixtures")) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(", ");
            }
            String v = p.getValue();
            sb.append(p.getKey()).append('=').append(v.substring(v.lastIndexOf('/') + 1));
        }
        return sb.toString();
    }
}
