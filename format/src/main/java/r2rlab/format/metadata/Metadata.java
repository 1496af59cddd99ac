package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;

/**
 * ECMA-335 metadata (II.24): the metadata root, the table stream ({@code #~}, or the uncompressed
 * {@code #-} with its pointer tables) and the {@code #Strings}, {@code #US}, {@code #GUID} and
 * {@code #Blob} heaps.
 *
 * <p>Construction validates the layout only (root, stream headers, row counts, that all tables fit
 * their stream); rows are read on demand from the file bytes. Every malformed input raises a
 * {@link FormatException} naming the structure and its file offset. Names are computed lazily and
 * cached; the caches tolerate concurrent use (at worst a name is computed twice).
 *
 * <p>Row ids ({@code rid}) are 1-based. Tokens are {@code table << 24 | rid}; a null reference is 0.
 */
public final class Metadata {
    private static final int BSJB = 0x424A5342;
    private static final int MAX_RID = 0xFFFFFF;
    static final int HEAP_STRINGS_WIDE = 0x01;
    static final int HEAP_GUID_WIDE = 0x02;
    static final int HEAP_BLOB_WIDE = 0x04;
    private static final int HEAP_EXTRA_DATA = 0x40;
    /** Longest chain of TypeSpec signatures referring to TypeSpecs that is rendered before giving up. */
    private static final int MAX_TYPESPEC_DEPTH = 16;

    private record Heap(String name, long fileOffset, int size) {
    }

    private final ByteReader file;
    private final byte[] data;
    private final long fileOffset;
    private final int size;
    private final int majorVersion;
    private final int minorVersion;
    private final String versionString;
    private final List<MetadataStream> streams;
    private final Heap strings;
    private final Heap userStrings;
    private final Heap guids;
    private final Heap blobs;
    private final String tableStreamName;
    private final long tableStreamOffset;
    private final int tableStreamSize;
    private final int tablesMajor;
    private final int tablesMinor;
    private final int heapSizes;
    private final long validMask;
    private final long sortedMask;
    private final boolean minimalDelta;
    private final int[] rowCounts = new int[64];
    private final long[] rowCountOffsets = new long[64];
    private final int[] rowSizes = new int[64];
    private final long[] tableOffsets = new long[64];
    private final int[][] columnOffsets = new int[64][];
    private final int[][] columnWidths = new int[64][];
    private final String[] tableStructures = new String[64];

    private volatile String[] typeDefNames;
    private volatile String[] typeRefNames;
    private volatile String[] typeSpecNames;
    /** enclosing[typeDefRid] = enclosing TypeDef rid (0 = not nested), enclosing[0] unused. */
    private volatile int[][] nesting;
    /** methodPtrIndex[methodRid] = MethodPtr row pointing at it (0 = none); only with a MethodPtr table. */
    private volatile int[] methodPtrIndex;

    /**
     * Parses the metadata whose root ("BSJB") is at {@code fileOffset} and spans {@code size} bytes of
     * {@code file} (the CLI header's MetaData directory, mapped to a file offset).
     */
    public static Metadata read(ByteReader file, long fileOffset, int size) {
        return new Metadata(file, fileOffset, size);
    }

    private Metadata(ByteReader file, long fileOffset, int size) {
        this.file = file;
        this.data = file.array();
        this.fileOffset = fileOffset;
        this.size = size;
        String root = "Metadata root";
        if (size < 20) {
            throw new FormatException(root, fileOffset, "metadata size " + size
                    + " is too small for a metadata root (at least 20 bytes)");
        }
        file.require(root, fileOffset, size);
        int signature = file.i32(root, fileOffset);
        if (signature != BSJB) {
            throw new FormatException(root, fileOffset, String.format(
                    "signature 0x%08X is not 0x424A5342 (\"BSJB\")", signature));
        }
        majorVersion = file.u16(root, fileOffset + 4);
        minorVersion = file.u16(root, fileOffset + 6);
        long versionLength = file.u32(root, fileOffset + 12);
        if (16 + versionLength + 4 > size) {
            throw new FormatException(root, fileOffset + 12, "version string length " + versionLength
                    + " runs past the end of the metadata (size 0x" + Integer.toHexString(size) + ")");
        }
        int vStart = (int) (fileOffset + 16);
        int vEnd = vStart;
        while (vEnd < vStart + versionLength && data[vEnd] != 0) {
            vEnd++;
        }
        versionString = new String(data, vStart, vEnd - vStart, StandardCharsets.UTF_8);
        long pos = 16 + versionLength;
        int streamCount = file.u16(root, fileOffset + pos + 2);
        pos += 4;

        List<MetadataStream> list = new ArrayList<>();
        MetadataStream tables = null;
        Heap str = null;
        Heap us = null;
        Heap guid = null;
        Heap blob = null;
        boolean jtd = false;
        for (int i = 0; i < streamCount; i++) {
            String sh = "Metadata stream header[" + i + "]";
            long h = fileOffset + pos;
            if (pos + 9 > size) {
                throw new FormatException(sh, h, "stream header runs past the end of the metadata (size 0x"
                        + Integer.toHexString(size) + ", " + streamCount + " streams declared)");
            }
            long off = file.u32(sh, h);
            long sz = file.u32(sh, h + 4);
            int nameStart = (int) (h + 8);
            int nameLimit = (int) Math.min(nameStart + 32L, fileOffset + size);
            int nameEnd = nameStart;
            while (nameEnd < nameLimit && data[nameEnd] != 0) {
                nameEnd++;
            }
            if (nameEnd == nameLimit) {
                throw new FormatException(sh, nameStart, "stream name has no terminating NUL within "
                        + (nameLimit - nameStart) + " bytes");
            }
            String name = new String(data, nameStart, nameEnd - nameStart, StandardCharsets.US_ASCII);
            if (off + sz > size) {
                throw new FormatException(sh + " \"" + name + "\"", h, "stream at offset 0x" + Long.toHexString(off)
                        + " with size 0x" + Long.toHexString(sz) + " runs past the end of the metadata (size 0x"
                        + Integer.toHexString(size) + ")");
            }
            MetadataStream stream = new MetadataStream(name, fileOffset + off, (int) sz);
            list.add(stream);
            // The first stream of each name wins.
            switch (name) {
                case "#~", "#-" -> {
                    if (tables == null) {
                        tables = stream;
                    } else if (!tables.name().equals(name)) {
                        throw new FormatException(sh + " \"" + name + "\"", h,
                                "metadata has both a #~ and a #- table stream");
                    }
                }
                case "#Strings" -> str = str != null ? str : new Heap(name, stream.fileOffset(), stream.size());
                case "#US" -> us = us != null ? us : new Heap(name, stream.fileOffset(), stream.size());
                case "#GUID" -> guid = guid != null ? guid : new Heap(name, stream.fileOffset(), stream.size());
                case "#Blob" -> blob = blob != null ? blob : new Heap(name, stream.fileOffset(), stream.size());
                case "#JTD" -> jtd = true;
                default -> {
                }
            }
            pos += 8 + ((nameEnd - nameStart + 1 + 3) & ~3);
        }
        streams = Collections.unmodifiableList(list);
        if (tables == null) {
            throw new FormatException(root, fileOffset, "metadata has no #~ or #- table stream ("
                    + streamCount + " streams)");
        }
        strings = str != null ? str : new Heap("#Strings", fileOffset, 0);
        userStrings = us != null ? us : new Heap("#US", fileOffset, 0);
        guids = guid != null ? guid : new Heap("#GUID", fileOffset, 0);
        blobs = blob != null ? blob : new Heap("#Blob", fileOffset, 0);
        minimalDelta = jtd;

        tableStreamName = tables.name();
        tableStreamOffset = tables.fileOffset();
        tableStreamSize = tables.size();
        String th = "Metadata " + tableStreamName + " header";
        if (tableStreamSize < 24) {
            throw new FormatException(th, tableStreamOffset, "table stream of " + tableStreamSize
                    + " bytes is too small for its 24-byte header");
        }
        tablesMajor = file.u8(th, tableStreamOffset + 4);
        tablesMinor = file.u8(th, tableStreamOffset + 5);
        heapSizes = file.u8(th, tableStreamOffset + 6);
        validMask = file.u64(th, tableStreamOffset + 8);
        sortedMask = file.u64(th, tableStreamOffset + 16);
        long tpos = 24;
        for (int t = 0; t < 64; t++) {
            tableStructures[t] = "Metadata " + tableStreamName + " table " + MetadataTable.name(t);
            if ((validMask & (1L << t)) == 0) {
                continue;
            }
            String rc = "Metadata " + tableStreamName + " row count of table " + MetadataTable.name(t);
            long at = tableStreamOffset + tpos;
            if (tpos + 4 > tableStreamSize) {
                throw new FormatException(rc, at, "row counts of the " + Long.bitCount(validMask)
                        + " present tables run past the end of the table stream (size 0x"
                        + Integer.toHexString(tableStreamSize) + ")");
            }
            long count = file.u32(rc, at);
            if (t >= MetadataTable.COUNT && count != 0) {
                throw new FormatException(rc, at, "table 0x" + Integer.toHexString(t) + " has " + count
                        + " rows but is not an ECMA-335 table, so its row size is unknown");
            }
            if (count > MAX_RID) {
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
        if (tpos > tableStreamSize) {
            throw new FormatException(th, tableStreamOffset + tableStreamSize,
                    "extra data after the row counts runs past the end of the table stream");
        }
        long cursor = tableStreamOffset + tpos;
        long streamEnd = tableStreamOffset + tableStreamSize;
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            TableSchema.Column[] columns = TableSchema.columns(t);
            int[] offsets = new int[columns.length];
            int[] widths = new int[columns.length];
            int rowSize = 0;
            for (int c = 0; c < columns.length; c++) {
                offsets[c] = rowSize;
                widths[c] = columnWidth(columns[c]);
                rowSize += widths[c];
            }
            columnOffsets[t] = offsets;
            columnWidths[t] = widths;
            rowSizes[t] = rowSize;
            tableOffsets[t] = cursor;
            long bytes = (long) rowCounts[t] * rowSize;
            if (cursor + bytes > streamEnd) {
                throw new FormatException("Metadata " + tableStreamName + " row count of table " + MetadataTable.name(t),
                        rowCountOffsets[t], rowCounts[t] + " rows of " + rowSize + " bytes (0x" + Long.toHexString(bytes)
                                + " bytes from file offset 0x" + Long.toHexString(cursor) + ") run past the end of the "
                                + tableStreamName + " stream (0x" + Long.toHexString(streamEnd - cursor) + " bytes left)");
            }
            cursor += bytes;
        }
        for (int t = MetadataTable.COUNT; t < 64; t++) {
            tableOffsets[t] = cursor;
        }
    }

    private int columnWidth(TableSchema.Column column) {
        return columnWidth(column, rowCounts, heapSizes, minimalDelta);
    }

    /**
     * Width in bytes of a column (II.24.2.6): heap indexes by the HeapSizes bits, table and coded
     * indexes by the row counts they can reach; every index is 4 bytes in a minimal-delta (#JTD)
     * stream. {@link MetadataBuilder} writes with the same rule.
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

    /** File offset of the metadata root. */
    public long fileOffset() {
        return fileOffset;
    }

    /** Size of the metadata in bytes, as given to {@link #read}. */
    public int size() {
        return size;
    }

    public int majorVersion() {
        return majorVersion;
    }

    public int minorVersion() {
        return minorVersion;
    }

    /** The runtime version string of the root, e.g. "v4.0.30319". */
    public String versionString() {
        return versionString;
    }

    public List<MetadataStream> streams() {
        return streams;
    }

    /** "#~" or "#-" (uncompressed, edit-and-continue layout with pointer tables). */
    public String tableStreamName() {
        return tableStreamName;
    }

    public boolean isUncompressed() {
        return tableStreamName.equals("#-");
    }

    public int tablesMajorVersion() {
        return tablesMajor;
    }

    public int tablesMinorVersion() {
        return tablesMinor;
    }

    /** The HeapSizes byte of the table stream header. */
    public int heapSizes() {
        return heapSizes;
    }

    public long validMask() {
        return validMask;
    }

    public long sortedMask() {
        return sortedMask;
    }

    /** Number of rows of a table (0..63); 0 for absent tables. */
    public int rowCount(int table) {
        checkTable(table);
        return rowCounts[table];
    }

    /** Row size in bytes of an ECMA-335 table (0x00..0x2C). */
    public int rowSize(int table) {
        checkSchemaTable(table);
        return rowSizes[table];
    }

    /** File offset of the first row of a table. */
    public long tableFileOffset(int table) {
        checkTable(table);
        return tableOffsets[table];
    }

    /** Width in bytes (2 or 4) of a column of an ECMA-335 table. */
    public int columnWidth(int table, int column) {
        checkColumn(table, column);
        return columnWidths[table][column];
    }

    /** File offset of a cell. */
    public long cellFileOffset(int table, int rid, int column) {
        checkColumn(table, column);
        checkRid(table, rid);
        return cellOffset(table, rid, column);
    }

    /**
     * The raw value of a cell (column numbers follow ECMA-335 II.22 order, starting at 0). 4-byte
     * values are returned as int bit patterns.
     */
    public int column(int table, int rid, int column) {
        checkColumn(table, column);
        checkRid(table, rid);
        return raw(table, rid, column);
    }

    // ---------------------------------------------------------------- heaps

    /** A #Strings entry; index 0 is the empty string. */
    public String string(int index) {
        return heapString(index, -1, 0, 0);
    }

    /** A #Blob entry; index 0 is the empty blob. */
    public byte[] blob(int index) {
        return blobBytes(index, -1, 0, 0);
    }

    /** A #US entry (UTF-16 string, its trailing flag byte dropped); index 0 is the empty string. */
    public String userString(int index) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return "";
        }
        if (idx >= userStrings.size()) {
            throw new FormatException("Metadata #US", userStrings.fileOffset(), "#US index 0x" + Long.toHexString(idx)
                    + " is past the end of the heap (size 0x" + Integer.toHexString(userStrings.size()) + ")");
        }
        int[] span = heapBlob(userStrings, idx, -1, 0, 0);
        return new String(data, span[0], span[1] & ~1, StandardCharsets.UTF_16LE);
    }

    /** A #GUID entry (1-based index), or null for index 0. */
    public UUID guid(int index) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return null;
        }
        if (idx * 16 > guids.size()) {
            throw new FormatException("Metadata #GUID", guids.fileOffset(), "#GUID index " + idx
                    + " is past the end of the heap (" + guids.size() / 16 + " GUIDs)");
        }
        int o = (int) (guids.fileOffset() + (idx - 1) * 16);
        String s = "Metadata #GUID";
        long d1 = file.u32(s, o);
        long d2 = file.u16(s, o + 4);
        long d3 = file.u16(s, o + 6);
        long hi = d1 << 32 | d2 << 16 | d3;
        long lo = 0;
        for (int i = 8; i < 16; i++) {
            lo = lo << 8 | (data[o + i] & 0xFF);
        }
        return new UUID(hi, lo);
    }

    // ---------------------------------------------------------------- typed rows

    /** Module name (Module row 1), or "" when the table is empty. */
    public String moduleName() {
        return rowCounts[MODULE] == 0 ? "" : heapString(raw(MODULE, 1, 1), MODULE, 1, 1);
    }

    /** Module version id (Module row 1), or null. */
    public UUID moduleMvid() {
        if (rowCounts[MODULE] == 0) {
            return null;
        }
        int index = raw(MODULE, 1, 2);
        try {
            return guid(index);
        } catch (FormatException e) {
            throw cellError(MODULE, 1, 2, e.getMessage());
        }
    }

    /** Assembly name (Assembly row 1), or null when the image has no Assembly row. */
    public String assemblyName() {
        return rowCounts[ASSEMBLY] == 0 ? null : heapString(raw(ASSEMBLY, 1, 7), ASSEMBLY, 1, 7);
    }

    public TypeDef typeDef(int rid) {
        checkRid(TYPEDEF, rid);
        return new TypeDef(rid, raw(TYPEDEF, rid, 0), heapString(raw(TYPEDEF, rid, 1), TYPEDEF, rid, 1),
                heapString(raw(TYPEDEF, rid, 2), TYPEDEF, rid, 2), codedToken(TYPEDEF, rid, 3),
                raw(TYPEDEF, rid, 4), raw(TYPEDEF, rid, 5));
    }

    public TypeRef typeRef(int rid) {
        checkRid(TYPEREF, rid);
        return new TypeRef(rid, codedToken(TYPEREF, rid, 0), heapString(raw(TYPEREF, rid, 1), TYPEREF, rid, 1),
                heapString(raw(TYPEREF, rid, 2), TYPEREF, rid, 2));
    }

    public MethodDef methodDef(int rid) {
        checkRid(METHODDEF, rid);
        return new MethodDef(rid, raw(METHODDEF, rid, 0), raw(METHODDEF, rid, 1), raw(METHODDEF, rid, 2),
                heapString(raw(METHODDEF, rid, 3), METHODDEF, rid, 3),
                blobBytes(raw(METHODDEF, rid, 4), METHODDEF, rid, 4), raw(METHODDEF, rid, 5));
    }

    /** MethodDef.ImplFlags; see {@link MethodImplAttributes}. */
    public int methodImplFlags(int rid) {
        checkRid(METHODDEF, rid);
        return raw(METHODDEF, rid, 1);
    }

    /** MethodDef.Flags (MethodAttributes). */
    public int methodFlags(int rid) {
        checkRid(METHODDEF, rid);
        return raw(METHODDEF, rid, 2);
    }

    /** MethodDef.RVA (unsigned; 0 when the method has no IL body). */
    public int methodRva(int rid) {
        checkRid(METHODDEF, rid);
        return raw(METHODDEF, rid, 0);
    }

    /** MethodDef.ParamList: the raw first index into Param (or ParamPtr). */
    public int methodDefParamList(int rid) {
        checkRid(METHODDEF, rid);
        return raw(METHODDEF, rid, 5);
    }

    public MemberRef memberRef(int rid) {
        checkRid(MEMBERREF, rid);
        return new MemberRef(rid, codedToken(MEMBERREF, rid, 0), heapString(raw(MEMBERREF, rid, 1), MEMBERREF, rid, 1),
                blobBytes(raw(MEMBERREF, rid, 2), MEMBERREF, rid, 2));
    }

    public TypeSpec typeSpec(int rid) {
        checkRid(TYPESPEC, rid);
        return new TypeSpec(rid, blobBytes(raw(TYPESPEC, rid, 0), TYPESPEC, rid, 0));
    }

    public MethodSpec methodSpec(int rid) {
        checkRid(METHODSPEC, rid);
        return new MethodSpec(rid, codedToken(METHODSPEC, rid, 0), blobBytes(raw(METHODSPEC, rid, 1), METHODSPEC, rid, 1));
    }

    public String assemblyRefName(int rid) {
        checkRid(ASSEMBLYREF, rid);
        return heapString(raw(ASSEMBLYREF, rid, 6), ASSEMBLYREF, rid, 6);
    }

    /** The name of a Field row (II.22.15: Flags, Name, Signature). */
    public String fieldName(int rid) {
        return string(column(MetadataTable.FIELD, rid, 1));
    }

    public String moduleRefName(int rid) {
        checkRid(MODULEREF, rid);
        return heapString(raw(MODULEREF, rid, 0), MODULEREF, rid, 0);
    }

    /** The TypeDef that encloses TypeDef {@code rid} according to NestedClass, or 0 if it is not nested. */
    public int enclosingTypeDef(int rid) {
        checkRid(TYPEDEF, rid);
        return nesting()[0][rid];
    }

    /**
     * The TypeDef whose MethodList range holds MethodDef {@code methodRid} (through MethodPtr when the
     * uncompressed stream has one), or 0 when no type lists the method.
     */
    public int methodDefOwner(int methodRid) {
        checkRid(METHODDEF, methodRid);
        int p = methodRid;
        if (rowCounts[METHODPTR] > 0) {
            p = methodPtrIndex()[methodRid];
            if (p == 0) {
                return 0;
            }
        }
        int types = rowCounts[TYPEDEF];
        int lo = 1;
        int hi = types;
        int owner = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long first = raw(TYPEDEF, mid, 5) & 0xFFFFFFFFL;
            if (first <= p) {
                owner = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (owner != 0 && owner < types && (raw(TYPEDEF, owner + 1, 5) & 0xFFFFFFFFL) <= p) {
            throw cellError(TYPEDEF, owner + 1, 5, "MethodList values of TypeDef rows " + owner + " and "
                    + (owner + 1) + " are not in ascending order");
        }
        return owner;
    }

    // ---------------------------------------------------------------- names

    /** "Namespace.Type", nested types as "Namespace.Outer+Inner". */
    public String typeDefName(int rid) {
        checkRid(TYPEDEF, rid);
        String[] cache = typeDefNames;
        if (cache == null) {
            cache = new String[rowCounts[TYPEDEF] + 1];
            typeDefNames = cache;
        }
        if (cache[rid] != null) {
            return cache[rid];
        }
        int[][] nest = nesting();
        int[] enclosing = nest[0];
        List<Integer> chain = new ArrayList<>();
        int cur = rid;
        while (cur != 0 && cache[cur] == null) {
            chain.add(cur);
            if (chain.size() > rowCounts[TYPEDEF]) {
                throw new FormatException(tableStructures[NESTEDCLASS] + " row " + nest[1][rid],
                        rowOffset(NESTEDCLASS, nest[1][rid]), "TypeDef row " + rid
                                + " is in or leads into a nesting cycle in NestedClass");
            }
            cur = enclosing[cur];
        }
        String prefix = cur == 0 ? null : cache[cur];
        for (int i = chain.size() - 1; i >= 0; i--) {
            int r = chain.get(i);
            String simple = qualify(heapString(raw(TYPEDEF, r, 2), TYPEDEF, r, 2),
                    heapString(raw(TYPEDEF, r, 1), TYPEDEF, r, 1));
            String full = prefix == null ? simple : prefix + "+" + simple;
            cache[r] = full;
            prefix = full;
        }
        return prefix;
    }

    /** "Namespace.Type", nested types (ResolutionScope is a TypeRef) as "Namespace.Outer+Inner". */
    public String typeRefName(int rid) {
        checkRid(TYPEREF, rid);
        String[] cache = typeRefNames;
        if (cache == null) {
            cache = new String[rowCounts[TYPEREF] + 1];
            typeRefNames = cache;
        }
        if (cache[rid] != null) {
            return cache[rid];
        }
        List<Integer> chain = new ArrayList<>();
        int cur = rid;
        while (cur != 0 && cache[cur] == null) {
            chain.add(cur);
            if (chain.size() > rowCounts[TYPEREF]) {
                throw cellError(TYPEREF, rid, 0, "TypeRef row " + rid
                        + " is in or leads into a cycle of ResolutionScope references to TypeRefs");
            }
            int scope = codedToken(TYPEREF, cur, 0);
            cur = table(scope) == TYPEREF ? rid(scope) : 0;
        }
        String prefix = cur == 0 ? null : cache[cur];
        for (int i = chain.size() - 1; i >= 0; i--) {
            int r = chain.get(i);
            String simple = qualify(heapString(raw(TYPEREF, r, 2), TYPEREF, r, 2),
                    heapString(raw(TYPEREF, r, 1), TYPEREF, r, 1));
            String full = prefix == null ? simple : prefix + "+" + simple;
            cache[r] = full;
            prefix = full;
        }
        return prefix;
    }

    /**
     * The type a TypeSpec signature describes, e.g. "System.Collections.Generic.List`1<System.Int32>",
     * "System.Byte[]", "!0" for a type's generic parameter, "!!0" for a method's.
     */
    public String typeSpecName(int rid) {
        return typeSpecName(rid, 0);
    }

    private String typeSpecName(int rid, int depth) {
        checkRid(TYPESPEC, rid);
        String[] cache = typeSpecNames;
        if (cache == null) {
            cache = new String[rowCounts[TYPESPEC] + 1];
            typeSpecNames = cache;
        }
        if (cache[rid] != null) {
            return cache[rid];
        }
        if (depth > MAX_TYPESPEC_DEPTH) {
            throw cellError(TYPESPEC, rid, 0, "TypeSpec signatures refer to TypeSpecs more than "
                    + MAX_TYPESPEC_DEPTH + " levels deep (a cycle?)");
        }
        int[] span = blobSpan(raw(TYPESPEC, rid, 0), TYPESPEC, rid, 0);
        String name = new SignatureFormatter(this, data, span[0], span[0] + span[1],
                tableStructures[TYPESPEC] + " row " + rid + " signature", depth).typeSignature();
        cache[rid] = name;
        return name;
    }

    /** The name of a TypeDef, TypeRef or TypeSpec token. */
    public String typeDefOrRefName(int token) {
        return typeDefOrRefName(token, 0);
    }

    String typeDefOrRefName(int token, int depth) {
        switch (table(token)) {
            case TYPEDEF:
                return typeDefName(rid(token));
            case TYPEREF:
                return typeRefName(rid(token));
            case TYPESPEC:
                return typeSpecName(rid(token), depth + 1);
            default:
                throw new IllegalArgumentException("not a TypeDef, TypeRef or TypeSpec token: " + describe(token));
        }
    }

    /** "Namespace.Type.Method"; just the method name if no TypeDef lists the method. */
    public String methodDefName(int rid) {
        checkRid(METHODDEF, rid);
        String name = heapString(raw(METHODDEF, rid, 3), METHODDEF, rid, 3);
        int owner = methodDefOwner(rid);
        return owner == 0 ? name : typeDefName(owner) + "." + name;
    }

    /**
     * Owner name + "." + member name. The owner is rendered by {@link #typeDefOrRefName} for
     * TypeDef/TypeRef/TypeSpec parents, as the module name for ModuleRef parents, and as the owning
     * type of the method for MethodDef parents (vararg call sites).
     */
    public String memberRefName(int rid) {
        checkRid(MEMBERREF, rid);
        String name = heapString(raw(MEMBERREF, rid, 1), MEMBERREF, rid, 1);
        int parent = codedToken(MEMBERREF, rid, 0);
        if (parent == 0) {
            return name;
        }
        String owner;
        switch (table(parent)) {
            case MODULEREF:
                owner = moduleRefName(rid(parent));
                break;
            case METHODDEF: {
                int type = methodDefOwner(rid(parent));
                if (type == 0) {
                    return name;
                }
                owner = typeDefName(type);
                break;
            }
            default:
                owner = typeDefOrRefName(parent);
                break;
        }
        return owner + "." + name;
    }

    /** The name of a MethodDef or MemberRef token ({@link #methodDefName} / {@link #memberRefName}). */
    public String methodDefOrRefName(int token) {
        switch (table(token)) {
            case METHODDEF:
                return methodDefName(rid(token));
            case MEMBERREF:
                return memberRefName(rid(token));
            default:
                throw new IllegalArgumentException("not a MethodDef or MemberRef token: " + describe(token));
        }
    }

    /** The generic method instantiation, e.g. "System.Array.Empty&lt;System.Byte&gt;". */
    public String methodSpecName(int rid) {
        checkRid(METHODSPEC, rid);
        int method = codedToken(METHODSPEC, rid, 0);
        String name = method == 0 ? "" : methodDefOrRefName(method);
        int[] span = blobSpan(raw(METHODSPEC, rid, 1), METHODSPEC, rid, 1);
        return name + new SignatureFormatter(this, data, span[0], span[0] + span[1],
                tableStructures[METHODSPEC] + " row " + rid + " instantiation", 0).methodInstantiation();
    }

    private static String qualify(String namespace, String name) {
        return namespace.isEmpty() ? name : namespace + "." + name;
    }

    // ---------------------------------------------------------------- internals

    private int[][] nesting() {
        int[][] n = nesting;
        if (n != null) {
            return n;
        }
        int types = rowCounts[TYPEDEF];
        int[] enclosing = new int[types + 1];
        int[] fromRow = new int[types + 1];
        for (int row = 1; row <= rowCounts[NESTEDCLASS]; row++) {
            int nested = tableIndex(NESTEDCLASS, row, 0, TYPEDEF);
            int outer = tableIndex(NESTEDCLASS, row, 1, TYPEDEF);
            if (nested == 0 || outer == 0) {
                throw cellError(NESTEDCLASS, row, nested == 0 ? 0 : 1, "null TypeDef index");
            }
            if (nested == outer) {
                throw cellError(NESTEDCLASS, row, 1, "TypeDef row " + nested + " is nested in itself");
            }
            if (enclosing[nested] == 0) {
                enclosing[nested] = outer;
                fromRow[nested] = row;
            }
        }
        n = new int[][] {enclosing, fromRow};
        nesting = n;
        return n;
    }

    private int[] methodPtrIndex() {
        int[] index = methodPtrIndex;
        if (index != null) {
            return index;
        }
        index = new int[rowCounts[METHODDEF] + 1];
        for (int p = 1; p <= rowCounts[METHODPTR]; p++) {
            int m = tableIndex(METHODPTR, p, 0, METHODDEF);
            if (m != 0 && index[m] == 0) {
                index[m] = p;
            }
        }
        methodPtrIndex = index;
        return index;
    }

    private void checkTable(int table) {
        if (table < 0 || table >= 64) {
            throw new IllegalArgumentException("table id " + table + " is not in 0..63");
        }
    }

    private void checkSchemaTable(int table) {
        if (table < 0 || table >= MetadataTable.COUNT) {
            throw new IllegalArgumentException("table id " + table + " is not an ECMA-335 table (0x00..0x2C)");
        }
    }

    private void checkColumn(int table, int column) {
        checkSchemaTable(table);
        if (column < 0 || column >= columnOffsets[table].length) {
            throw new IllegalArgumentException(MetadataTable.name(table) + " has no column " + column);
        }
    }

    /** Row ids often come from other structures of the image, so a bad one is a format error. */
    private void checkRid(int table, int rid) {
        if (rid < 1 || rid > rowCounts[table]) {
            throw new FormatException(tableStructures[table], tableOffsets[table], "row " + rid
                    + " requested but the table has " + rowCounts[table] + " rows");
        }
    }

    private long rowOffset(int table, int rid) {
        return tableOffsets[table] + (long) (rid - 1) * rowSizes[table];
    }

    private long cellOffset(int table, int rid, int column) {
        return rowOffset(table, rid) + columnOffsets[table][column];
    }

    /** Reads a cell; rid must have been checked. */
    private int raw(int table, int rid, int column) {
        long at = cellOffset(table, rid, column);
        return columnWidths[table][column] == 2 ? file.u16(tableStructures[table], at)
                : file.i32(tableStructures[table], at);
    }

    private FormatException cellError(int table, int rid, int column, String problem) {
        return new FormatException(tableStructures[table] + " row " + rid, cellOffset(table, rid, column),
                "column " + TableSchema.columns(table)[column].name() + ": " + problem);
    }

    /** A coded index cell as a token (0 when null), its row checked against the target table. */
    private int codedToken(int table, int rid, int column) {
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
        return token(target, targetRid);
    }

    /** A simple table index cell, checked to be 0..rowCount(target). */
    private int tableIndex(int table, int rid, int column, int target) {
        long value = raw(table, rid, column) & 0xFFFFFFFFL;
        if (value > rowCounts[target]) {
            throw cellError(table, rid, column, "index " + value + " into " + MetadataTable.name(target)
                    + " but that table has " + rowCounts[target] + " rows");
        }
        return (int) value;
    }

    private FormatException heapError(Heap heap, long index, int table, int rid, int column, String problem) {
        if (table < 0) {
            long at = index < heap.size() ? heap.fileOffset() + index : heap.fileOffset();
            return new FormatException("Metadata " + heap.name(), at, problem);
        }
        return cellError(table, rid, column, problem);
    }

    private String heapString(int index, int table, int rid, int column) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return "";
        }
        if (idx >= strings.size()) {
            throw heapError(strings, idx, table, rid, column, "#Strings index 0x" + Long.toHexString(idx)
                    + " is past the end of the heap (size 0x" + Integer.toHexString(strings.size()) + ")");
        }
        int start = (int) (strings.fileOffset() + idx);
        int end = (int) (strings.fileOffset() + strings.size());
        int nul = start;
        while (nul < end && data[nul] != 0) {
            nul++;
        }
        if (nul == end) {
            throw heapError(strings, idx, table, rid, column, "string at #Strings index 0x" + Long.toHexString(idx)
                    + " (file offset 0x" + Integer.toHexString(start) + ") has no terminating NUL before the end of the heap");
        }
        return new String(data, start, nul - start, StandardCharsets.UTF_8);
    }

    private byte[] blobBytes(int index, int table, int rid, int column) {
        int[] span = blobSpan(index, table, rid, column);
        byte[] out = new byte[span[1]];
        System.arraycopy(data, span[0], out, 0, span[1]);
        return out;
    }

    /** {file offset of the blob's data, its length}. */
    private int[] blobSpan(int index, int table, int rid, int column) {
        long idx = index & 0xFFFFFFFFL;
        if (idx == 0) {
            return new int[] {(int) blobs.fileOffset(), 0};
        }
        if (idx >= blobs.size()) {
            throw heapError(blobs, idx, table, rid, column, "#Blob index 0x" + Long.toHexString(idx)
                    + " is past the end of the heap (size 0x" + Integer.toHexString(blobs.size()) + ")");
        }
        return heapBlob(blobs, idx, table, rid, column);
    }

    /** Decodes the compressed length of a #Blob/#US entry at a checked in-range index. */
    private int[] heapBlob(Heap heap, long idx, int table, int rid, int column) {
        int start = (int) (heap.fileOffset() + idx);
        int end = (int) (heap.fileOffset() + heap.size());
        int b0 = data[start] & 0xFF;
        int header;
        long length;
        if ((b0 & 0x80) == 0) {
            header = 1;
            length = b0;
        } else if ((b0 & 0xC0) == 0x80) {
            header = 2;
            if (start + 2 > end) {
                throw heapError(heap, idx, table, rid, column, heap.name() + " entry at index 0x" + Long.toHexString(idx)
                        + ": its length runs past the end of the heap");
            }
            length = (b0 & 0x3F) << 8 | (data[start + 1] & 0xFF);
        } else if ((b0 & 0xE0) == 0xC0) {
            header = 4;
            if (start + 4 > end) {
                throw heapError(heap, idx, table, rid, column, heap.name() + " entry at index 0x" + Long.toHexString(idx)
                        + ": its length runs past the end of the heap");
            }
            length = (long) (b0 & 0x1F) << 24 | (data[start + 1] & 0xFF) << 16 | (data[start + 2] & 0xFF) << 8
                    | (data[start + 3] & 0xFF);
        } else {
            throw heapError(heap, idx, table, rid, column, heap.name() + " entry at index 0x" + Long.toHexString(idx)
                    + String.format(" starts with 0x%02X, which is not a compressed length", b0));
        }
        if (start + header + length > end) {
            throw heapError(heap, idx, table, rid, column, heap.name() + " entry at index 0x" + Long.toHexString(idx)
                    + " (file offset 0x" + Integer.toHexString(start) + ") of " + length
                    + " bytes runs past the end of the heap (size 0x" + Integer.toHexString(heap.size()) + ")");
        }
        return new int[] {start + header, (int) length};
    }

    @Override
    public String toString() {
        return "Metadata[" + versionString + ", " + tableStreamName + ", " + rowCounts[TYPEDEF] + " types, "
                + rowCounts[METHODDEF] + " methods @0x" + Long.toHexString(fileOffset) + "]";
    }
}
