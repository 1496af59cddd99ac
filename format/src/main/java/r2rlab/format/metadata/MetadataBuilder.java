package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import r2rlab.format.metadata.TableSchema.NestedClassColumns;

/**
 * Builds ECMA-335 metadata (II.24) — the mirror of {@link Metadata}: rows are added with the
 * {@code add*} methods (each returns the new row's token), heap entries are interned, and
 * {@link #toByteArray()} serializes the metadata root ("BSJB", version "v4.0.30319"), the
 * {@code #~} stream and the {@code #Strings}, {@code #US}, {@code #GUID} and {@code #Blob} heaps.
 *
 * <p>Column layouts come from {@link TableSchema}, the root from {@link MetadataRoot}, the table
 * stream header and column widths from {@link MetadataTableStream}, heap entries from
 * {@link MetadataHeaps}: the same definitions the reader uses. Row values are given in column
 * order. Ownership follows the order of calls: a MethodDef or Field belongs to the last TypeDef
 * added before it, a Param to the last MethodDef. NestedClass is sorted by nested type on output.
 * The output depends only on the sequence of calls (deterministic).
 *
 * <p>Coded-index columns take tokens ({@link MetadataTable#token}, 0 for null); their table and row
 * are checked when serializing.
 */
public final class MetadataBuilder {
    /** The runtime version string written into the metadata root. */
    public static final String VERSION_STRING = "v4.0.30319";
    /** CALG_SHA1, the hash algorithm of the Assembly row. */
    public static final int HASH_ALGORITHM_SHA1 = 0x8004;

    /** Heaps of this many bytes or more are indexed with 4 bytes. */
    static final int WIDE_HEAP_SIZE = 0x10000;

    /** Tables ECMA-335 II.22 requires to be sorted; the conventional Sorted mask (0x16003301FA00). */
    static final long SORTED_MASK = bits(INTERFACEIMPL, CONSTANT, CUSTOMATTRIBUTE, FIELDMARSHAL, DECLSECURITY,
            CLASSLAYOUT, FIELDLAYOUT, METHODSEMANTICS, METHODIMPL, IMPLMAP, FIELDRVA, NESTEDCLASS, GENERICPARAM,
            GENERICPARAMCONSTRAINT);

    @SuppressWarnings("unchecked")
    private final List<int[]>[] rows = new List[MetadataTable.COUNT];

    private final ByteArrayOutputStream stringHeap = new ByteArrayOutputStream();
    private final Map<String, Integer> stringIndex = new HashMap<>();
    private final ByteArrayOutputStream userStringHeap = new ByteArrayOutputStream();
    private final Map<String, Integer> userStringIndex = new HashMap<>();
    private final ByteArrayOutputStream guidHeap = new ByteArrayOutputStream();
    private final Map<UUID, Integer> guidIndex = new HashMap<>();
    private final ByteArrayOutputStream blobHeap = new ByteArrayOutputStream();
    private final Map<ByteBuffer, Integer> blobIndex = new HashMap<>();

    public MetadataBuilder() {
        for (int t = 0; t < rows.length; t++) {
            rows[t] = new ArrayList<>();
        }
        stringHeap.write(0);
        stringIndex.put("", 0);
        userStringHeap.write(0);
        userStringIndex.put("", 0);
        blobHeap.write(0);
        blobIndex.put(ByteBuffer.wrap(new byte[0]), 0);
    }

    // ---------------------------------------------------------------- heaps

    /** Interns a #Strings entry (UTF-8, NUL-terminated) and returns its index; "" is index 0. */
    public int string(String value) {
        Integer index = stringIndex.get(value);
        if (index != null) {
            return index;
        }
        int at = stringHeap.size();
        MetadataHeaps.writeString(stringHeap, value);
        stringIndex.put(value, at);
        return at;
    }

    /** Interns a #Blob entry (compressed length + bytes) and returns its index; the empty blob is index 0. */
    public int blob(byte[] value) {
        ByteBuffer key = ByteBuffer.wrap(value.clone());
        Integer index = blobIndex.get(key);
        if (index != null) {
            return index;
        }
        int at = blobHeap.size();
        MetadataHeaps.writeBlob(blobHeap, value);
        blobIndex.put(key, at);
        return at;
    }

    /**
     * Interns a #US entry (compressed length, UTF-16LE chars, the II.24.2.4 trailing byte) and returns
     * its index; "" is index 0. The user-string token is {@code token(MetadataTable.USER_STRING, index)}.
     */
    public int userString(String value) {
        Integer index = userStringIndex.get(value);
        if (index != null) {
            return index;
        }
        int at = userStringHeap.size();
        MetadataHeaps.writeUserString(userStringHeap, value);
        userStringIndex.put(value, at);
        return at;
    }

    /** Interns a #GUID entry and returns its 1-based index; null is index 0. */
    public int guid(UUID value) {
        if (value == null) {
            return 0;
        }
        Integer index = guidIndex.get(value);
        if (index != null) {
            return index;
        }
        MetadataHeaps.writeGuid(guidHeap, value);
        int at = MetadataHeaps.guidCount(guidHeap);
        guidIndex.put(value, at);
        return at;
    }

    // ---------------------------------------------------------------- rows

    /** The Module row (exactly one is required): Generation 0, Name, Mvid, no EnC ids. */
    public int addModule(String name, UUID mvid) {
        if (!rows[MODULE].isEmpty()) {
            throw new IllegalStateException("the Module table already has its row");
        }
        return add(MODULE, 0, string(name), guid(mvid), 0, 0);
    }

    /** The Assembly row: SHA1 hash algorithm, no public key, neutral culture. */
    public int addAssembly(String name, int major, int minor, int build, int revision, int flags) {
        if (!rows[ASSEMBLY].isEmpty()) {
            throw new IllegalStateException("the Assembly table already has its row");
        }
        return add(ASSEMBLY, HASH_ALGORITHM_SHA1, u16(major), u16(minor), u16(build), u16(revision), flags,
                0, string(name), 0);
    }

    /** An AssemblyRef row; {@code publicKeyOrToken} may be empty. Neutral culture, no hash value. */
    public int addAssemblyRef(String name, int major, int minor, int build, int revision, int flags,
            byte[] publicKeyOrToken) {
        return add(ASSEMBLYREF, u16(major), u16(minor), u16(build), u16(revision), flags, blob(publicKeyOrToken),
                string(name), 0, 0);
    }

    /** A ModuleRef row: a module named by {@code name} (the native manifest module's scopes, e.g. "System.Private.CoreLib"). */
    public int addModuleRef(String name) {
        return add(MODULEREF, string(name));
    }

    /** A TypeRef; {@code resolutionScope} is a Module, ModuleRef, AssemblyRef or TypeRef token (or 0). */
    public int addTypeRef(int resolutionScope, String namespace, String name) {
        return add(TYPEREF, resolutionScope, string(name), string(namespace));
    }

    /**
     * A TypeDef; {@code extendsType} is a TypeDef, TypeRef or TypeSpec token, or 0. Fields and methods
     * added afterwards (until the next TypeDef) belong to it. The first TypeDef should be
     * {@code <Module>} ({@link #addModuleType()}).
     */
    public int addTypeDef(int flags, String namespace, String name, int extendsType) {
        return add(TYPEDEF, flags, string(name), string(namespace), extendsType, rows[FIELD].size() + 1,
                rows[METHODDEF].size() + 1);
    }

    /** The {@code <Module>} type: flags 0, no namespace, extends nothing. */
    public int addModuleType() {
        return addTypeDef(0, "", "<Module>", 0);
    }

    /** A Field of the last TypeDef; {@code signature} is a FieldSig blob. */
    public int addField(int flags, String name, byte[] signature) {
        requireRows(TYPEDEF, "a Field");
        return add(FIELD, u16(flags), string(name), blob(signature));
    }

    /**
     * A MethodDef of the last TypeDef. {@code rva} is the IL body's RVA or 0; {@code implFlags} are
     * {@link MethodImplAttributes}; {@code signature} is a MethodDefSig blob. Params added afterwards
     * (until the next MethodDef) belong to it.
     */
    public int addMethodDef(int rva, int implFlags, int flags, String name, byte[] signature) {
        requireRows(TYPEDEF, "a MethodDef");
        return add(METHODDEF, rva, u16(implFlags), u16(flags), string(name), blob(signature),
                rows[PARAM].size() + 1);
    }

    /** A Param of the last MethodDef ({@code sequence} 0 is the return value); add them in sequence order. */
    public int addParam(int flags, int sequence, String name) {
        requireRows(METHODDEF, "a Param");
        return add(PARAM, u16(flags), u16(sequence), string(name));
    }

    /** A MemberRef; {@code parent} is a TypeDef, TypeRef, ModuleRef, MethodDef or TypeSpec token. */
    public int addMemberRef(int parent, String name, byte[] signature) {
        return add(MEMBERREF, parent, string(name), blob(signature));
    }

    /** A TypeSpec with a type signature blob (see {@link MetadataBuilderSignatures#typeSpec}). */
    public int addTypeSpec(byte[] signature) {
        return add(TYPESPEC, blob(signature));
    }

    /** A StandAloneSig (e.g. a LOCAL_SIG blob). */
    public int addStandAloneSig(byte[] signature) {
        return add(STANDALONESIG, blob(signature));
    }

    /** A NestedClass row; both are TypeDef tokens. The table is sorted by nested type on output. */
    public int addNestedClass(int nested, int enclosing) {
        return add(NESTEDCLASS, typeDefRid(nested), typeDefRid(enclosing));
    }

    /** Rows added so far to a table. */
    public int rowCount(int table) {
        return rows[table].size();
    }

    private int add(int table, int... values) {
        if (values.length != TableSchema.columns(table).length) {
            throw new AssertionError(MetadataTable.name(table) + " row has " + values.length + " values");
        }
        if (rows[table].size() >= MAX_RID) {
            throw new IllegalStateException(MetadataTable.name(table) + " table is full");
        }
        rows[table].add(values);
        return token(table, rows[table].size());
    }

    private void requireRows(int table, String what) {
        if (rows[table].isEmpty()) {
            throw new IllegalStateException(what + " needs a " + MetadataTable.name(table) + " row to belong to");
        }
    }

    private static int typeDefRid(int token) {
        if (table(token) != TYPEDEF || rid(token) == 0) {
            throw new IllegalArgumentException("not a TypeDef token: 0x" + Integer.toHexString(token));
        }
        return rid(token);
    }

    private static int u16(int value) {
        if (value < 0 || value > 0xFFFF) {
            throw new IllegalArgumentException("value " + value + " does not fit 16 bits");
        }
        return value;
    }

    // ---------------------------------------------------------------- serialization

    /** Serializes the complete metadata, starting with its "BSJB" root. */
    public byte[] toByteArray() {
        if (rows[MODULE].size() != 1) {
            throw new IllegalStateException("metadata needs exactly one Module row");
        }
        byte[] strings = padded(stringHeap);
        byte[] userStrings = padded(userStringHeap);
        byte[] guids = guidHeap.toByteArray();
        byte[] blobs = padded(blobHeap);
        int heapSizes = (strings.length >= WIDE_HEAP_SIZE ? MetadataTableStream.HEAP_STRINGS_WIDE : 0)
                | (guids.length >= WIDE_HEAP_SIZE ? MetadataTableStream.HEAP_GUID_WIDE : 0)
                | (blobs.length >= WIDE_HEAP_SIZE ? MetadataTableStream.HEAP_BLOB_WIDE : 0);
        Map<String, byte[]> streams = new LinkedHashMap<>();
        streams.put(MetadataRoot.COMPRESSED_TABLES, tableStream(heapSizes));
        streams.put(MetadataRoot.STRINGS, strings);
        streams.put(MetadataRoot.USER_STRINGS, userStrings);
        streams.put(MetadataRoot.GUIDS, guids);
        streams.put(MetadataRoot.BLOBS, blobs);
        return MetadataRoot.write(VERSION_STRING, streams);
    }

    private byte[] tableStream(int heapSizes) {
        int[] counts = new int[MetadataTableStream.TABLE_BITS];
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            counts[t] = rows[t].size();
        }
        int nestedColumn = NestedClassColumns.NESTED_CLASS;
        List<int[]> nested = new ArrayList<>(rows[NESTEDCLASS]);
        nested.sort(Comparator.comparingInt(r -> r[nestedColumn]));
        for (int i = 1; i < nested.size(); i++) {
            if (nested.get(i)[nestedColumn] == nested.get(i - 1)[nestedColumn]) {
                throw new IllegalStateException("TypeDef row " + nested.get(i)[nestedColumn]
                        + " has two NestedClass rows");
            }
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MetadataTableStream.writeHeader(out, heapSizes, SORTED_MASK, counts);
        int[] heapLimits = new int[] {stringHeap.size(), MetadataHeaps.guidCount(guidHeap), blobHeap.size()};
        for (int t = 0; t < MetadataTable.COUNT; t++) {
            TableSchema.Column[] columns = TableSchema.columns(t);
            int[] widths = new int[columns.length];
            for (int c = 0; c < columns.length; c++) {
                widths[c] = MetadataTableStream.columnWidth(columns[c], counts, heapSizes, false);
            }
            List<int[]> tableRows = t == NESTEDCLASS ? nested : rows[t];
            for (int r = 0; r < tableRows.size(); r++) {
                int[] row = tableRows.get(r);
                for (int c = 0; c < columns.length; c++) {
                    int value = cellValue(t, r + 1, columns[c], row[c], counts, heapLimits);
                    if (widths[c] == 2) {
                        writeU16(out, value);
                    } else {
                        writeU32(out, value);
                    }
                }
            }
        }
        while (out.size() % 4 != 0) {
            out.write(0);
        }
        return out.toByteArray();
    }

    /** Validates a stored cell and converts tokens of coded columns to coded values. */
    private static int cellValue(int table, int rid, TableSchema.Column column, int value, int[] counts,
            int[] heapLimits) {
        int kind = column.kind();
        String where = MetadataTable.name(table) + " row " + rid + " column " + column.name();
        switch (kind) {
            case TableSchema.U16, TableSchema.U32:
                return value;
            case TableSchema.STRING:
                return checkHeap(where, value, heapLimits[0], "#Strings");
            case TableSchema.GUID:
                return checkHeap(where, value, heapLimits[1] + 1, "#GUID");
            case TableSchema.BLOB:
                return checkHeap(where, value, heapLimits[2], "#Blob");
            default:
                break;
        }
        if (column.isCoded()) {
            if (value != 0 && rid(value) > counts[table(value)]) {
                throw new IllegalStateException(where + ": " + describe(value) + " refers past the end of "
                        + MetadataTable.name(table(value)) + " (" + counts[table(value)] + " rows)");
            }
            try {
                return column.codedIndex().encode(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(where + ": " + e.getMessage(), e);
            }
        }
        // Simple index; list columns (FieldList, MethodList, ParamList, ...) may be rowCount + 1.
        if (value < 0 || value > counts[kind] + 1) {
            throw new IllegalStateException(where + ": index " + value + " into " + MetadataTable.name(kind)
                    + " (" + counts[kind] + " rows)");
        }
        return value;
    }

    private static int checkHeap(String where, int value, int limit, String heap) {
        if (value < 0 || value >= Math.max(limit, 1)) {
            throw new IllegalStateException(where + ": " + heap + " index " + value + " out of range");
        }
        return value;
    }

    private static byte[] padded(ByteArrayOutputStream heap) {
        byte[] b = heap.toByteArray();
        int size = (b.length + 3) & ~3;
        if (size == b.length) {
            return b;
        }
        byte[] p = new byte[size];
        System.arraycopy(b, 0, p, 0, b.length);
        return p;
    }

    private static long bits(int... tables) {
        long mask = 0;
        for (int t : tables) {
            mask |= 1L << t;
        }
        return mask;
    }

    static void writeU16(ByteArrayOutputStream out, int value) {
        out.write(value & 0xFF);
        out.write(value >>> 8 & 0xFF);
    }

    static void writeU32(ByteArrayOutputStream out, int value) {
        writeU16(out, value);
        writeU16(out, value >>> 16);
    }

    static void writeU64(ByteArrayOutputStream out, long value) {
        writeU32(out, (int) value);
        writeU32(out, (int) (value >>> 32));
    }
}
