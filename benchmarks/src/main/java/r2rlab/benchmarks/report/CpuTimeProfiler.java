package r2rlab.benchmarks.report;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
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
 * CPU time per operation: the CPU time of the benchmark's worker thread over an iteration divided by
 * the operations measured in it. On a shared machine a benchmark's wall-clock score includes the time
 * it waited for a core; its CPU time does not, so the report shows both and says which a miss comes
 * from. Only JMH's worker threads count: the collector's and the JIT's threads do not (allocation is
 * reported beside it), nor the run's parked watchdog. Secondary metric {@value #METRIC}, in ns/op.
 */
public final class CpuTimeProfiler implements InternalProfiler {
    public static final String METRIC = "cpu.time.norm";

    private long cpuBefore;

    @Override
    public String getDescription() {
        return "CPU time of the benchmark's worker threads per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuBefore = workerCpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
            IterationResult result) {
        long ops = result.getMetadata().getMeasuredOps();
        long cpu = workerCpuNanos() - cpuBefore;
        if (ops <= 0 || cpu <= 0) {
            return List.of();
        }
        return List.of(new ScalarResult(METRIC, (double) cpu / ops, "ns/op", AggregationPolicy.AVG));
    }

    /** The CPU time of the live JMH worker threads ("...-jmh-worker-N"), which JMH keeps across iterations. */
    private static long workerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (t != null && t.getThreadName().contains("-jmh-worker-")) {
                long cpu = threads.getThreadCpuTime(t.getThreadId());
                if (cpu > 0) {
                    sum += cpu;
                }
            }
        }
        return sum;
    }
}
