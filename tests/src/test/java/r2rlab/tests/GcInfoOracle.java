package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/** tests/oracle/gcinfo_oracle.py, the independent GcInfo decoder, and r2rlab's figures in its shape. */
final class GcInfoOracle {
    private GcInfoOracle() {
    }

    /** The oracle's figures for every x64 and ARM64 image under {@code root}'s r2r and r2r-net11-async folders, by path. */
    static JsonObject run(Path root) throws Exception {
        Path script = Fixtures.repositoryRoot().resolve("tests/oracle/gcinfo_oracle.py");
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--all", root.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "oracle timed out");
        assertEquals(0, p.exitValue(), "oracle failed");
        return JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
    }

    /** r2rlab's figures of {@code m}'s GcInfo as the oracle gives them: RVA, code length, safepoints, ranges, slots, size, offsets. */
    static JsonArray figures(R2RImage img, ReadyToRunMethod m) {
        MethodGcInfo g = MethodGcInfo.of(img, m);
        GcInfo.Decoded d = g.decode(img);
        GcInfo info = d.info();
        JsonArray safePoints = new JsonArray();
        info.safePoints().forEach(safePoints::add);
        JsonArray mine = new JsonArray();
        mine.add(g.rva());
        mine.add(info.codeLength());
        mine.add(info.safePoints().size());
        mine.add(info.interruptibleRanges().size());
        mine.add(info.slots().size());
        mine.add(d.size());
        mine.add(safePoints);
        return mine;
    }
}
