package r2rlab.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

class BlobBuilderTest {
    @Test
    void symbolRelativeFields_recordRelocationsAtTheirOffsets() {
        BlobBuilder b = new BlobBuilder();
        b.u8(0x11).u16(0x2233).rva32("a", 4).pointer64("b", 0).u32(0);
        b.rva32At(15, "c", 8);
        assertEquals("11" + "3322" + "00000000" + "0000000000000000" + "00000000", HexFormat.of().formatHex(b.toByteArray()));
        assertEquals(List.of(new Relocation(3, RelocType.IMAGE_REL_BASED_ADDR32NB, "a", 4),
                new Relocation(7, RelocType.IMAGE_REL_BASED_DIR64, "b", 0),
                new Relocation(15, RelocType.IMAGE_REL_BASED_ADDR32NB, "c", 8)), b.relocations());
    }

    @Test
    void rva32At_needsAU32AlreadyWritten() {
        BlobBuilder b = new BlobBuilder().u32(0);
        assertThrows(IllegalArgumentException.class, () -> b.rva32At(1, "x", 0));
        assertThrows(IllegalArgumentException.class, () -> b.rva32At(-1, "x", 0));
    }
}
