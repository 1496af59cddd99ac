package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.format.gcinfo.GcSlot;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The GcInfo the emitter writes after every body's main unwind record: it decodes (GcInfo v4, as R2R 18.5), covers
 * the method and its funclets, ends 0-3 zero bytes before the next unwind record, has a safepoint exactly at the
 * return address of every call Capstone finds in the body except the write barriers', and the independent Python
 * decoder (tests/oracle/gcinfo_oracle.py) agrees on every method of every example on x64 and ARM64, in both stub
 * layouts. A few blobs are checked field by field.
 */
class EmittedGcInfoTest {
    private static final Set<String> NOT_SAFEPOINTS = Set.of("WriteBarrier", "CheckedWriteBarrier");

    @Test
    void everyMethodOfEveryExampleDecodesWhereTheRuntimeFindsIt(@TempDir Path dir) throws Exception {
        Path images = Files.createDirectories(dir.resolve("r2r"));
        int methods = 0;
        List<String> failures = new ArrayList<>();
        for (Path example : Emitted.examples()) {
            Scenario s = Emitted.scenario(example);
            for (Architecture arch : Architecture.values()) {
                for (StubLayout layout : StubLayout.values()) {
                    byte[] bytes = Emitted.emitWith(s, arch, layout);
                    String name = example.getFileName().toString().replace(".yaml", "") + "-" + arch + "-" + layout + ".dll";
                    Emitted.write(images, name, bytes);
                    R2RImage img = Emitted.read(bytes);
                    methods += checkImage(img, arch == Architecture.ARM64, name, failures);
                }
            }
        }
        assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
        assertEquals(344, methods, "methods of the examples in both layouts on both architectures");
        oracleAgrees(dir, images);
    }

    private static int checkImage(R2RImage img, boolean arm64, String name, List<String> failures) {
        TreeSet<Long> unwindRecords = new TreeSet<>();
        img.runtimeFunctions().forEach(rf -> unwindRecords.add(rf.unwindRva()));
        CallSequence calls = new CallSequence(img);
        int n = 0;
        try (Disassembler d = new Disassembler(arm64)) {
            for (ReadyToRunMethod m : img.methods()) {
                MethodGcInfo g = MethodGcInfo.of(img, m);
                GcInfo.Decoded decoded = g.decode(img);
                GcInfo info = decoded.info();
                String what = name + " " + m.label();
                long end = rfEnd(img, m);
                if (info.codeLength() != end - m.entryRva()) {
                    failures.add(what + ": CodeLength " + info.codeLength() + ", method and funclets " + (end - m.entryRva()));
                }
                long blobEnd = g.rva() + decoded.size();
                long next = (blobEnd + 3) & ~3L;
                byte[] pad = img.pe().file().bytes("pad", img.pe().rvaToOffset("pad", blobEnd, next - blobEnd), (int) (next - blobEnd));
                for (byte b : pad) {
                    if (b != 0) {
                        failures.add(what + ": a non-zero byte after the GcInfo");
                    }
                }
                if (!unwindRecords.contains(next) && next <= unwindRecords.last()) {
                    failures.add(String.format("%s: GcInfo ends at 0x%X, which is no unwind record", what, blobEnd));
                }
                List<Long> expected = new ArrayList<>();
                for (long ra : calls.returnAddresses(d, arm64, m.entryRva(), end, NOT_SAFEPOINTS)) {
                    expected.add(ra - m.entryRva());
                }
                List<Long> actual = new ArrayList<>();
                info.safePoints().forEach(sp -> actual.add((long) sp));
                if (!expected.equals(actual)) {
                    failures.add(what + ": safepoints " + actual + ", calls return to " + expected);
                }
                n++;
            }
        }
        return n;
    }

    private static void oracleAgrees(Path dir, Path images) throws Exception {
        JsonObject oracle = GcInfoOracle.run(dir);
        List<Path> files;
        try (var s = Files.list(images)) {
            files = s.sorted().toList();
        }
        assertEquals(files.size(), oracle.size(), "the oracle reads every emitted image");
        for (Path f : files) {
            R2RImage img = R2RImage.read(f);
            JsonObject figures = oracle.getAsJsonObject("r2r/" + f.getFileName());
            assertEquals(img.methods().size(), figures.size(), f.toString());
            for (ReadyToRunMethod m : img.methods()) {
                assertEquals(figures.get(Integer.toString(m.entryRuntimeFunction())), GcInfoOracle.figures(img, m), f.getFileName() + " " + m.label());
            }
        }
    }

    /**
     * async-basic's resumption stub of Main, x64: slim, no frame register (push rbx; push r12; sub rsp), one safepoint
     * at the return of its call of the variant with RBX (the result byref, interior) and RCX (the continuation the
     * call returns) live, as ZipFile's OpenAsync$ResumptionStub has RBX interior, RAX and RCX.
     */
    @Test
    void x64ResumptionStub() throws Exception {
        GcInfo g = gcInfo(Architecture.X64, "[RESUME] Demo.Program.Main$ResumptionStub");
        assertEquals(false, g.fat());
        assertEquals(0, g.headerFlags());
        assertEquals(List.of(0xF), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(3, GcSlot.INTERIOR), GcSlot.ofRegister(1, 0)), g.slots());
        assertEquals(bits(0, 1), g.safePointLiveness().liveAt(0));
        // the shape of the JIT's: ZipFile's OpenAsync$ResumptionStub (.NET 11)
        R2RImage zip = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        ReadyToRunMethod stub = zip.methods().stream().filter(m -> m.label().endsWith("ZipFile.OpenAsync$ResumptionStub")).findFirst()
                .orElseThrow();
        GcInfo real = MethodGcInfo.of(zip, stub).decode(zip).info();
        assertEquals(real.fat(), g.fat());
        assertEquals(real.headerFlags(), g.headerFlags());
        assertEquals(real.safePoints().size(), g.safePoints().size());
        assertEquals(real.slots().get(0), g.slots().get(0));
        assertEquals(List.of(), real.slots().stream().filter(sl -> !sl.isRegister()).toList());
    }

    /** The same stub on ARM64: the frame register X29, X19 (interior) and X2 (the continuation returned). */
    @Test
    void arm64ResumptionStub() {
        GcInfo g = gcInfo(Architecture.ARM64, "[RESUME] Demo.Program.Main$ResumptionStub");
        assertEquals(false, g.fat());
        assertEquals(GcInfo.HAS_STACK_BASE_REGISTER, g.headerFlags());
        assertEquals(29, g.stackBaseRegister());
        assertEquals(0x30, g.codeLength());
        assertEquals(List.of(0x14), g.safePoints());
        assertEquals(List.of(GcSlot.ofRegister(19, GcSlot.INTERIOR), GcSlot.ofRegister(2, 0)), g.slots());
        assertEquals(bits(0, 1), g.safePointLiveness().liveAt(0));
    }

    /**
     * Main's async variant, x64: the continuation argument and the two context slots untracked at [rbp-0x18..-0x8],
     * zeroed or stored before the first call; the scratch slot [rbp-0x20] tracked, live only at the two calls of the
     * suspension block after the continuation is in it (CaptureExecutionContext, RestoreContextsOnSuspension); RAX at
     * the return of the calls that return an object, RCX at the return of the awaited call.
     */
    @Test
    void x64AsyncVariant() {
        GcInfo g = gcInfo(Architecture.X64, "[ASYNC] Demo.Program.Main");
        assertEquals(GcInfo.HAS_STACK_BASE_REGISTER, g.headerFlags());
        assertEquals(5, g.stackBaseRegister());
        List<GcSlot> untracked = g.slots().stream().filter(GcSlot::untracked).toList();
        assertEquals(3, untracked.size());
        assertTrue(untracked.stream().allMatch(s -> s.stackBase() == GcSlot.FRAMEREG_REL && s.stackOffset() < 0));
        List<String> text = g.slots().stream().map(s -> s.text(g.encoding())).toList();
        assertTrue(text.contains("GC_SLOT_BASE RAX") && text.contains("GC_SLOT_BASE RCX"), text.toString());
        int scratch = -1;
        for (int i = 0; i < g.numTracked(); i++) {
            if (!g.slots().get(i).isRegister()) {
                scratch = i;
            }
        }
        assertTrue(scratch >= 0, "the scratch slot is tracked");
        int liveScratch = 0;
        for (int i = 0; i < g.safePoints().size(); i++) {
            liveScratch += g.safePointLiveness().liveAt(i).get(scratch) ? 1 : 0;
        }
        assertEquals(2, liveScratch);
    }

    private static GcInfo gcInfo(Architecture arch, String label) {
        R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), arch));
        for (ReadyToRunMethod m : img.methods()) {
            if (m.label().equals(label)) {
                return MethodGcInfo.of(img, m).decode(img).info();
            }
        }
        throw new AssertionError("no " + label);
    }

    private static BitSet bits(int... set) {
        BitSet b = new BitSet();
        for (int i : set) {
            b.set(i);
        }
        return b;
    }

    private static long rfEnd(R2RImage img, ReadyToRunMethod m) {
        long end = 0;
        for (int i : m.runtimeFunctions()) {
            RuntimeFunction rf = img.runtimeFunctions().get(i);
            end = Math.max(end, rf.endRva());
        }
        return end;
    }
}
