package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emu.runtime.Collector;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.verify.Finding;
import r2rlab.emu.verify.ImageVerifier;
import r2rlab.emu.verify.Rule;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.R2RImage;

/**
 * B8's runtime half on an emitted image. Keep saves nine cells across its await (Exception, ExecutionContext, n, five
 * integers, the Box last in cell 8): a 72-byte layout, a multiple of 8, so the faithful truncating writer leaves the
 * image as it is; the forced short map (continuation-map-short) writes 03 where the map is 03 01, and the runtime reads
 * the ResumptionStubEntryPoint signature's kind byte 0x38 as the map's second byte: cell 8 clear. verify names both
 * rules it breaks; under GC stress the Box moves, the continuation's cell (stored through the write barrier) keeps the
 * old address, the collector names it once, and Keep(7) returns what a later collection copied there (its own
 * continuation's ExecutionContext cell) plus 43 instead of 743.
 */
class B8StaleReferenceTest {
    private static final Scenario KEEP = Emitted.scenario(Fixtures.repositoryRoot().resolve("regressions/scenarios/wide-continuation.yaml"));

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void shortContinuationMap_leavesTheBoxStale(Architecture arch) {
        byte[] fixedBytes = Emitted.emit(KEEP, arch);
        assertArrayEquals(fixedBytes, Emitted.emit(KEEP, arch, Defect.B8_GC_MAP_TRUNCATED), "72 bytes: the truncating writer changes nothing");
        R2RImage fixed = Emitted.read(fixedBytes);
        R2RImage buggy = Emitted.read(Emitted.emit(KEEP, arch, Defect.B8_CONTINUATION_MAP_SHORT));

        FixupSignature.Layout fixedLayout = layout(fixed);
        FixupSignature.Layout buggyLayout = layout(buggy);
        assertEquals(72, fixedLayout.layout().size());
        assertEquals("0301", HexFormat.of().formatHex(fixedLayout.layout().gcMap()));
        assertEquals(72, buggyLayout.layout().size());
        assertEquals("0338", HexFormat.of().formatHex(buggyLayout.layout().gcMap()), "the second byte read is the next signature's kind");
        assertEquals(0x38, ReadyToRunFixupKind.ResumptionStubEntryPoint.value);

        assertEquals(List.of(), verify(fixed));
        assertEquals(List.of(Rule.CONTINUATION_GC_MAP, Rule.GC_MAP_LENGTH), verify(buggy).stream().map(Finding::rule).collect(Collectors.toList()));

        assertEquals(List.of("= 743"), run(fixed, true));
        assertEquals(List.of("= 743"), run(buggy, false), "without a collection nothing moves");
        List<String> stress = run(buggy, true);
        assertEquals("= 1610613211", stress.get(0), "0x600001B0 (the ExecutionContext cell of Keep's continuation, copied to the stale address) + 43");
        assertEquals("Continuation_72 0x64000000 (resumed through [RESUME] Demo.B8.Keep$ResumptionStub) +0x60, cell 8 of its data, clear in"
                + " its GC map, holds 0x6A000020, a Box in the semispace this collection left: a stale reference, neither traced nor updated",
                stress.get(1));
        assertEquals(2, stress.size(), "the stale cell is reported once: " + stress);
    }

    /** Why the truncating writer cannot show B8 on a continuation: every real continuation size is a multiple of 8. */
    @Test
    void realContinuationSizesAreMultiplesOfThePointerSize() throws Exception {
        int layouts = 0;
        for (Path p : Fixtures.net11()) {
            for (FixupSignature.Layout l : Emitted.continuationLayouts(R2RImage.read(p))) {
                assertEquals(0, l.layout().size() % 8, p.getFileName() + ": size " + l.layout().size());
                layouts++;
            }
        }
        assertEquals(280, layouts);
    }

    private static FixupSignature.Layout layout(R2RImage img) {
        List<FixupSignature.Layout> layouts = Emitted.continuationLayouts(img);
        assertEquals(1, layouts.size());
        return layouts.get(0);
    }

    private static List<Finding> verify(R2RImage img) {
        try (ImageVerifier v = new ImageVerifier()) {
            return v.verify(img).findings();
        }
    }

    /** Keep(7)'s outcome, then every problem the collections reported. */
    private static List<String> run(R2RImage img, boolean gcStress) {
        List<String> out = new ArrayList<>();
        List<Collector.Result> collections = new ArrayList<>();
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            rt.gcStress(gcStress);
            rt.onCollection(collections::add);
            out.add(GcStressTest.describe(rt.run(Emitted.token(img, "Demo.B8.Keep"), 7)));
        }
        collections.forEach(c -> out.addAll(c.problems()));
        return out;
    }
}
