package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.format.BlobBuilder;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.HotColdMapEntry;
import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.Tier1CodeVersions;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunSection;

/**
 * The two tables no crossgen2 image has, read in place from emitted images and written back:
 * r2rlab's Tier1 code-version section and the HotColdMap (defect B4).
 */
class EmittedTablesTest {
    @Test
    void tier1CodeVersions_readInPlace_writeBackTheSameBytes() {
        for (Architecture arch : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("tiering.yaml"), arch));
            ReadyToRunSection s = img.header().section(R2RLabSections.TIER1_CODE_VERSIONS);
            long offset = img.pe().rvaToOffset("tier1", s.rva(), s.size());
            Tier1CodeVersions t = Tier1CodeVersions.read(img.pe().file(), offset, s.size());
            // Hot (MethodDef 1) is async and awaits: its Tier1 async variant and resumption stub, after the
            // R2R bodies (two Task-returning methods, two variants each with its stub).
            assertEquals(2, t.entries().size(), arch.toString());
            Tier1CodeVersions.Entry variant = t.entries().get(0);
            Tier1CodeVersions.Entry stub = t.entries().get(1);
            assertEquals(0x06000001, variant.methodToken());
            assertEquals(CodeBodyKind.ASYNC_VARIANT, variant.kind());
            assertEquals(10, variant.runtimeFunction()); // after the two Task-returning methods (each with 2 funclets), variants, stubs
            assertEquals(0x06000001, stub.methodToken());
            assertEquals(CodeBodyKind.RESUMPTION_STUB, stub.kind());
            assertEquals(11, stub.runtimeFunction());
            assertEquals(img.runtimeFunctions().get(10).beginRva(), variant.codeRva());
            assertEquals(img.runtimeFunctions().get(11).beginRva(), stub.codeRva());
            assertEquals(44, s.size());
            BlobBuilder b = new BlobBuilder();
            t.write(b);
            assertArrayEquals(img.pe().file().bytes("tier1", offset, (int) s.size()), b.toByteArray(), arch.toString());
        }
    }

    @Test
    void hotColdMap_readInPlace_writeBackTheSameBytes() {
        for (Architecture arch : Architecture.values()) {
            R2RImage img = Emitted.read(Emitted.emit(Emitted.scenario("async-basic.yaml"), arch, Defect.B4_HOT_COLD_SPLIT));
            ReadyToRunSection s = img.header().section(ReadyToRunSectionType.HotColdMap.id);
            long offset = img.pe().rvaToOffset("hotcold", s.rva(), s.size());
            List<HotColdMapEntry> pairs = new ArrayList<>();
            BlobBuilder b = new BlobBuilder();
            for (long o = offset; o < offset + s.size(); o += HotColdMapEntry.SIZE) {
                HotColdMapEntry e = HotColdMapEntry.read(img.pe().file(), o);
                pairs.add(e);
                e.write(b);
            }
            // Two async variants (runtime functions 2 and 4, each followed by its stub): their cold parts
            // come after the six hot fragments.
            assertEquals(List.of(new HotColdMapEntry(10, 6), new HotColdMapEntry(11, 8)), pairs, arch.toString());
            assertArrayEquals(img.pe().file().bytes("hotcold", offset, (int) s.size()), b.toByteArray(), arch.toString());
        }
    }
}
