package r2rlab.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import r2rlab.emu.diff.ImageDiff;
import r2rlab.loader.R2RImage;

/**
 * Time of {@code r2rlab diff} on two real images, from bytes in memory: reading both, disassembling every
 * method present in both (naked listings), and the comparison. The pairs are two versions of one
 * assembly: ZipFile compiled for R2R 16.0 (x64 Linux) and for .NET 11 preview 4 (R2R 18.5, with async
 * variants and stubs), and ZipFile for ARM64 Linux at R2R 9.1 and 16.0. Run:
 * {@code java -jar benchmarks/target/benchmarks.jar DiffBenchmark -p fixtures=../shared/fixtures}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DiffBenchmark {
    @Param({"../shared/fixtures"})
    public String fixtures;

    @Param({"r2r/AlbionOnline-Companion__System.IO.Compression.ZipFile__AMD64-Linux__r2r16.0.dll"
            + "|r2r-net11-async/System.IO.Compression.ZipFile.dll",
            "r2r/mqttGateway-bt__System.IO.Compression.ZipFile__ARM64-Linux__r2r9.1.dll"
            + "|r2r/ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll"})
    public String pair;

    private byte[] left;
    private byte[] right;

    @Setup
    public void load() throws Exception {
        String[] p = pair.split("\\|");
        left = Files.readAllBytes(Path.of(fixtures).resolve(p[0]));
        right = Files.readAllBytes(Path.of(fixtures).resolve(p[1]));
    }

    @Benchmark
    public ImageDiff.Result diff() {
        return ImageDiff.compare(R2RImage.read("left", left), left, R2RImage.read("right", right), right, List.of());
    }
}
