package r2rlab.benchmarks;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import r2rlab.emitter.Architecture;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.loader.R2RImage;

/**
 * One DelayLoad_MethodCall resolution: {@code Bench.R.CallAll} calls {@value RuntimeScenario#DELAY_LOAD_CELLS}
 * methods through a cell each, every cell still pointing at its delay-load thunk, so each call goes
 * thunk → helper trap → ExternalMethodFixupWorker → cell patched → target. Each benchmark call gets a
 * fresh runtime (entry points prepared outside the measurement); the score is per resolution.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DelayLoadBenchmark {
    @Param({"X64", "ARM64"})
    public Architecture arch;

    private R2RImage img;
    private int callAll;
    private EmulatedRuntime rt;

    @Setup
    public void setUp() {
        img = RuntimeScenario.image(arch);
        callAll = RuntimeScenario.token(img, "CallAll");
    }

    @Setup(Level.Invocation)
    public void freshRuntime() {
        rt = new EmulatedRuntime(img);
        rt.recordTrace(false);
    }

    @TearDown(Level.Invocation)
    public void closeRuntime() {
        rt.close();
    }

    @Benchmark
    @OperationsPerInvocation(RuntimeScenario.DELAY_LOAD_CELLS)
    public long resolution() {
        int n = RuntimeScenario.DELAY_LOAD_CELLS;
        long v = ((RunOutcome.Returned) rt.call(callAll)).value();
        if (v != (long) n * (n - 1) / 2) {
            throw new IllegalStateException("CallAll returned " + v);
        }
        return v;
    }
}
