package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

class ReadyToRunImportSectionTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void roundTrip_literalBytes() {
        ReadyToRunImportSection s = new ReadyToRunImportSection(0x11014, 344, ReadyToRunImportSection.FLAGS_PCODE,
                ReadyToRunImportSection.TYPE_STUB_DISPATCH, 8, 0x11C10, 0xB114);
        BlobBuilder b = new BlobBuilder();
        s.write(b);
        assertEquals("14100100" + "58010000" + "0400" + "02" + "08" + "101c0100" + "14b10000", HEX.formatHex(b.toByteArray()));
        assertEquals(s, ReadyToRunImportSection.read(new ByteReader(b.toByteArray()), 0));
    }

    @Test
    void cellSize_isEntrySize_orThePointerSizeWhenZero() {
        assertEquals(8, new ReadyToRunImportSection(0, 0, 0, 0, 0, 0, 0).cellSize(8));
        assertEquals(4, new ReadyToRunImportSection(0, 0, 0, 0, 0, 0, 0).cellSize(4));
        assertEquals(8, new ReadyToRunImportSection(0, 0, 0, 0, 8, 0, 0).cellSize(4));
        assertEquals(4, new ReadyToRunImportSection(0, 0, 0, 0, 4, 0, 0).cellSize(8));
    }

    @Test
    void x64Fixture_everySectionWritesBackTheSameBytes() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_X64);
        long base = f.sectionOffset(ReadyToRunSectionType.ImportSections);
        assertEquals(0x11000, base);
        assertEquals(7 * ReadyToRunImportSection.SIZE, f.section(ReadyToRunSectionType.ImportSections).size());
        for (int i = 0; i < 7; i++) {
            assertWritesBack(f, base + (long) i * ReadyToRunImportSection.SIZE);
        }
        // MethodImports: StubDispatch, PCode, with GC ref maps; 150 cells of 8 bytes.
        ReadyToRunImportSection methods = ReadyToRunImportSection.read(f.file, base + 4L * ReadyToRunImportSection.SIZE);
        assertEquals(new ReadyToRunImportSection(0x11340, 1200, 4, 2, 8, 0x11D70, 0xB144), methods);
        assertEquals(8, methods.cellSize(8));
    }

    @Test
    void arm64Fixture_everySectionWritesBackTheSameBytes() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_ARM64);
        long base = f.sectionOffset(ReadyToRunSectionType.ImportSections);
        assertEquals(0x12A00, base);
        for (int i = 0; i < 7; i++) {
            assertWritesBack(f, base + (long) i * ReadyToRunImportSection.SIZE);
        }
        assertEquals(new ReadyToRunImportSection(0x43B30, 168, 0, 3, 8, 0x447F0, 0),
                ReadyToRunImportSection.read(f.file, base + 6L * ReadyToRunImportSection.SIZE));
    }

    @Test
    void entrySizeZeroFixture_cellSizeIsThePointerSize() {
        R2RFixture f = new R2RFixture(R2RFixture.BINSKIM_X64);
        long base = f.sectionOffset(ReadyToRunSectionType.ImportSections);
        int zeroEntrySize = 0;
        for (long o = base; o < base + f.section(ReadyToRunSectionType.ImportSections).size(); o += ReadyToRunImportSection.SIZE) {
            ReadyToRunImportSection s = assertWritesBack(f, o);
            if (s.entrySize() == 0) {
                zeroEntrySize++;
                assertEquals(8, s.cellSize(f.pe.pointerSize()));
            }
        }
        assertEquals(2, zeroEntrySize);
        // The eager section: EntrySize 0, so 104 bytes are 13 cells of 8.
        ReadyToRunImportSection eager = ReadyToRunImportSection.read(f.file, base);
        assertEquals(new ReadyToRunImportSection(0x1000, 104, ReadyToRunImportSection.FLAGS_EAGER, 0, 0, 9768, 0), eager);
        assertEquals(13, eager.sectionSize() / eager.cellSize(f.pe.pointerSize()));
    }

    private static ReadyToRunImportSection assertWritesBack(R2RFixture f, long offset) {
        ReadyToRunImportSection s = ReadyToRunImportSection.read(f.file, offset);
        BlobBuilder b = new BlobBuilder();
        s.write(b);
        assertArrayEquals(f.bytes(offset, ReadyToRunImportSection.SIZE), b.toByteArray());
        return s;
    }
}
