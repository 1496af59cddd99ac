package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The test vectors of r2r-format.md §8; the first is also asserted in the runtime's source. */
class VersionResilientHashTest {
    private static final int CANON = VersionResilientHash.typeHash("System", "__Canon");
    private static final int INT32 = VersionResilientHash.typeHash("System", "Int32");

    @Test
    void nameHashes() {
        assertEquals(0xD5313557, VersionResilientHash.nameHash("System.Array`1"));
        assertEquals(0x6FAEA1F8, VersionResilientHash.nameHash("System"));
        assertEquals(0, VersionResilientHash.nameHash(""));
    }

    @Test
    void typeHashes() {
        assertEquals(0x0019F4A0, VersionResilientHash.typeHash("System", "Object"));
        assertEquals(0x01ABFD3F, INT32);
        assertEquals(0x499353F3, CANON);
        int list = VersionResilientHash.typeHash("System.Collections.Generic", "List`1");
        assertEquals(0x466776C5, list);
        assertEquals(0x23048ACB, VersionResilientHash.genericInstanceHash(list, CANON));
        assertEquals(0xE3D94FFD, VersionResilientHash.arrayHash(INT32, 1));
    }

    @Test
    void methodHashes() {
        int listCanon = VersionResilientHash.genericInstanceHash(VersionResilientHash.typeHash("System.Collections.Generic", "List`1"), CANON);
        assertEquals(0xFF8FEAFA, VersionResilientHash.methodHash(listCanon, "Add"));
        assertEquals(0x5583D877, VersionResilientHash.methodHash(VersionResilientHash.typeHash("System", "Array"), "Empty", INT32));
    }
}
