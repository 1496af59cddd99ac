package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.loader.R2RImage;

/** The switches that depart from the real images' protocols: what each changes in the image, and what it breaks. */
class FidelitySwitchesTest {

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void flagsSplitCoreLibMain_writesTheOtherSplit_whichTheRuntimeReadsOutsideTheObject(Architecture arch) {
        R2RImage fixed = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), arch));
        R2RImage buggy = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), arch, Defect.FLAGS_SPLIT_CORELIB_MAIN));
        assertEquals(List.of("Main 0 0x9", "Compute 0 0x109"), ContinuationFlagsTest.emittedStores(fixed, arch));
        // ContinueOnThreadPool, Exception index 1 at bits 7-9, Result index 2 from bit 10: 0x881 for Compute's await
        // of Main, 0x81 for Main's await of yield ...
        assertEquals(0x881, ContinuationFlags.CORELIB_MAIN.encode(ContinuationFlags.CONTINUE_ON_THREAD_POOL, 1, 0, 2));
        try (Disassembler d = new Disassembler(arch == Architecture.ARM64)) {
            List<ContinuationStores.Store> stores = ContinuationStores.of(buggy, d, arch == Architecture.ARM64);
            assertEquals(List.of(0x81, 0x881), stores.stream().map(ContinuationStores.Store::flags).toList());
            // ... which the R2R 18.5 split reads as no Exception slot and a Result at index 17, past the data area ...
            ContinuationStores.Store compute = stores.get(1);
            assertEquals("index 17 is past the " + ContinuationFlagsTest.layoutOf(buggy, compute.method()).size() + "-byte data area",
                    ContinuationFlagsTest.misfit(ContinuationFlags.R2R_18_5, compute.flags(), ContinuationFlagsTest.layoutOf(buggy, compute.method())));
            // ... and as a Result in the Exception slot (index 1) with no Exception slot.
            assertEquals(List.of(0, 1), List.of(ContinuationFlags.R2R_18_5.exceptionIndex(0x81), ContinuationFlags.R2R_18_5.resultIndex(0x81)));
        }
        try (EmulatedRuntime rt = new EmulatedRuntime(fixed)) {
            assertEquals(new RunOutcome.Returned(50), rt.run(Emitted.token(fixed, "Demo.Program.Compute"), 8));
        }
        // Main's stub is resumed with the result location its caller's Flags name: index 17, outside Compute's continuation.
        try (EmulatedRuntime rt = new EmulatedRuntime(buggy)) {
            RunOutcome.Faulted f = assertInstanceOf(RunOutcome.Faulted.class, rt.run(Emitted.token(buggy, "Demo.Program.Compute"), 8));
            assertEquals(FaultReport.Kind.RUNTIME_ERROR, f.report().kind());
            assertTrue(f.report().message().contains("has Flags 0x881, whose Result index 17 names +0xA0, outside the object"),
                    f.report().message());
        }
    }
}
