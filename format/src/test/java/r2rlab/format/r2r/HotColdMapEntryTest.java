package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/** No fixture image has a HotColdMap; tests/EmittedTablesTest reads the emitter's (defect B4) in place. */
class HotColdMapEntryTest {
    @Test
    void roundTrip_coldThenHot() {
        HotColdMapEntry e = new HotColdMapEntry(17, 3);
        BlobBuilder b = new BlobBuilder();
        e.write(b);
        assertEquals("11000000" + "03000000", HexFormat.of().formatHex(b.toByteArray()));
        assertEquals(e, HotColdMapEntry.read(new ByteReader(b.toByteArray()), 0));
    }
}
