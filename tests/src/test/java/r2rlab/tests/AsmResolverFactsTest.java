package r2rlab.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.RuntimeFunction;

/**
 * The values that the Washi1337/AsmResolver project's own tests assert about its three ReadyToRun
 * test images (test/AsmResolver.PE.Tests/DotNet/ReadyToRun/ReadyToRunDirectoryTest.cs): public facts
 * established by an independent reader, not snapshots of r2rlab's output.
 */
class AsmResolverFactsTest {
    private static final String HELLO = "asmresolver__HelloWorld.ReadyToRun__AMD64-Windows__r2r5.4.dll";
    private static final String TEST = "asmresolver__ReadyToRunTest__AMD64-Windows__r2r5.4.dll";
    private static final String LOOP = "asmresolver__ReadyToRunTestLoop__AMD64-Windows__r2r5.4.dll";

    private static R2RImage read(String name) throws Exception {
        return R2RImage.read(Fixtures.r2r(name));
    }

    @Test
    void helloWorld_basicHeader() throws Exception {
        R2RImage img = read(HELLO);
        assertEquals(5, img.header().majorVersion());
        assertEquals(4, img.header().minorVersion());
        assertEquals(0x8, img.header().flags()); // NonSharedPInvokeStubs only
    }

    @Test
    void helloWorld_sectionOrder() throws Exception {
        List<Integer> types = new ArrayList<>();
        for (ReadyToRunSection s : read(HELLO).header().sections()) {
            types.add(s.type());
        }
        assertEquals(List.of(100, 101, 102, 103, 105, 106, 108, 109, 112, 114, 118), types);
    }

    @Test
    void helloWorld_compilerIdentifier() throws Exception {
        assertEquals("Crossgen2 6.0.2223.42425", read(HELLO).compilerIdentifier());
    }

    @Test
    void helloWorld_importSectionTypes() throws Exception {
        List<Integer> types = new ArrayList<>();
        for (ImportSection s : read(HELLO).importSections()) {
            types.add(s.type());
        }
        assertEquals(List.of(2, 0, 0, 2, 0, 3), types); // StubDispatch, Unknown, Unknown, StubDispatch, Unknown, StringHandle
    }

    /** (slot content as RVA, or 0; signature RVA; fixup kind byte) per cell, as AsmResolver asserts them. */
    private static List<List<Long>> slots(R2RImage img, int section) {
        List<List<Long>> out = new ArrayList<>();
        for (ImportCell c : img.importSections().get(section).cells()) {
            long target = c.value() == 0 ? 0 : c.value() - img.pe().imageBase();
            out.add(List.of(target, c.signatureRva(), (long) c.signature().kindByte()));
        }
        return out;
    }

    @Test
    void helloWorld_importSectionSlots() throws Exception {
        R2RImage img = read(HELLO);
        assertEquals(List.of(
                List.of(0L, 0xA0D4L, 0x30L), List.of(0L, 0xA0DBL, 0x1AL), List.of(0L, 0xA0DDL, 0x1AL),
                List.of(0L, 0xA0DFL, 0x1AL), List.of(0L, 0xA0E2L, 0x1AL)), slots(img, 1));
        assertEquals(List.of(List.of(0x9594L, 0xA0D9L, 0x15L)), slots(img, 3));
        assertEquals(List.of(List.of(0L, 0xA0E5L, 0x1BL)), slots(img, 5));
    }

    @Test
    void readyToRunTest_x64RuntimeFunctions() throws Exception {
        List<List<Long>> rfs = new ArrayList<>();
        for (RuntimeFunction rf : read(TEST).runtimeFunctions()) {
            rfs.add(List.of(rf.beginRva(), rf.endRva()));
        }
        assertEquals(List.of(List.of(0x1840L, 0x1870L), List.of(0x1870L, 0x188AL), List.of(0x1890L, 0x18CDL),
                List.of(0x18CDL, 0x18F2L), List.of(0x1900L, 0x191AL)), rfs);
    }

    @Test
    void readyToRunTest_methodDefEntryPoints() throws Exception {
        R2RImage img = read(TEST);
        assertEquals(5, img.methodDefSlots());
        // rid -> runtime function: 1 -> 0, 2 -> none, 3 -> 1, 4 -> 2, 5 -> 4.
        List<List<Integer>> entries = new ArrayList<>();
        for (ReadyToRunMethod m : img.methods()) {
            entries.add(List.of(m.token() & 0xFFFFFF, m.entryRuntimeFunction()));
        }
        assertEquals(List.of(List.of(1, 0), List.of(3, 1), List.of(4, 2), List.of(5, 4)), entries);
        // Runtime function 3 directly follows method rid 4's body: it is rid 4's funclet.
        assertEquals(List.of(2, 3), img.methods().get(2).runtimeFunctions());
    }

    @Test
    void readyToRunTest_methodDefEntryPointFixups() throws Exception {
        R2RImage img = read(TEST);
        assertEquals(List.of(new FixupCell(5, 0), new FixupCell(5, 4)), img.methods().get(0).fixups());
    }

    @Test
    void helloWorld_olderAsmResolverFacts() throws Exception {
        // Asserted by AsmResolver before its tests moved to ReadyToRunTest.dll; the image is unchanged.
        R2RImage img = read(HELLO);
        assertEquals(2, img.runtimeFunctions().size());
        assertEquals(List.of(0x9560L, 0x957AL), List.of(img.runtimeFunctions().get(0).beginRva(), img.runtimeFunctions().get(0).endRva()));
        assertEquals(List.of(0x9580L, 0x9581L), List.of(img.runtimeFunctions().get(1).beginRva(), img.runtimeFunctions().get(1).endRva()));
        assertEquals(List.of(new FixupCell(5, 0)), img.methods().get(0).fixups());
        assertEquals(1, img.methods().get(1).entryRuntimeFunction());
    }

    @Test
    void readyToRunTestLoop_isReadable() throws Exception {
        // AsmResolver asserts only debug-info variables for this image; r2rlab checks what it models.
        R2RImage img = read(LOOP);
        assertEquals("5.4", img.header().version());
        assertEquals(0x8664, img.pe().rawMachine());
    }
}
