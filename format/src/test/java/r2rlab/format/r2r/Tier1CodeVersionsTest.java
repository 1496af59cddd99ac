package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/** r2rlab's own section, so no crossgen2 image has one; tests/EmittedTablesTest reads an emitted one in place. */
class Tier1CodeVersionsTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void bodyKindValues_asDocumented() {
        assertEquals(0, CodeBodyKind.METHOD.value);
        assertEquals(1, CodeBodyKind.TASK_RETURNING_THUNK.value);
        assertEquals(2, CodeBodyKind.ASYNC_VARIANT.value);
        assertEquals(3, CodeBodyKind.RESUMPTION_STUB.value);
        assertEquals(CodeBodyKind.RESUMPTION_STUB, CodeBodyKind.fromValue(3));
        assertNull(CodeBodyKind.fromValue(4));
    }

    @Test
    void roundTrip_countThenEntries() {
        Tier1CodeVersions t = new Tier1CodeVersions(List.of(
                new Tier1CodeVersions.Entry(0x06000002, CodeBodyKind.ASYNC_VARIANT, 9, 0x1240, 0x2E10),
                new Tier1CodeVersions.Entry(0x06000002, CodeBodyKind.RESUMPTION_STUB, 10, 0x1300, 0)));
        BlobBuilder b = new BlobBuilder();
        t.write(b);
        assertEquals("02000000"
                + "02000006" + "02000000" + "09000000" + "40120000" + "102e0000"
                + "02000006" + "03000000" + "0a000000" + "00130000" + "00000000", HEX.formatHex(b.toByteArray()));
        assertEquals(44, t.size());
        assertEquals(t, Tier1CodeVersions.read(new ByteReader(b.toByteArray()), 0, 44));
    }

    @Test
    void unknownBodyKind_rejectedAtTheKindField() {
        byte[] bytes = HEX.parseHex("01000000" + "01000006" + "04000000" + "00000000" + "00000000" + "00000000");
        FormatException e = assertThrows(FormatException.class, () -> Tier1CodeVersions.read(new ByteReader(bytes), 0, bytes.length));
        assertEquals(8, e.fileOffset());
    }

    @Test
    void countPastTheSection_rejected() {
        byte[] bytes = HEX.parseHex("02000000" + "01000006" + "00000000" + "00000000" + "00000000" + "00000000");
        FormatException e = assertThrows(FormatException.class, () -> Tier1CodeVersions.read(new ByteReader(bytes), 0, bytes.length));
        assertEquals("R2RLabTier1CodeVersions", e.structure());
        assertEquals(0, e.fileOffset());
    }
}
