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
 * Time to emit a module of N methods (one in four async with two awaits, the rest with a loop and a
 * call), from a validated scenario to image bytes. The target is under 5 s for 100,000 methods and
 * near-linear growth. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar EmitBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
public class EmitBenchmark {
    @Param({"1000", "10000", "100000"})
    public int methods;

    @Param({"X64", "ARM64"})
    public Architecture arch;

    private Scenario scenario;

    public static Scenario module(int methods) {
        ScenarioBuilder b = ScenarioBuilder.create("bench.yaml").module("Bench");
        for (int i = 0; i < methods; i++) {
            if (i % 1000 == 0) {
                b.type("Bench.T" + i / 1000);
            }
            if (i % 4 == 3) {
                b.staticMethod("A" + i).async().returnsInt().params("a").body("await yield\nvar x = a * 3\nawait yield\nreturn x + 1");
            } else {
                b.staticMethod("M" + i).returnsInt().params("a", "b")
                        .body("var s = 0\nwhile s < a {\n  s = s + b\n}\nreturn s");
            }
        }
        return b.build();
    }

    @Setup
    public void setUp() {
        scenario = module(methods);
    }

    @Benchmark
    public byte[] emit() {
        return Emitter.emit(scenario, EmitOptions.of(arch));
    }
}
