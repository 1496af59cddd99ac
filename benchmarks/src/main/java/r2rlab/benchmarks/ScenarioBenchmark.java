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
import r2rlab.emitter.scenario.ScenarioParser;

/**
 * Scenario text to image bytes for inputs whose size once cost quadratic time: N types without methods (types were
 * put in metadata order with a scan of all types per type) and a comment line of N characters (SnakeYAML's reader
 * copied its whole unread window for every 1,024 characters). Both must grow linearly: 20,000 types and a 5 MB line
 * each well under a second. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar ScenarioBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class ScenarioBenchmark {
    /** How many types {@link #manyTypes} emits. */
    @Param({"5000", "20000"})
    public int types;

    /** The length of each of the two comment lines {@link #longCommentLines} reads: one in the YAML, one in a body. */
    @Param({"1250000", "5000000"})
    public int commentLength;

    private String manyTypes;
    private String longComment;

    @Setup
    public void setUp() {
        StringBuilder t = new StringBuilder("module: M\ntypes:\n");
        for (int i = 0; i < types; i++) {
            t.append("  - name: N.T").append(i).append('\n');
        }
        manyTypes = t.toString();
        longComment = "# " + "x".repeat(commentLength) + "\nmodule: M\ntypes:\n  - name: A.B\n    methods:\n      - name: F\n"
                + "        returns: int\n        body: |\n          # " + "y".repeat(commentLength) + "\n          return 1\n";
    }

    @Benchmark
    public byte[] manyTypes() {
        return Emitter.emit(ScenarioParser.parse("types.yaml", manyTypes), EmitOptions.of(Architecture.X64));
    }

    @Benchmark
    public byte[] longCommentLines() {
        return Emitter.emit(ScenarioParser.parse("comment.yaml", longComment), EmitOptions.of(Architecture.X64));
    }
}
