package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.TypeLayout;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ResumptionStub;

/** The .NET 11 preview 4 images: every async variant and every resumption stub, each stub with its owner. */
class Net11AsyncTest {
    @Test
    void allImages_everyStubPairedWithItsAsyncVariant() throws Exception {
        int variants = 0;
        int stubs = 0;
        for (Path p : Fixtures.net11()) {
            R2RImage img = R2RImage.read(p);
            assertEquals("18.5", img.header().version(), p.toString());
            for (ResumptionStub s : img.resumptionStubs()) {
                stubs++;
                ReadyToRunMethod owner = s.owner();
                assertNotNull(owner, "stub 0x" + Long.toHexString(s.rva()) + " of " + p.getFileName() + " has an owner");
                assertEquals(CodeBodyKind.ASYNC_VARIANT, owner.kind());
                int rid = owner.token() & 0xFFFFFF;
                assertEquals(0x06000000, owner.token() & 0xFF000000);
                assertTrue((img.metadata().methodImplFlags(rid) & MethodImplAttributes.ASYNC) != 0, owner.name() + " is runtime-async");
                assertTrue(s.runtimeFunction() >= 0, "a runtime function starts at the stub");
                assertEquals(s.rva(), img.runtimeFunctions().get(s.runtimeFunction()).beginRva());
                // The stub is a method of its own, not a funclet of whatever precedes it.
                ReadyToRunMethod stubMethod = img.methods().stream().filter(m -> m.entryRuntimeFunction() == s.runtimeFunction()).findFirst().orElseThrow();
                assertEquals(CodeBodyKind.RESUMPTION_STUB, stubMethod.kind());
                assertEquals(owner.name() + R2RImage.STUB_SUFFIX, stubMethod.name());
            }
            variants += img.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT).count();
        }
        assertEquals(471, variants);
        assertEquals(471, stubs);
    }

    @Test
    void zipFile_stubsFormOneBlockBeforeTheAsyncVariants() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        List<ResumptionStub> stubs = img.resumptionStubs();
        assertEquals(10, stubs.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(117 + i, stubs.get(i).runtimeFunction());
        }
        assertEquals(0x6DA0, stubs.get(0).rva());
        assertEquals("System.IO.Compression.ZipFile.OpenAsync", stubs.get(0).owner().name());
        assertEquals(0x0600002B, stubs.get(0).owner().token());
        ReadyToRunMethod firstVariant = img.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
        assertEquals(127, firstVariant.entryRuntimeFunction());
        assertEquals(0x6F80, firstVariant.entryRva());
        assertEquals(List.of(127, 128, 129), firstVariant.runtimeFunctions());
        // The method before the block (entry 114, funclets 115 and 116) does not swallow the stubs.
        ReadyToRunMethod before = img.methods().stream().filter(m -> m.runtimeFunctions().contains(116)).findFirst().orElseThrow();
        assertEquals(List.of(114, 115, 116), before.runtimeFunctions());
        assertEquals(10, img.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT).count());
    }

    @Test
    void zipFile_openAsync_fixupListNamesItsStubCell() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        ResumptionStub s = img.resumptionStubs().get(0);
        assertEquals(5, s.importSection());
        assertEquals(102, s.cellIndex());
        assertTrue(s.owner().fixups().contains(new FixupCell(5, 102)));
        ImportCell cell = img.importSections().get(5).cells().get(102);
        assertEquals(ReadyToRunFixupKind.ResumptionStubEntryPoint.value, cell.signature().kindByte());
        assertEquals(FixupSignature.ResumptionStubEntryPoint.of(0x6DA0), cell.signature());
        // The precode section: flags PCode (0x4), which is where method fixup lists point.
        assertEquals(0x4, img.importSections().get(5).flags());
    }

    @Test
    void zipFile_continuationLayoutPayloads() throws Exception {
        R2RImage img = R2RImage.read(Fixtures.net11("System.IO.Compression.ZipFile.dll"));
        long layouts = img.importSections().stream().flatMap(s -> s.cells().stream())
                .filter(c -> c.signature() != null && c.signature().kind() == ReadyToRunFixupKind.ContinuationLayout).count();
        assertEquals(7, layouts, "ContinuationLayout cells, as the independent reader counts them (fixupKinds 55)");
        ReadyToRunMethod openAsync = img.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
        // Slot 79 of the precode section: a 40-byte data area whose five pointer cells all hold references.
        ImportCell layout = img.importSections().get(5).cells().get(79);
        assertTrue(openAsync.fixups().contains(new FixupCell(5, 79)));
        assertEquals(TypeLayout.continuation(40, new byte[] {0x1F}), ((FixupSignature.Layout) layout.signature()).layout());
        assertTrue(layout.signatureText().endsWith("flags 0xE size 40 gcmap 1f"), layout.signatureText());
    }
}
