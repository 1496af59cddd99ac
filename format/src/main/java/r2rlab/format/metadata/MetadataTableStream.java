package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataBuilder.writeU32;
import static r2rlab.format.metadata.MetadataBuilder.writeU64;

import java.io.ByteArrayOutputStream;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * The table stream ({@code #~}, or the uncompressed {@code #-}; II.24.2.6): its 24-byte header
 * (versions, HeapSizes, the Valid and Sorted masks), a row count per present table, then the rows
 * of every table in table order. Column widths follow from the row counts and HeapSizes
 * ({@link #columnWidth(TableSchema.Column, int[], int, boolean)}, which the writer uses too).
 *
 * <p>Cells are read on demand from the file bytes; row ids are 1-based and checked against the
 * row counts, and every bad cell is reported at its file offset.
 */
final class MetadataTableStream {
    static final int HEAP_STRINGS_WIDE = 0x01;
    static final int HEAP_GUID_WIDE = 0x02;
    static final int HEAP_BLOB_WIDE = 0x04;
    /** An extra u32 follows the row counts. */
    static final int HEAP_EXTRA_DATA = 0x40;

    /** The version this project writes: 2.0. */
    static final int MAJOR_VERSION = 2;
    static final int MINOR_VERSION = 0;
    private static final int MAJOR_VERSION_OFFSET = 4;
    private static final int MINOR_VERSION_OFFSET = 5;
    private static final int HEAP_SIZES_OFFSET = 6;
    /** Reserved, always 1. */
    private static final int RESERVED_ONE = 1;
    private static final int VALID_OFFSET = 8;
    private static final int SORTED_OFFSET = 16;
    private static final int HEADER_SIZE = 24;
    /** Table bits of the Valid mask. */
    static final int TABLE_BITS = 64;

    private final ByteReader file;
    final String name;
    final long fileOffset;
    final int size;
    final int majorVersion;
    final int minorVersion;
    final int heapSizes;
    final long validMask;
    final long sortedMask;
    private final int[] rowCounts = new int[TABLE_BITS];
    private final long[] rowCountOffsets = new long[TABLE_BITS];
    private final int[] rowSizes = new int[TABLE_BITS];
    private final long[] tableOffsets = new long[TABLE_BITS];
    private final int[][] columnOffsets = new int[TABLE_BITS][];
    private final int[][] columnWidths = new int[TABLE_BITS][];
    private final String[] tableStructures = new String[TABLE_BITS];

    MetadataTableStream(ByteReader file, MetadataStream stream, boolean minimalDelta) {
        this.file = file;
        this.name = stream.name();
        this.fileOffset = stream.fileOffset();
        this.size = stream.size();
        String th = "Metadata " + name + " header";
        if (size < HEADER_SIZE) {
            throw new FormatException(th, fileOffset, "table stream of " + size + " bytes is too small for its "
                    + HEADER_SIZE + "-byte header");
        }
        majorVersion = file.u8(th, fileOffset + MAJOR_VERSION_OFFSET);
        minorVersion = file.u8(th, fileOffset + MINOR_VERSION_OFFSET);
        heapSizes = file.u8(th, fileOffset + HEAP_SIZES_OFFSET);
        validMask = file.u64(th, fileOffset + VALID_OFFSET);
        sortedMask = file.u64(th, fileOffset + SORTED_OFFSET);
        long tpos = HEADER_SIZE;
        for (int t = 0; t < TABLE_BITS; t++) {
            tableStructures[t] = "Metadata " + name + " table " + MetadataTable.name(t);
            if ((validMask & (1L << t)) == 0) {
                continue;
            }
            String rc = rowCountStructure(t);
            long at = fileOffset + tpos;
            if (tpos + 4 > size) {
                throw new FormatException(rc, at, "row counts of the " + Long.bitCount(validMask)
                        + " present tables run past the end of the table stream (size 0x"
                        + Integer.toHexString(size) + ")");
            }
            long count = file.u32(rc, at);
            if (t >= MetadataTable.COUNT && count != 0) {
                throw new FormatException(rc, at, "table 0x" + Integer.toHexString(t) + " has " + count
                        + " rows but is not an ECMA-335 table, so its row size is unknown");
            }
            if (count > MetadataTable.MAX_RID) {
                throw new FormatException(rc, at, "row count " + count + " (0x" + Long.toHexString(count)
                        + ") exceeds the 24-bit row id range");
            }
            rowCounts[t] = (int) count;
            rowCountOffsets[t] = at;
            tpos += 4;
        }
        if ((heapSizes & HEAP_EXTRA_DATA) != 0) {
            tpos += 4;
        }
        if (tpos > size) {
            throw new FormatException(th, fileOffset + size,
                    "extra data after the row counts runs past the end of the table stream");
        }
        long cursor = fileOffset + tpos;
        long streamEnd = fileOffset + size;
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            TableSchema.Column[] columns = TableSchema.columns(t);
            int[] offsets = new int[columns.length];
            int[] widths = new int[columns.length];
            int rowSize = 0;
            for (int c = 0; c < columns.length; c++) {
                offsets[c] = rowSize;
                widths[c] = columnWidth(columns[c], rowCounts, heapSizes, minimalDelta);
                rowSize += widths[c];
            }
            columnOffsets[t] = offsets;
            columnWidths[t] = widths;
            rowSizes[t] = rowSize;
            tableOffsets[t] = cursor;
            long bytes = (long) rowCounts[t] * rowSize;
            if (cursor + bytes > streamEnd) {
                throw new FormatException(rowCountStructure(t), rowCountOffsets[t], rowCounts[t] + " rows of " + rowSize
                        + " bytes (0x" + Long.toHexString(bytes) + " bytes from file offset 0x"
                        + Long.toHexString(cursor) + ") run past the end of the " + name + " stream (0x"
                        + Long.toHexString(streamEnd - cursor) + " bytes left)");
            }
            cursor += bytes;
        }
        for (int t = MetadataTable.COUNT; t < TABLE_BITS; t++) {
            tableOffsets[t] = cursor;
        }
    }

    private String rowCountStructure(int table) {
        return "Metadata " + name + " row count of table " + MetadataTable.name(table);
    }

    /**
     * The header and row counts as {@link MetadataBuilder} writes them: reserved u32 0, version 2.0,
     * HeapSizes, reserved 1, Valid (the tables with rows), Sorted, a u32 count per present table.
     */
    static void writeHeader(ByteArrayOutputStream out, int heapSizes, long sortedMask, int[] rowCounts) {
        long valid = 0;
        for (int t = 0; t < rowCounts.length; t++) {
            if (rowCounts[t] > 0) {
                valid |= 1L << t;
            }
        }
        writeU32(out, 0);
        out.write(MAJOR_VERSION);
        out.write(MINOR_VERSION);
        out.write(heapSizes);
        out.write(RESERVED_ONE);
        writeU64(out, valid);
        writeU64(out, sortedMask);
        for (int count : rowCounts) {
            if (count > 0) {
                writeU32(out, count);
            }
        }
    }

    /**
     * Width in bytes of a column (II.24.2.6): heap indexes by the HeapSizes bits, table and coded
     * indexes by the row counts they can reach; every index is 4 bytes in a minimal-delta (#JTD)
     * stream.
     */
    static int columnWidth(TableSchema.Column column, int[] rowCounts, int heapSizes, boolean minimalDelta) {
        int kind = column.kind();
        switch (kind) {
            case TableSchema.U16:
                return 2;
            case TableSchema.U32:
                return 4;
            default:
                break;
        }
        if (minimalDelta) {
            return 4;
        }
        switch (kind) {
            case TableSchema.STRING:
                return (heapSizes & HEAP_STRINGS_WIDE) != 0 ? 4 : 2;
            case TableSchema.GUID:
                return (heapSizes & HEAP_GUID_WIDE) != 0 ? 4 : 2;
            case TableSchema.BLOB:
                return (heapSizes & HEAP_BLOB_WIDE) != 0 ? 4 : 2;
            default:
                break;
        }
        if (!column.isCoded()) {
            return rowCounts[kind] < 0x10000 ? 2 : 4;
        }
        CodedIndex coded = column.codedIndex();
        int max = 0;
        for (int i = 0; i < coded.tableCount(); i++) {
            int t = coded.tableAt(i);
            if (t >= 0) {
                max = Math.max(max, rowCounts[t]);
            }
        }
        return max < (1 << (16 - coded.tagBits())) ? 2 : 4;
    }

    // ---------------------------------------------------------------- layout

    int rowCount(int table) {
        return rowCounts[table];
    }

    int rowSize(int table) {
        return rowSizes[table];
    }

    long tableOffset(int table) {
        return tableOffsets[table];
    }

    int columnWidth(int table, int column) {
        return columnWidths[table][column];
    }

    int columnCount(int table) {
        return columnOffsets[table].length;
    }

    String structure(int table) {
        return tableStructures[table];
    }

    /** Row ids often come from other structures of the image, so a bad one is a format error. */
    void checkRid(int table, int rid) {
        if (rid < 1 || rid > rowCounts[table]) {
            throw new FormatException(tableStructures[table], tableOffsets[table], "row " + rid
                    + " requested but the table has " + rowCounts[table] + " rows");
        }
    }

    long rowOffset(int table, int rid) {
        return tableOffsets[table] + (long) (rid - 1) * rowSizes[table];
    }

    long cellOffset(int table, int rid, int column) {
        return rowOffset(table, rid) + columnOffsets[table][column];
    }

    // ---------------------------------------------------------------- cells

    /** Reads a cell; rid must have been checked. 4-byte values come back as int bit patterns. */
    int raw(int table, int rid, int column) {
        long at = cellOffset(table, rid, column);
        return columnWidths[table][column] == 2 ? file.u16(tableStructures[table], at)
                : file.i32(tableStructures[table], at);
    }

    FormatException cellError(int table, int rid, int column, String problem) {
        return new FormatException(tableStructures[table] + " row " + rid, cellOffset(table, rid, column),
                "column " + TableSchema.columns(table)[column].name() + ": " + problem);
    }

    /** A heap-index cell's site: heap errors are reported at the cell. */
    MetadataHeaps.Site site(int table, int rid, int column) {
        return problem -> cellError(table, rid, column, problem);
    }

    /** A coded index cell as a token (0 when null), its row checked against the target table. */
    int codedToken(int table, int rid, int column) {
        CodedIndex coded = TableSchema.columns(table)[column].codedIndex();
        int value = raw(table, rid, column);
        int target = coded.tableOf(value);
        if (target < 0) {
            throw cellError(table, rid, column, String.format("%s value 0x%X has tag %d, which selects no table",
                    coded.ecmaName(), value, value & ((1 << coded.tagBits()) - 1)));
        }
        int targetRid = coded.ridOf(value);
        if (targetRid == 0) {
            return 0;
        }
        if (targetRid > rowCounts[target]) {
            throw cellError(table, rid, column, coded.ecmaName() + " refers to " + MetadataTable.name(target)
                    + " row " + targetRid + " but that table has " + rowCounts[target] + " rows");
        }
        return MetadataTable.token(target, targetRid);
    }

    /** A simple table index cell, checked to be 0..rowCount(target). */
    int tableIndex(int table, int rid, int column, int target) {
        long value = raw(table, rid, column) & 0xFFFFFFFFL;
        if (value > rowCounts[target]) {
            throw cellError(table, rid, column, "index " + value + " into " + MetadataTable.name(target)
                    + " but that table has " + rowCounts[target] + " rows");
        }
        return (int) value;
    }
}
