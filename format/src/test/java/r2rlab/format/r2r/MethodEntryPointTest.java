package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.nativeformat.NativeArray;
import r2rlab.format.nativeformat.NativeReader;

class MethodEntryPointTest {
    private static final HexFormat HEX = HexFormat.of();

    private static NativeReader reader(byte[] bytes) {
        return new NativeReader(new ByteReader(bytes), 0, bytes.length, "test");
    }

    @Test
    void noFixups_indexShiftedByOne() {
        MethodEntryPoint e = MethodEntryPoint.of(7, List.of());
        assertEquals("1c", HEX.formatHex(e.toByteArray()));
        assertEquals(e, MethodEntryPoint.read(reader(e.toByteArray()), 0));
    }

    @Test
    void inlineFixups_valueThenTheNibbleList() {
        // r2r-format.md §3.3's example: (1, 3), (1, 5), (4, 0) -> 31 02 03 00; v = 5 << 2 | 1 = 21 -> 2a.
        MethodEntryPoint e = MethodEntryPoint.of(5, List.of(new FixupCell(1, 3), new FixupCell(1, 5), new FixupCell(4, 0)));
        assertEquals("2a" + "31020300", HEX.formatHex(e.toByteArray()));
        assertEquals(e, MethodEntryPoint.read(reader(e.toByteArray()), 0));
    }

    @Test
    void sharedFixups_valueThenTheDeltaBack() {
        // A list at 0, then an entry at 6 that points 7 bytes back from the end of its value (at 7).
        byte[] list = HEX.parseHex("950200");
        MethodEntryPoint e = new MethodEntryPoint(24, List.of(new FixupCell(5, 10)), 7);
        assertEquals("c60e", HEX.formatHex(e.toByteArray()));
        byte[] bytes = new byte[8];
        System.arraycopy(list, 0, bytes, 0, list.length);
        System.arraycopy(e.toByteArray(), 0, bytes, 6, 2);
        assertEquals(e, MethodEntryPoint.read(reader(bytes), 6));
    }

    @Test
    void sharedFixupsWithDeltaZero_rejected() {
        FormatException ex = assertThrows(FormatException.class, () -> MethodEntryPoint.read(reader(HEX.parseHex("0600")), 0));
        assertEquals(1, ex.fileOffset());
    }

    @Test
    void x64Fixture_inlineAndSharedEntries() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_X64);
        NativeReader r = methodDefEntryPoints(f);
        // MethodDef rid 1: runtime function 0, one fixup (section 6, slot 1), inline.
        assertEquals(MethodEntryPoint.of(0, List.of(new FixupCell(6, 1))), MethodEntryPoint.read(r, 0x1603));
        assertWritesBack(f, 0x1603, "021600");
        // rid 25: runtime function 24, its list shared 7 bytes back, at 0x1670.
        assertEquals(new MethodEntryPoint(24, List.of(new FixupCell(5, 10)), 7), MethodEntryPoint.read(r, 0x1676));
        assertWritesBack(f, 0x1676, "c60e");
        assertEveryEntryWritesBack(f, 91, 11, 48, 25);
    }

    @Test
    void arm64Fixture_inlineAndSharedEntries() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_ARM64);
        NativeReader r = methodDefEntryPoints(f);
        assertEquals(MethodEntryPoint.of(0, List.of(new FixupCell(5, 17), new FixupCell(5, 22), new FixupCell(5, 23))),
                MethodEntryPoint.read(r, 0x13BEE));
        assertEquals(new MethodEntryPoint(5, List.of(new FixupCell(5, 14)), 13), MethodEntryPoint.read(r, 0x13C0C));
        assertEveryEntryWritesBack(f, 139, 12, 77, 22);
    }

    private static NativeReader methodDefEntryPoints(R2RFixture f) {
        ReadyToRunHeader.Section s = f.section(ReadyToRunSectionType.MethodDefEntryPoints);
        return new NativeReader(f.file, f.sectionOffset(ReadyToRunSectionType.MethodDefEntryPoints), s.size(), "MethodDefEntryPoints");
    }

    private static void assertWritesBack(R2RFixture f, long offset, String fileBytes) {
        MethodEntryPoint e = MethodEntryPoint.read(methodDefEntryPoints(f), offset);
        byte[] written = e.toByteArray();
        assertEquals(fileBytes, HEX.formatHex(f.bytes(offset, written.length)));
        assertArrayEquals(f.bytes(offset, written.length), written);
    }

    /** Every element of MethodDefEntryPoints, in all three forms, writes back as the bytes it was read from. */
    private static void assertEveryEntryWritesBack(R2RFixture f, int elements, int noFixups, int inline, int shared) {
        NativeReader r = methodDefEntryPoints(f);
        NativeArray array = new NativeArray(r, r.start());
        assertEquals(elements, array.count());
        int[] forms = new int[3];
        for (int i = 0; i < array.count(); i++) {
            long e = array.elementOffset(i);
            if (e < 0) {
                continue;
            }
            MethodEntryPoint ep = MethodEntryPoint.read(r, e);
            byte[] written = ep.toByteArray();
            assertArrayEquals(f.bytes(e, written.length), written, "element " + i);
            forms[ep.fixups().isEmpty() ? 0 : ep.sharedFixupsDelta() == 0 ? 1 : 2]++;
        }
        assertArrayEquals(new int[] {noFixups, inline, shared}, forms);
    }
}
