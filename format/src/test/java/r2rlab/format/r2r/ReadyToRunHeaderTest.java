package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

class ReadyToRunHeaderTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void roundTrip_literalBytes() {
        ReadyToRunHeader h = new ReadyToRunHeader(18, 5, 0x4B, List.of(new ReadyToRunHeader.Section(100, 0x4888, 23),
                new ReadyToRunHeader.Section(101, 0x11000, 140)));
        BlobBuilder b = new BlobBuilder();
        h.write(b);
        byte[] bytes = b.toByteArray();
        assertEquals("52545200" + "1200" + "0500" + "4b000000" + "02000000"
                + "64000000" + "88480000" + "17000000"
                + "65000000" + "00100100" + "8c000000", HEX.formatHex(bytes));
        assertEquals(40, h.size());
        assertEquals(h, ReadyToRunHeader.read(new ByteReader(bytes), 0));
    }

    @Test
    void x64Fixture_readAtItsOffset_writesBackTheSameBytes() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_X64);
        assertEquals(0x1538, f.headerOffset);
        ReadyToRunHeader h = f.header;
        assertEquals(18, h.majorVersion());
        assertEquals(5, h.minorVersion());
        assertEquals(0x4B, h.flags());
        assertEquals(14, h.sections().size());
        assertEquals(new ReadyToRunHeader.Section(102, 0x32A0, 1924), h.sections().get(2));
        assertWritesBack(f, h);
    }

    @Test
    void arm64Fixture_readAtItsOffset_writesBackTheSameBytes() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_ARM64);
        assertEquals(0x710, f.headerOffset);
        ReadyToRunHeader h = f.header;
        assertEquals(16, h.majorVersion());
        assertEquals(0, h.minorVersion());
        assertEquals(15, h.sections().size());
        assertEquals(new ReadyToRunHeader.Section(123, 0x471DB, 18), h.sections().get(14));
        assertWritesBack(f, h);
    }

    private static void assertWritesBack(R2RFixture f, ReadyToRunHeader h) {
        BlobBuilder b = new BlobBuilder();
        h.write(b);
        assertArrayEquals(f.bytes(f.headerOffset, h.size()), b.toByteArray());
    }

    @Test
    void badSignature_namesTheField() {
        byte[] bytes = new byte[ReadyToRunHeader.SIZE];
        bytes[0] = 'M';
        FormatException e = assertThrows(FormatException.class, () -> ReadyToRunHeader.read(new ByteReader(bytes), 0));
        assertEquals("READYTORUN_HEADER.Signature", e.structure());
        assertEquals(0, e.fileOffset());
    }

    @Test
    void unsortedSections_rejectedAtTheSecondEntry() {
        BlobBuilder b = new BlobBuilder().zeros(4);
        new ReadyToRunHeader(18, 5, 0, List.of(new ReadyToRunHeader.Section(102, 0, 0),
                new ReadyToRunHeader.Section(101, 0, 0))).write(b);
        FormatException e = assertThrows(FormatException.class, () -> ReadyToRunHeader.read(new ByteReader(b.toByteArray()), 4));
        assertEquals("READYTORUN_SECTION[1].Type", e.structure());
        assertEquals(4 + 16 + 12, e.fileOffset());
    }

    @Test
    void sectionCountPastTheFile_rejected() {
        BlobBuilder b = new BlobBuilder();
        b.u32(ReadyToRunHeader.SIGNATURE).u16(18).u16(5).u32(0).u32(3);
        b.zeros(2 * ReadyToRunHeader.Section.SIZE);
        FormatException e = assertThrows(FormatException.class, () -> ReadyToRunHeader.read(new ByteReader(b.toByteArray()), 0));
        assertEquals("READYTORUN_HEADER.NumberOfSections", e.structure());
        assertEquals(12, e.fileOffset());
    }

    @Test
    void flagsName() {
        assertEquals("READYTORUN_FLAG_PLATFORM_NEUTRAL_SOURCE | READYTORUN_FLAG_SKIP_TYPE_VALIDATION | READYTORUN_FLAG_NONSHARED_PINVOKE_STUBS"
                + " | READYTORUN_FLAG_MULTIMODULE_VERSION_BUBBLE", ReadyToRunHeader.flagsName(0x4B));
        assertEquals("0", ReadyToRunHeader.flagsName(0));
    }
}
