package r2rlab.benchmarks;

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
import org.openjdk.jmh.annotations.TearDown;
import r2rlab.emu.verify.ImageVerifier;
import r2rlab.loader.R2RImage;

/**
 * Time to check a read image against every verify rule (Capstone decodes all its code). Run:
 * {@code java -jar benchmarks/target/benchmarks.jar VerifyBenchmark -p fixtures=../shared/fixtures}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class VerifyBenchmark {
    @Param({"../shared/fixtures"})
    public String fixtures;

    @Param({"r2r-net11-async/System.IO.Compression.ZipFile.dll", "r2r-net11-async/System.Net.Ping.dll"})
    public String image;

    private R2RImage img;
    private ImageVerifier verifier;

    @Setup
    public void load() throws Exception {
        img = R2RImage.read(Path.of(fixtures).resolve(image));
        verifier = new ImageVerifier();
    }

    @TearDown
    public void close() {
        verifier.close();
    }

    @Benchmark
    public ImageVerifier.Verification verify() {
        return verifier.verify(img);
    }
}
