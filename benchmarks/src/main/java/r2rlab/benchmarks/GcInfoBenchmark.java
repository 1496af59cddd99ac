package r2rlab.benchmarks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * Time to decode every GcInfo blob of an image (each distinct blob once, as {@code dump --gc} does), and to encode
 * the decoded values back. Run: {@code java -jar benchmarks/target/benchmarks.jar GcInfoBenchmark -p fixtures=../shared/fixtures}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GcInfoBenchmark {
    @Param({"../shared/fixtures"})
    public String fixtures;

    @Param({"r2r-net11-async/System.IO.Compression.ZipFile.dll", "r2r-net11-async/System.Net.Http.dll",
        "r2r/ChessPuzzlesBot__System.Collections__ARM64-Linux__r2r16.0.dll"})
    public String image;

    private R2RImage img;
    private List<MethodGcInfo> blobs;
    private List<GcInfo> decoded;

    @Setup
    public void load() throws Exception {
        img = R2RImage.read(Path.of(fixtures).resolve(image));
        Map<Long, MethodGcInfo> distinct = new LinkedHashMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            MethodGcInfo g = MethodGcInfo.of(img, m);
            distinct.putIfAbsent(g.rva(), g);
        }
        blobs = new ArrayList<>(distinct.values());
        decoded = new ArrayList<>();
        for (MethodGcInfo g : blobs) {
            decoded.add(g.decode(img).info());
        }
    }

    /** Decodes every distinct blob of the image; returns the bytes decoded. */
    @Benchmark
    public long decodeAll() {
        long bytes = 0;
        for (MethodGcInfo g : blobs) {
            bytes += g.decode(img).size();
        }
        return bytes;
    }

    /** Encodes every decoded blob again; returns the bytes written. */
    @Benchmark
    public long encodeAll() {
        long bytes = 0;
        for (GcInfo g : decoded) {
            bytes += g.encode().length;
        }
        return bytes;
    }
}
