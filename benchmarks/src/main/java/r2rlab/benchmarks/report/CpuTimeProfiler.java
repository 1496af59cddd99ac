package r2rlab.benchmarks.report;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time per operation: the benchmark JVM's CPU time over an iteration divided by the operations
 * measured in it. On a shared machine a benchmark's wall-clock score includes the time it waited for
 * a core; its CPU time does not, so the report shows both and says which a miss comes from. The JVM's
 * other threads count too (JIT, GC, the run's watchdog), which adds a little after warm-up. Secondary
 * metric {@value #METRIC}, in ns/op.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    public static final String METRIC = "cpu.time.norm";

    private long cpuBefore;

    @Override
    public String getDescription() {
        return "CPU time of the benchmark JVM per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuBefore = processCpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long ops = result.getMetadata().getMeasuredOps();
        if (ops <= 0 || cpuBefore < 0) {
            return List.of();
        }
        double perOp = (double) (processCpuNanos() - cpuBefore) / ops;
        return List.of(new ScalarResult(METRIC, perOp, "ns/op", AggregationPolicy.AVG));
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
