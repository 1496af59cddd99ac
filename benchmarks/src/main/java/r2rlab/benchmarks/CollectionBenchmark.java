package r2rlab.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import r2rlab.emitter.Architecture;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.EmulatedRuntime;

/**
 * One collection of the emulated runtime's moving collector over a heap of {@code objects} live objects: a chain of
 * continuations (each one's Next the one before), rooted by its head, every one copied into the other semispace,
 * its Next updated, the semispace left poisoned. Run: {@code java -jar benchmarks/target/benchmarks.jar
 * CollectionBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CollectionBenchmark {
    @Param({"1000", "100000"})
    public int objects;

    private EmulatedRuntime rt;
    private final long[] root = new long[1];

    @Setup
    public void setUp() {
        rt = new EmulatedRuntime(RuntimeScenario.image(Architecture.X64));
        rt.recordTrace(false);
        long mt = rt.yieldContinuationMethodTable();
        long previous = 0;
        for (int i = 0; i < objects; i++) {
            long c = rt.allocateObject(mt);
            rt.engine().writeLong(c + 8, previous);
            previous = c;
        }
        root[0] = previous;
        Collector.Result r = collection();
        if (r.objects() != objects || !r.problems().isEmpty()) {
            throw new IllegalStateException("the collection moved " + r.objects() + " of " + objects + " objects: " + r.problems());
        }
    }

    @TearDown
    public void tearDown() {
        rt.close();
    }

    /** One collection: every object copied and its reference updated. */
    @Benchmark
    public Collector.Result collection() {
        return rt.collectBetweenRuns(root);
    }
}
