package r2rlab.format.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static r2rlab.format.metadata.MetadataTable.*;

import org.junit.jupiter.api.Test;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/** Table layouts on synthetic metadata: every table's row size, coded-index boundaries, #- streams. */
class MetadataLayoutTest {
    /** Row sizes with 2-byte indexes everywhere, worked out by hand from ECMA-335 II.22. */
    private static final int[] SMALL = {
        10, 6, 14, 2, 6, 2, 14, 2, 6, 4, 6, 6, 6, 4, 6, 8,
        6, 2, 4, 2, 6, 4, 2, 6, 6, 6, 2, 2, 8, 6, 8, 4,
        22, 4, 12, 20, 6, 14, 8, 14, 12, 4, 8, 4, 4,
    };
    /** The same with every heap and table index 4 bytes wide (#JTD). */
    private static final int[] WIDE = {
        18, 12, 24, 4, 10, 4, 20, 4, 8, 8, 12, 10, 12, 8, 10, 10,
        8, 4, 8, 4, 10, 8, 4, 10, 10, 12, 4, 4, 14, 8, 8, 4,
        28, 4, 12, 28, 8, 16, 12, 20, 16, 8, 12, 8, 8,
    };

    private static Metadata read(byte[] md) {
        return Metadata.read(new ByteReader(md), 0, md.length);
    }

    private static SyntheticMetadata everyTableOneRow() {
        SyntheticMetadata s = new SyntheticMetadata().strings("x").zeroTables(45 * 28);
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            s.rows(t, 1);
        }
        return s;
    }

    @Test
    void rowSizesOfAllEcmaTables() {
        Metadata small = read(everyTableOneRow().build());
        Metadata wide = read(everyTableOneRow().jtd().build());
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            assertEquals(1, small.rowCount(t));
            assertEquals(SMALL[t], small.rowSize(t), MetadataTable.name(t));
            assertEquals(WIDE[t], wide.rowSize(t), MetadataTable.name(t) + " (#JTD)");
        }
        long offset = small.tableFileOffset(MODULE);
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            assertEquals(offset, small.tableFileOffset(t), MetadataTable.name(t));
            offset += SMALL[t];
        }
        assertEquals(-1L, small.validMask() | ~((1L << 45) - 1));
    }

    @Test
    void heapSizeFlags() {
        Metadata m = read(new SyntheticMetadata().rows(MODULE, 1).rows(TYPEDEF, 1).heapSizes(0x07).zeroTables(100).build());
        assertEquals(2 + 4 + 3 * 4, m.rowSize(MODULE));
        assertEquals(4 + 4 + 4 + 2 + 2 + 2, m.rowSize(TYPEDEF));
        m = read(new SyntheticMetadata().rows(MODULE, 1).rows(METHODDEF, 1).heapSizes(0x01).zeroTables(100).build());
        assertEquals(2 + 4 + 3 * 2, m.rowSize(MODULE));
        assertEquals(4 + 2 + 2 + 4 + 2 + 2, m.rowSize(METHODDEF));
        m = read(new SyntheticMetadata().rows(MODULE, 1).rows(METHODDEF, 1).heapSizes(0x04).zeroTables(100).build());
        assertEquals(4 + 2 + 2 + 2 + 4 + 2, m.rowSize(METHODDEF));
        m = read(new SyntheticMetadata().rows(MODULE, 1).heapSizes(0x02).zeroTables(100).build());
        assertEquals(2 + 2 + 3 * 4, m.rowSize(MODULE));
    }

    private static Metadata withRows(int table, int count, int... more) {
        SyntheticMetadata s = new SyntheticMetadata().rows(TYPEDEF, 1).rows(table, count);
        int total = count;
        for (int i = 0; i < more.length; i += 2) {
            s.rows(more[i], more[i + 1]);
            total += more[i + 1];
        }
        return read(s.zeroTables(total * 24 + 1024).build());
    }

    @Test
    void codedIndexWidthBoundaries() {
        // TypeDefOrRef and ResolutionScope: 2 tag bits, so 2 bytes while every table has < 2^14 rows.
        Metadata below = withRows(TYPEREF, 0x3FFF);
        Metadata at = withRows(TYPEREF, 0x4000);
        assertEquals(14, below.rowSize(TYPEDEF));
        assertEquals(16, at.rowSize(TYPEDEF));
        assertEquals(6, below.rowSize(TYPEREF));
        assertEquals(8, at.rowSize(TYPEREF));
        assertEquals(4, below.rowSize(INTERFACEIMPL));
        assertEquals(6, at.rowSize(INTERFACEIMPL));
        assertEquals(2, at.rowSize(TYPESPEC));

        // HasCustomAttribute: 5 tag bits -> 2^11. CustomAttributeType: 3 tag bits -> 2^13.
        assertEquals(6, withRows(METHODDEF, 0x7FF).rowSize(CUSTOMATTRIBUTE));
        assertEquals(8, withRows(METHODDEF, 0x800).rowSize(CUSTOMATTRIBUTE));
        assertEquals(8, withRows(MEMBERREF, 0x1FFF).rowSize(CUSTOMATTRIBUTE));
        assertEquals(10, withRows(MEMBERREF, 0x2000).rowSize(CUSTOMATTRIBUTE));
        // HasCustomAttribute also counts GenericParamConstraint, the last of its 22 tables.
        assertEquals(8, withRows(GENERICPARAMCONSTRAINT, 0x800).rowSize(CUSTOMATTRIBUTE));
        // MemberRefParent: 3 tag bits; includes TypeSpec.
        assertEquals(6, withRows(TYPESPEC, 0x1FFF).rowSize(MEMBERREF));
        assertEquals(8, withRows(TYPESPEC, 0x2000).rowSize(MEMBERREF));
        // HasSemantics / MethodDefOrRef: 1 tag bit -> 2^15.
        assertEquals(6, withRows(PROPERTY, 0x7FFF).rowSize(METHODSEMANTICS));
        assertEquals(8, withRows(PROPERTY, 0x8000).rowSize(METHODSEMANTICS));
        assertEquals(4, withRows(MEMBERREF, 0x7FFF).rowSize(METHODSPEC));
        assertEquals(6, withRows(MEMBERREF, 0x8000).rowSize(METHODSPEC));
        // Simple indexes: 2 bytes below 2^16 rows.
        assertEquals(14, withRows(FIELD, 0xFFFF).rowSize(TYPEDEF));
        assertEquals(16, withRows(FIELD, 0x10000).rowSize(TYPEDEF));
        assertEquals(4, withRows(GENERICPARAM, 0xFFFF).rowSize(GENERICPARAMCONSTRAINT));
        assertEquals(6, withRows(GENERICPARAM, 0x10000).rowSize(GENERICPARAMCONSTRAINT));
        // Tables a coded index does not name do not widen it; the ones it names do.
        assertEquals(6, withRows(NESTEDCLASS, 0x8000).rowSize(CUSTOMATTRIBUTE));
        assertEquals(8, withRows(EXPORTEDTYPE, 0x8000).rowSize(CUSTOMATTRIBUTE));
    }

    @Test
    void uncompressedStreamWithPointerTablesAndExtraData() {
        // #Strings: 1 "<Module>", 10 "N", 12 "A", 14 "B", 16 "m1", 19 "m2", 22 "m3", 25 "f"
        SyntheticMetadata.Rows r = new SyntheticMetadata.Rows();
        r.u16(0, 1, 0, 0, 0); // Module
        r.u32(0).u16(1, 0, 0, 1, 1); // TypeDef 1 <Module>: no methods
        r.u32(0x100001).u16(12, 10, 0, 1, 1); // TypeDef 2 N.A: MethodPtr 1..2
        r.u32(0x2).u16(14, 0, 0, 2, 3); // TypeDef 3 B: MethodPtr 3
        r.u16(1); // FieldPtr
        r.u16(0x6, 25, 0); // Field
        r.u16(3, 1, 2); // MethodPtr: 1 -> m3, 2 -> m1, 3 -> m2
        r.u32(0x1000).u16(0, 0x96, 16, 0, 1); // MethodDef 1 m1
        r.u32(0x2000).u16(0x2000, 0x96, 19, 0, 1); // MethodDef 2 m2 (async)
        r.u32(0).u16(0, 0x96, 22, 0, 1); // MethodDef 3 m3
        r.u32(0x06000001L, 0); // EncLog
        r.u32(0x06000001L, 0x06000002L); // EncMap
        r.u16(3, 2); // NestedClass: B in A
        byte[] md = new SyntheticMetadata().uncompressed().heapSizes(0x40)
                .strings("<Module>", "N", "A", "B", "m1", "m2", "m3", "f")
                .rows(MODULE, 1).rows(TYPEDEF, 3).rows(FIELDPTR, 1).rows(FIELD, 1).rows(METHODPTR, 3)
                .rows(METHODDEF, 3).rows(ENCLOG, 1).rows(ENCMAP, 2).rows(NESTEDCLASS, 1)
                .tables(r.bytes()).build();
        Metadata m = read(md);
        assertTrue(m.isUncompressed());
        assertEquals("#-", m.tableStreamName());
        assertEquals("<Module>", m.moduleName());
        assertEquals("N.A", m.typeDefName(2));
        assertEquals("N.A+B", m.typeDefName(3));
        assertEquals(2, m.methodDefOwner(1));
        assertEquals(3, m.methodDefOwner(2));
        assertEquals(2, m.methodDefOwner(3));
        assertEquals("N.A.m1", m.methodDefName(1));
        assertEquals("N.A+B.m2", m.methodDefName(2));
        assertEquals("N.A.m3", m.methodDefName(3));
        assertEquals(MethodImplAttributes.ASYNC, m.methodImplFlags(2));
        assertEquals(0x2000, m.methodDef(2).rva());
        assertEquals(0x06000002, m.column(ENCMAP, 2, 0));
        assertEquals(0x06000001, m.column(ENCLOG, 1, 0));
    }

    @Test
    void rowsMustFitTheStream() {
        byte[] md = new SyntheticMetadata().rows(MODULE, 1).rows(METHODDEF, 100).zeroTables(10 + 99 * 14).build();
        FormatException e = assertThrows(FormatException.class, () -> read(md));
        assertEquals("Metadata #~ row count of table MethodDef", e.structure());
        assertEquals(24 + 4, e.fileOffset() - read(new SyntheticMetadata().rows(MODULE, 1).zeroTables(12).build())
                .streams().get(0).fileOffset());
        // One more row's worth of bytes and it fits.
        read(new SyntheticMetadata().rows(MODULE, 1).rows(METHODDEF, 100).zeroTables(10 + 100 * 14).build());
    }

    @Test
    void noTableStream() {
        byte[] md = new SyntheticMetadata().rows(MODULE, 1).zeroTables(12).build();
        md[32 + 8 + 1] = 'X'; // rename "#~" to "#X"
        FormatException e = assertThrows(FormatException.class, () -> read(md));
        assertEquals("Metadata root", e.structure());
        assertTrue(e.getMessage().contains("no #~ or #- table stream"), e.getMessage());
    }
}
