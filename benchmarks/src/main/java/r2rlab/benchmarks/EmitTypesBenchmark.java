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
import org.openjdk.jmh.annotations.Warmup;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioBuilder;

/**
 * Time to emit a module of many types with no methods (TypeDef rows, names, metadata, headers): the
 * metadata side of the emitter, which the methods benchmark hardly exercises. One cold operation per
 * fork: while emitting 20,000 types costs tens of seconds (it grows faster than linearly), the JIT's
 * warm-up is noise beside it, and a warm-up operation would cost as much again. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar EmitTypesBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgs = {"-Xmx4g"})
public class EmitTypesBenchmark {
    @Param({"20000"})
    public int types;

    @Param({"X64"})
    public Architecture arch;

    private Scenario scenario;

    public static Scenario module(int types) {
        ScenarioBuilder b = ScenarioBuilder.create("types.yaml").module("Types");
        for (int i = 0; i < types; i++) {
            b.type("Bench.Types.T" + i);
        }
        return b.build();
    }

    @Setup
    public void setUp() {
        scenario = module(types);
    }

    @Benchmark
    public byte[] emit() {
        return Emitter.emit(scenario, EmitOptions.of(arch));
    }
}
