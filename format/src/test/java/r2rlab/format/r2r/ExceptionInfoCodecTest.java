package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import r2rlab.format.BlobBuilder;
import r2rlab.format.ByteReader;

/** READYTORUN_EXCEPTION_LOOKUP_TABLE_ENTRY and READYTORUN_EXCEPTION_CLAUSE: literal round trips and crossgen2's own bytes. */
class ExceptionInfoCodecTest {
    private static byte[] written(ExceptionClause c) {
        BlobBuilder b = new BlobBuilder();
        c.write(b);
        return b.toByteArray();
    }

    @Test
    void clause_roundTrip() {
        ExceptionClause c = new ExceptionClause(ExceptionClause.FILTER | ExceptionClause.SAME_TRY, 0x10, 0x20, 0x40, 0x58, 0x30);
        byte[] b = written(c);
        assertEquals("11000000" + "10000000" + "20000000" + "40000000" + "58000000" + "30000000", HexFormat.of().formatHex(b));
        assertEquals(c, ExceptionClause.read(new ByteReader(b), 0));
        assertEquals("filter", c.kindName());
    }

    @Test
    void zipFile_lookupEntryAndClausesWriteBackByteIdentical() {
        R2RFixture f = new R2RFixture(R2RFixture.ZIPFILE_X64);
        long table = f.sectionOffset(ReadyToRunSectionType.ExceptionInfo);
        assertEquals(0x100, f.section(ReadyToRunSectionType.ExceptionInfo).size());
        // Entry 21: OpenAsync [ASYNC] at 0x6F80, clauses at 0x9940; the next entry's clauses start 0x30 later.
        ExceptionLookupEntry e = ExceptionLookupEntry.read(f.file, table + 21 * ExceptionLookupEntry.SIZE);
        assertEquals(new ExceptionLookupEntry(0x6F80, 0x9940), e);
        assertEquals(0x9970, ExceptionLookupEntry.read(f.file, table + 22 * ExceptionLookupEntry.SIZE).exceptionInfoRva());
        ExceptionLookupEntry sentinel = ExceptionLookupEntry.read(f.file, table + 31 * ExceptionLookupEntry.SIZE);
        assertEquals(new ExceptionLookupEntry(ExceptionLookupEntry.SENTINEL, 0x9B68), sentinel);
        long clauses = f.pe.rvaToOffset("clauses", e.exceptionInfoRva(), 2 * ExceptionClause.SIZE);
        ExceptionClause typed = ExceptionClause.read(f.file, clauses);
        ExceptionClause fault = ExceptionClause.read(f.file, clauses + ExceptionClause.SIZE);
        assertEquals(new ExceptionClause(ExceptionClause.TYPED, 0x5E, 0x95, 0x259, 0x26D, 0x01000001), typed);
        assertEquals(new ExceptionClause(ExceptionClause.FAULT, 0x3C, 0xEB, 0x26D, 0x290, 0), fault);
        assertArrayEquals(f.bytes(clauses, ExceptionClause.SIZE), written(typed));
        assertArrayEquals(f.bytes(clauses + ExceptionClause.SIZE, ExceptionClause.SIZE), written(fault));
        BlobBuilder b = new BlobBuilder();
        e.write(b);
        assertArrayEquals(f.bytes(table + 21 * ExceptionLookupEntry.SIZE, ExceptionLookupEntry.SIZE), b.toByteArray());
    }
}
