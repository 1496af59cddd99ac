package r2rlab.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import r2rlab.loader.R2RImage;

/**
 * Time to read a whole image (headers, metadata names, every fixup signature, entry points,
 * runtime functions) from bytes already in memory: each of the 24 .NET 11 images, and the whole
 * corpus in one go. The report turns the times into MB/s with the files' sizes (target: 100 MB/s).
 * The reader's code is the same for every image, so each fork first reads the whole corpus a few
 * times to bring it to the JIT's steady state; the short warm-up iterations then only settle the image
 * at hand (a large image takes more than one 500 ms iteration per read when cold).
 * Run: {@code java -jar benchmarks/target/benchmarks.jar ReadImageBenchmark -p fixtures=../shared/fixtures}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx2g"})
public class ReadImageBenchmark {
    /** The folder of the .NET 11 images under the fixtures. */
    public static final String NET11 = "r2r-net11-async";

    /** One image's bytes. */
    @State(Scope.Benchmark)
    public static class Image {
        @Param({"../shared/fixtures"})
        public String fixtures;

        @Param({
            "r2r-net11-async/System.Data.Common.dll",
            "r2r-net11-async/System.Diagnostics.Process.dll",
            "r2r-net11-async/System.Formats.Tar.dll",
            "r2r-net11-async/System.IO.Compression.Brotli.dll",
            "r2r-net11-async/System.IO.Compression.ZipFile.dll",
            "r2r-net11-async/System.IO.Compression.dll",
            "r2r-net11-async/System.IO.Pipes.dll",
            "r2r-net11-async/System.Net.Http.dll",
            "r2r-net11-async/System.Net.HttpListener.dll",
            "r2r-net11-async/System.Net.Mail.dll",
            "r2r-net11-async/System.Net.NameResolution.dll",
            "r2r-net11-async/System.Net.NetworkInformation.dll",
            "r2r-net11-async/System.Net.Ping.dll",
            "r2r-net11-async/System.Net.Quic.dll",
            "r2r-net11-async/System.Net.Requests.dll",
            "r2r-net11-async/System.Net.Security.dll",
            "r2r-net11-async/System.Net.Sockets.dll",
            "r2r-net11-async/System.Net.WebClient.dll",
            "r2r-net11-async/System.Net.WebSockets.Client.dll",
            "r2r-net11-async/System.Net.WebSockets.dll",
            "r2r-net11-async/System.Private.DataContractSerialization.dll",
            "r2r-net11-async/System.Private.Xml.Linq.dll",
            "r2r-net11-async/System.Security.Cryptography.dll",
            "r2r-net11-async/System.Threading.Tasks.Parallel.dll"})
        public String image;

        /** Whole-corpus reads before measuring: the reader's warm-up. */
        @Param({"2"})
        public int warmCorpusReads;

        byte[] bytes;

        @Setup
        public void load() throws IOException {
            bytes = Files.readAllBytes(Path.of(fixtures).resolve(image));
            Corpus corpus = new Corpus();
            corpus.fixtures = fixtures;
            corpus.warmCorpusReads = warmCorpusReads;
            corpus.load();
        }
    }

    /** Every .NET 11 image's bytes. */
    @State(Scope.Benchmark)
    public static class Corpus {
        @Param({"../shared/fixtures"})
        public String fixtures;

        /** Whole-corpus reads before measuring: the reader's warm-up. */
        @Param({"3"})
        public int warmCorpusReads;

        final List<String> names = new ArrayList<>();
        final List<byte[]> images = new ArrayList<>();

        @Setup
        public void load() throws IOException {
            try (var files = Files.list(Path.of(fixtures).resolve(NET11))) {
                for (Path p : files.filter(f -> f.toString().endsWith(".dll")).sorted().toList()) {
                    names.add(p.getFileName().toString());
                    images.add(Files.readAllBytes(p));
                }
            }
            for (int i = 0; i < warmCorpusReads; i++) {
                readAll(this);
            }
        }
    }

    @Benchmark
    public R2RImage read(Image state) {
        return R2RImage.read(state.image, state.bytes);
    }

    /** All 24 images, one after the other. */
    @Benchmark
    public int corpus(Corpus state) {
        return readAll(state);
    }

    static int readAll(Corpus state) {
        int methods = 0;
        for (int i = 0; i < state.images.size(); i++) {
            methods += R2RImage.read(state.names.get(i), state.images.get(i)).methods().size();
        }
        return methods;
    }
}
