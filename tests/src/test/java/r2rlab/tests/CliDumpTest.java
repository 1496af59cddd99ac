package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.cli.Main;

/** {@code r2rlab dump} as a user runs it: output streams, option order, exit status. */
class CliDumpTest {
    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Result(status, out.toString(), err.toString());
    }

    private static final Path ZIP = Fixtures.net11("System.IO.Compression.ZipFile.dll");

    @Test
    void json_beforeOrAfterImage_givesTheSameObject() {
        Result a = run("dump", "--json", ZIP.toString());
        Result b = run("dump", ZIP.toString(), "--json");
        assertEquals(0, a.status(), a.err());
        assertEquals(a.out(), b.out());
        JsonObject o = JsonParser.parseString(a.out()).getAsJsonObject();
        assertEquals("18.5", o.get("r2rVersion").getAsString());
        assertEquals(0x8664, o.get("machine").getAsInt());
        assertEquals("x64", o.get("architecture").getAsString());
        assertEquals("windows", o.get("os").getAsString());
        assertEquals(10, o.get("asyncVariants").getAsInt());
        assertEquals(10, o.getAsJsonArray("resumptionStubs").size());
        JsonObject stub = o.getAsJsonArray("resumptionStubs").get(0).getAsJsonObject();
        assertEquals(0x6DA0, stub.get("rva").getAsInt());
        assertEquals("System.IO.Compression.ZipFile.OpenAsync", stub.get("owner").getAsString());
        assertEquals(0x0600002B, stub.get("ownerToken").getAsInt());
        JsonObject method = null;
        for (var m : o.getAsJsonArray("methods")) {
            if (m.getAsJsonObject().get("runtimeFunction").getAsInt() == 117) {
                method = m.getAsJsonObject();
            }
        }
        assertEquals("System.IO.Compression.ZipFile.OpenAsync$ResumptionStub", method.get("name").getAsString());
        assertEquals("resume", method.get("variant").getAsString());
        assertEquals(0, method.get("token").getAsInt());
        assertEquals(117, method.get("runtimeFunction").getAsInt());
    }

    @Test
    void json_linuxArm64_machineAndOs() {
        Result r = run("dump", "--json", Fixtures.r2r("ChessPuzzlesBot__System.Collections__ARM64-Linux__r2r16.0.dll").toString());
        JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
        assertEquals(0xAA64 ^ 0x7B79, o.get("machine").getAsInt());
        assertEquals("arm64", o.get("architecture").getAsString());
        assertEquals("linux", o.get("os").getAsString());
        assertEquals("16.0", o.get("r2rVersion").getAsString());
    }

    @Test
    void json_everyFixture_hasTheRequiredFields() {
        for (Path p : Fixtures.all()) {
            Result r = run("dump", "--json", p.toString());
            assertEquals(0, r.status(), p + ": " + r.err());
            assertEquals("", r.err());
            JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
            for (String f : List.of("r2rVersion", "machine", "architecture", "os", "flags", "sections", "compilerIdentifier",
                    "runtimeFunctionCount", "methodDefSlots", "methodDefEntryPoints", "instanceEntryPoints", "asyncVariants",
                    "fixupKinds", "resumptionStubs", "methods")) {
                assertTrue(o.has(f), p + " lacks " + f);
            }
        }
    }

    @Test
    void text_marksAsyncVariantsAndStubs() {
        Result r = run("dump", ZIP.toString());
        assertEquals(0, r.status());
        assertTrue(r.out().contains("[ASYNC] System.IO.Compression.ZipFile.OpenAsync"));
        assertTrue(r.out().contains("[RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub"));
        assertTrue(r.out().contains("ResumptionStubEntryPoint stub RVA 0x6DA0"));
        assertTrue(r.out().contains("Version:       18.5"));
    }

    @Test
    void truncatedImage_oneLineError_status2(@TempDir Path dir) throws Exception {
        byte[] b = Files.readAllBytes(ZIP);
        Path cut = dir.resolve("cut.dll");
        Files.write(cut, Arrays.copyOf(b, 0x300));
        Result r = run("dump", "--json", cut.toString());
        assertEquals(2, r.status());
        assertEquals("", r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("file offset 0x"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void missingFile_status2() {
        Result r = run("dump", "/nonexistent/image.dll");
        assertEquals(2, r.status());
        assertEquals("r2rlab: /nonexistent/image.dll: no such file", r.err().strip());
    }

    @Test
    void notAnImage_status2(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("text.dll");
        Files.writeString(f, "hello, this is not a PE image at all; it is long enough for a DOS header to be read.");
        Result r = run("dump", f.toString());
        assertEquals(2, r.status());
        assertEquals("r2rlab: " + f + ": IMAGE_DOS_HEADER at file offset 0x0: no MZ signature: not a PE image", r.err().strip());
    }

    @Test
    void unknownOption_status2() {
        Result r = run("dump", "--bogus", ZIP.toString());
        assertEquals(2, r.status());
    }
}
