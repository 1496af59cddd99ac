package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.r2r.ModuleMetadata;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.CpuProfile;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.unicorn.Unicorn;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;

/**
 * Resumption stubs left unregistered and a collection while a resumed method runs: the code manager takes the stub
 * frame for a funclet of the method before it and gives it that method's GcInfo, where the stub's return address is no
 * safepoint, so the stub's live result byref (RBX / X19, interior, into the continuation the result goes to) is not
 * updated when the continuation moves; the stub stores the awaited result into the poisoned old copy and Compute(1)
 * returns 1 + 0 instead of 1 + 42. The collector names the stub frame. With registration every walk is right.
 */
class GcStubRegistrationTest {
    @ParameterizedTest
    @EnumSource(Architecture.class)
    void unregisteredStubFrameIsMisWalked(Architecture arch) {
        Scenario scenario = Emitted.scenario("async-basic.yaml");
        R2RImage img = Emitted.read(Emitted.emit(scenario, arch));
        int compute = new ModuleMetadata(scenario).methodToken(scenario.methods().filter(m -> m.fullName().equals("Demo.Program.Compute")).findFirst().orElseThrow());

        List<Collector.Result> registered = new ArrayList<>();
        try (EmulatedRuntime rt = new EmulatedRuntime(img, true)) {
            rt.gcStress(true);
            rt.onCollection(registered::add);
            assertEquals("= 43", GcStressTest.describe(rt.run(compute, 1)));
        }
        assertTrue(registered.size() > 10, "collections while resumed methods run");
        assertTrue(registered.stream().anyMatch(r -> r.frameNames().contains("[RESUME] Demo.Program.Main$ResumptionStub+0x"
                + (arch == Architecture.X64 ? "F" : "14"))), "a collection walked Main's stub");
        registered.forEach(r -> assertEquals(List.of(), r.problems()));

        List<Collector.Result> unregistered = new ArrayList<>();
        try (EmulatedRuntime rt = new EmulatedRuntime(img, false)) {
            rt.gcStress(true);
            rt.onCollection(unregistered::add);
            assertEquals("= 1", GcStressTest.describe(rt.run(compute, 1)));
        }
        String problem = unregistered.stream().flatMap(r -> r.problems().stream()).filter(p -> p.contains("no safepoint")).findFirst()
                .orElseThrow();
        String expected = arch == Architecture.X64
                ? "frame #1 [RESUME] Demo.Program.Main$ResumptionStub+0xF (GcInfo of Demo.Program.Main at offset 0x1AF)"
                : "frame #1 [RESUME] Demo.Program.Main$ResumptionStub+0x14 (GcInfo of Demo.Program.Main at offset 0x";
        assertTrue(problem.startsWith(expected), problem);
    }

    /**
     * The real ZipFile (.NET 11, the JIT's own GcInfo): resumed through OpenAsync's stub (State 0) under GC stress, every
     * collection walks the variant and the stub with their own GcInfo, no problem. Unregistered, the stub (RF 117 at
     * 0x6DA0) is walked back over two funclets to ExtractToFileAsync (0x6CE0), whose GcInfo has ranges but no
     * safepoints: the stub's return address 0x6DBB is offset 0xDB of it, in no range (the research's figures).
     */
    @Test
    void realZipFileStubUnderGcStress() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        ResumptionStub open = img.resumptionStubs().stream().filter(x -> x.owner().name().equals(
                "System.IO.Compression.ZipFile.OpenAsync")).findFirst().orElseThrow();
        for (boolean registered : new boolean[] {true, false}) {
            List<Collector.Result> rs = new ArrayList<>();
            try (EmulatedRuntime rt = new EmulatedRuntime(img, registered, img.pe().imageBase(), Unicorn::open,
                    CpuProfile.X86_64_V3)) {
                // the method before the stubs has been prepared (its entry point is in the code manager's map)
                ReadyToRunMethod before = img.methods().stream().filter(m -> m.entryRuntimeFunction() == 114).findFirst().orElseThrow();
                assertTrue(rt.info().getEntryPoint(before).isOk());
                rt.gcStress(true);
                rt.onCollection(rs::add);
                assertEquals(0x7009, rt.runResumptionStub(open, 0).reachedRva());
            }
            assertTrue(rs.size() > 0);
            List<String> problems = rs.stream().flatMap(r -> r.problems().stream()).distinct().toList();
            if (registered) {
                assertEquals(List.of(), problems);
            } else {
                assertTrue(problems.get(0).startsWith("frame #1 [RESUME] System.IO.Compression.ZipFile.OpenAsync$ResumptionStub+0x1B (GcInfo of"
                        + " System.IO.Compression.ZipFileExtensions.ExtractToFileAsync at offset 0xDB)"), problems.toString());
            }
        }
    }
}
