package r2rlab.format.pe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.MetadataFixtures;

class CorHeaderTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final DataDirectory NONE = DataDirectory.EMPTY;

    @Test
    void roundTrip_literalBytes() {
        CorHeader h = new CorHeader(CorHeader.SIZE, 2, 5, new DataDirectory(0xB318, 0x3B00), 0xC, 0, new DataDirectory(0x3C38, 0xC50),
                new DataDirectory(0xF7E8, 0x80), NONE, NONE, NONE, new DataDirectory(0x1538, 0xB8));
        BlobBuilder b = new BlobBuilder();
        h.write(b);
        assertEquals("48000000" + "0200" + "0500" + "18b30000" + "003b0000" + "0c000000" + "00000000" + "383c0000" + "500c0000"
                + "e8f70000" + "80000000" + "0".repeat(48) + "38150000" + "b8000000", HEX.formatHex(b.toByteArray()));
        assertEquals(h, CorHeader.read(new ByteReader(b.toByteArray()), 0));
    }

    @Test
    void x64Fixture_readAtItsOffset_writesBackTheSameBytes() {
        CorHeader h = assertWritesBack("r2r-net11-async/System.IO.Compression.ZipFile.dll", 0x14F0);
        assertEquals(new DataDirectory(0xB318, 0x3B00), h.metadata());
        assertEquals(CorHeader.COMIMAGE_FLAGS_IL_LIBRARY | CorHeader.COMIMAGE_FLAGS_STRONGNAMESIGNED, h.flags());
        assertEquals(new DataDirectory(0x1538, 0xB8), h.managedNativeHeader());
    }

    @Test
    void arm64Fixture_readAtItsOffset_writesBackTheSameBytes() {
        CorHeader h = assertWritesBack("r2r/ChessPuzzlesBot__System.IO.Compression.ZipFile__ARM64-Linux__r2r16.0.dll", 0x6C8);
        assertEquals(new DataDirectory(0x1C688, 0x62C4), h.metadata());
        assertEquals(new DataDirectory(0x10710, 0xC4), h.managedNativeHeader());
    }

    private static CorHeader assertWritesBack(String fixture, long expectedOffset) {
        PeImage pe = PeImage.read(MetadataFixtures.bytes(MetadataFixtures.fixture(fixture)));
        long offset = pe.rvaToOffset("cor", pe.dataDirectory(DataDirectory.COM_DESCRIPTOR).rva(), CorHeader.SIZE);
        assertEquals(expectedOffset, offset);
        CorHeader h = CorHeader.read(pe.file(), offset);
        assertEquals(CorHeader.SIZE, h.cb());
        assertEquals(CorHeader.MAJOR_RUNTIME_VERSION, h.majorRuntimeVersion());
        assertEquals(CorHeader.MINOR_RUNTIME_VERSION, h.minorRuntimeVersion());
        BlobBuilder b = new BlobBuilder();
        h.write(b);
        assertArrayEquals(pe.file().bytes("cor", offset, CorHeader.SIZE), b.toByteArray());
        return h;
    }

    @Test
    void cbBelowTheHeaderSize_rejected() {
        byte[] bytes = new byte[CorHeader.SIZE];
        bytes[0] = 0x40;
        FormatException e = assertThrows(FormatException.class, () -> CorHeader.read(new ByteReader(bytes), 0));
        assertEquals("IMAGE_COR20_HEADER", e.structure());
    }
}
