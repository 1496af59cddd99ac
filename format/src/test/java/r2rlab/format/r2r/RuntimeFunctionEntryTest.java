package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.pe.Machine;

class RuntimeFunctionEntryTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void x64_roundTrip_12Bytes() {
        RuntimeFunctionEntry e = new RuntimeFunctionEntry(0x48A0, 0x48CC, 0x1870);
        BlobBuilder b = new BlobBuilder();
        e.write(b, Machine.AMD64);
        assertEquals("a0480000" + "cc480000" + "70180000", HEX.formatHex(b.toByteArray()));
        assertEquals(e, RuntimeFunctionEntry.read(new ByteReader(b.toByteArray()), 0, Machine.AMD64));
    }

    @Test
    void arm64_roundTrip_8BytesWithoutEnd() {
        RuntimeFunctionEntry e = new RuntimeFunctionEntry(0x12A80, RuntimeFunctionEntry.NO_END_ADDRESS, 0x108F8);
        for (Machine m : new Machine[] {Machine.ARM64, Machine.ARMNT, Machine.I386}) {
            BlobBuilder b = new BlobBuilder();
            e.write(b, m);
            assertEquals("802a0100" + "f8080100", HEX.formatHex(b.toByteArray()), m.toString());
            assertEquals(e, RuntimeFunctionEntry.read(new ByteReader(b.toByteArray()), 0, m));
        }
    }

    @Test
    void sizesAndOffsets() {
        assertEquals(12, RuntimeFunctionEntry.size(Machine.AMD64));
        assertEquals(8, RuntimeFunctionEntry.size(Machine.ARM64));
        assertEquals(8, RuntimeFunctionEntry.unwindDataOffset(Machine.AMD64));
        assertEquals(4, RuntimeFunctionEntry.unwindDataOffset(Machine.ARM64));
    }

    @Test
    void x64Fixture_everyEntryWritesBackTheSameBytes_thenTheCountedSentinel() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_X64);
        long base = f.sectionOffset(ReadyToRunSectionType.RuntimeFunctions);
        // 18.5 counts the sentinel in the size: 1924 = 160 * 12 + 4.
        assertEquals(1924, f.section(ReadyToRunSectionType.RuntimeFunctions).size());
        assertWritesBack(f, base, 160, Machine.AMD64);
        assertEquals(new RuntimeFunctionEntry(0x48A0, 0x48CC, 0x1870), RuntimeFunctionEntry.read(f.file, base, Machine.AMD64));
        assertEquals(RuntimeFunctionEntry.SENTINEL, f.file.u32("sentinel", base + 160 * 12));
    }

    @Test
    void arm64Fixture_everyEntryWritesBackTheSameBytes() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_ARM64);
        long base = f.sectionOffset(ReadyToRunSectionType.RuntimeFunctions);
        // 16.0 does not count the sentinel: 1200 = 150 * 8, and the sentinel follows.
        assertEquals(1200, f.section(ReadyToRunSectionType.RuntimeFunctions).size());
        assertWritesBack(f, base, 150, Machine.ARM64);
        assertEquals(new RuntimeFunctionEntry(0x12A80, RuntimeFunctionEntry.NO_END_ADDRESS, 0x108F8),
                RuntimeFunctionEntry.read(f.file, base, Machine.ARM64));
        assertEquals(RuntimeFunctionEntry.SENTINEL, f.file.u32("sentinel", base + 150 * 8));
    }

    private static void assertWritesBack(R2RFixture f, long base, int count, Machine m) {
        int size = RuntimeFunctionEntry.size(m);
        BlobBuilder b = new BlobBuilder();
        for (int i = 0; i < count; i++) {
            RuntimeFunctionEntry.read(f.file, base + (long) i * size, m).write(b, m);
        }
        assertArrayEquals(f.bytes(base, count * size), b.toByteArray());
    }
}
