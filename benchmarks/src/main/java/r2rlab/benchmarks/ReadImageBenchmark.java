package r2rlab.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import r2rlab.loader.R2RImage;

/**
 * Time to read a whole image (headers, metadata names, every fixup signature, entry points,
 * runtime functions) from bytes already in memory. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar ReadImageBenchmark -p fixtures=../shared/fixtures}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReadImageBenchmark {
    @Param({"../shared/fixtures"})
    public String fixtures;

    @Param({"r2r-net11-async/System.IO.Compression.ZipFile.dll", "r2r-net11-async/System.Net.Http.dll"})
    public String image;

    private byte[] bytes;

    @Setup
    public void load() throws Exception {
        bytes = Files.readAllBytes(Path.of(fixtures).resolve(image));
    }

    @Benchmark
    public R2RImage read() {
        return R2RImage.read(image, bytes);
    }
}
