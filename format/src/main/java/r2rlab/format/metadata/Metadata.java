package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import java.util.List;
import java.util.UUID;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.TableSchema.AssemblyColumns;
import r2rlab.format.metadata.TableSchema.AssemblyRefColumns;
import r2rlab.format.metadata.TableSchema.FieldColumns;
import r2rlab.format.metadata.TableSchema.MemberRefColumns;
import r2rlab.format.metadata.TableSchema.MethodDefColumns;
import r2rlab.format.metadata.TableSchema.MethodSpecColumns;
import r2rlab.format.metadata.TableSchema.ModuleColumns;
import r2rlab.format.metadata.TableSchema.TypeDefColumns;
import r2rlab.format.metadata.TableSchema.TypeRefColumns;
import r2rlab.format.metadata.TableSchema.TypeSpecColumns;

/**
 * ECMA-335 metadata (II.24): the metadata root ({@link MetadataRoot}), the table stream ({@code #~},
 * or the uncompressed {@code #-} with its pointer tables; {@link MetadataTableStream}), the
 * {@code #Strings}, {@code #US}, {@code #GUID} and {@code #Blob} heaps ({@link MetadataHeaps}), and
 * the names of types and members ({@link MetadataNames}).
 *
 * <p>Construction validates the layout only (root, stream headers, row counts, that all tables fit
 * their stream); rows are read on demand from the file bytes. Every malformed input raises a
 * {@link FormatException} naming the structure and its file offset. Names are computed lazily and
 * cached; the caches tolerate concurrent use (at worst a name is computed twice).
 *
 * <p>Row ids ({@code rid}) are 1-based. Tokens are {@link MetadataTable#token}; a null reference is 0.
 * Column numbers are the constants of {@link TableSchema} ({@code MethodDefColumns.RVA}).
 */
public final class Metadata {
    private final long fileOffset;
    private final int size;
    private final MetadataRoot root;
    private final MetadataTableStream tables;
    private final MetadataHeaps heaps;
    private final MetadataNames names;

    /**
     * Parses the metadata whose root ("BSJB") is at {@code fileOffset} and spans {@code size} bytes of
     * {@code file} (the CLI header's MetaData directory, mapped to a file offset).
     */
    public static Metadata read(ByteReader file, long fileOffset, int size) {
        return new Metadata(file, fileOffset, size);
    }

    private Metadata(ByteReader file, long fileOffset, int size) {
        this.fileOffset = fileOffset;
        this.size = size;
        root = MetadataRoot.read(file, fileOffset, size);
        heaps = new MetadataHeaps(file, root, fileOffset);
        tables = new MetadataTableStream(file, root.tables, root.minimalDelta);
        names = new MetadataNames(file, tables, heaps);
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
        return root.majorVersion;
    }

    public int minorVersion() {
        return root.minorVersion;
    }

    /** The runtime version string of the root, e.g. "v4.0.30319". */
    public String versionString() {
        return root.versionString;
    }

    public List<MetadataStream> streams() {
        return root.streams;
    }

    /** "#~" or "#-" (uncompressed, edit-and-continue layout with pointer tables). */
    public String tableStreamName() {
        return tables.name;
    }

    public boolean isUncompressed() {
        return tables.name.equals(MetadataRoot.UNCOMPRESSED_TABLES);
    }

    public int tablesMajorVersion() {
        return tables.majorVersion;
    }

    public int tablesMinorVersion() {
        return tables.minorVersion;
    }

    /** The HeapSizes byte of the table stream header. */
    public int heapSizes() {
        return tables.heapSizes;
    }

    public long validMask() {
        return tables.validMask;
    }

    public long sortedMask() {
        return tables.sortedMask;
    }

    /** Number of rows of a table (0..63); 0 for absent tables. */
    public int rowCount(int table) {
        checkTable(table);
        return tables.rowCount(table);
    }

    /** Row size in bytes of an ECMA-335 table (0x00..0x2C). */
    public int rowSize(int table) {
        checkSchemaTable(table);
        return tables.rowSize(table);
    }

    /** File offset of the first row of a table. */
    public long tableFileOffset(int table) {
        checkTable(table);
        return tables.tableOffset(table);
    }

    /** Width in bytes (2 or 4) of a column of an ECMA-335 table. */
    public int columnWidth(int table, int column) {
        checkColumn(table, column);
        return tables.columnWidth(table, column);
    }

    /** File offset of a cell. */
    public long cellFileOffset(int table, int rid, int column) {
        checkColumn(table, column);
        tables.checkRid(table, rid);
        return tables.cellOffset(table, rid, column);
    }

    /**
     * The raw value of a cell; columns are numbered as in {@link TableSchema} (ECMA-335 II.22 order,
     * from 0). 4-byte values are returned as int bit patterns.
     */
    public int column(int table, int rid, int column) {
        checkColumn(table, column);
        tables.checkRid(table, rid);
        return tables.raw(table, rid, column);
    }

    // ---------------------------------------------------------------- heaps

    /** A #Strings entry; index 0 is the empty string. */
    public String string(int index) {
        return heaps.string(index, null);
    }

    /** A #Blob entry; index 0 is the empty blob. */
    public byte[] blob(int index) {
        return heaps.blob(index, null);
    }

    /** A #US entry (UTF-16 string, its trailing flag byte dropped); index 0 is the empty string. */
    public String userString(int index) {
        return heaps.userString(index);
    }

    /** A #GUID entry (1-based index), or null for index 0. */
    public UUID guid(int index) {
        return heaps.guid(index, null);
    }

    // ---------------------------------------------------------------- typed rows

    /** Module name (Module row 1), or "" when the table is empty. */
    public String moduleName() {
        return tables.rowCount(MODULE) == 0 ? "" : names.string(MODULE, 1, ModuleColumns.NAME);
    }

    /** Module version id (Module row 1), or null. */
    public UUID moduleMvid() {
        if (tables.rowCount(MODULE) == 0) {
            return null;
        }
        return heaps.guid(tables.raw(MODULE, 1, ModuleColumns.MVID), tables.site(MODULE, 1, ModuleColumns.MVID));
    }

    /** Assembly name (Assembly row 1), or null when the image has no Assembly row. */
    public String assemblyName() {
        return tables.rowCount(ASSEMBLY) == 0 ? null : names.string(ASSEMBLY, 1, AssemblyColumns.NAME);
    }

    public TypeDef typeDef(int rid) {
        tables.checkRid(TYPEDEF, rid);
        return new TypeDef(rid, tables.raw(TYPEDEF, rid, TypeDefColumns.FLAGS),
                names.string(TYPEDEF, rid, TypeDefColumns.TYPE_NAME),
                names.string(TYPEDEF, rid, TypeDefColumns.TYPE_NAMESPACE),
                tables.codedToken(TYPEDEF, rid, TypeDefColumns.EXTENDS),
                tables.raw(TYPEDEF, rid, TypeDefColumns.FIELD_LIST),
                tables.raw(TYPEDEF, rid, TypeDefColumns.METHOD_LIST));
    }

    public TypeRef typeRef(int rid) {
        tables.checkRid(TYPEREF, rid);
        return new TypeRef(rid, tables.codedToken(TYPEREF, rid, TypeRefColumns.RESOLUTION_SCOPE),
                names.string(TYPEREF, rid, TypeRefColumns.TYPE_NAME),
                names.string(TYPEREF, rid, TypeRefColumns.TYPE_NAMESPACE));
    }

    public MethodDef methodDef(int rid) {
        tables.checkRid(METHODDEF, rid);
        return new MethodDef(rid, tables.raw(METHODDEF, rid, MethodDefColumns.RVA),
                tables.raw(METHODDEF, rid, MethodDefColumns.IMPL_FLAGS),
                tables.raw(METHODDEF, rid, MethodDefColumns.FLAGS),
                names.string(METHODDEF, rid, MethodDefColumns.NAME), blob(METHODDEF, rid, MethodDefColumns.SIGNATURE),
                tables.raw(METHODDEF, rid, MethodDefColumns.PARAM_LIST));
    }

    /** MethodDef.ImplFlags; see {@link MethodImplAttributes}. */
    public int methodImplFlags(int rid) {
        return methodDefCell(rid, MethodDefColumns.IMPL_FLAGS);
    }

    /** MethodDef.Flags (MethodAttributes). */
    public int methodFlags(int rid) {
        return methodDefCell(rid, MethodDefColumns.FLAGS);
    }

    /** MethodDef.RVA (unsigned; 0 when the method has no IL body). */
    public int methodRva(int rid) {
        return methodDefCell(rid, MethodDefColumns.RVA);
    }

    /** MethodDef.ParamList: the raw first index into Param (or ParamPtr). */
    public int methodDefParamList(int rid) {
        return methodDefCell(rid, MethodDefColumns.PARAM_LIST);
    }

    private int methodDefCell(int rid, int column) {
        tables.checkRid(METHODDEF, rid);
        return tables.raw(METHODDEF, rid, column);
    }

    /** The decoded MethodDefSig of a MethodDef. */
    public MethodSignature methodDefSignature(int rid) {
        tables.checkRid(METHODDEF, rid);
        return names.codec(names.signature(METHODDEF, rid, MethodDefColumns.SIGNATURE, "signature")).methodSignature();
    }

    public MemberRef memberRef(int rid) {
        tables.checkRid(MEMBERREF, rid);
        return new MemberRef(rid, tables.codedToken(MEMBERREF, rid, MemberRefColumns.CLASS),
                names.string(MEMBERREF, rid, MemberRefColumns.NAME), blob(MEMBERREF, rid, MemberRefColumns.SIGNATURE));
    }

    public TypeSpec typeSpec(int rid) {
        tables.checkRid(TYPESPEC, rid);
        return new TypeSpec(rid, blob(TYPESPEC, rid, TypeSpecColumns.SIGNATURE));
    }

    /** The decoded type signature of a TypeSpec. */
    public SignatureType typeSpecSignature(int rid) {
        tables.checkRid(TYPESPEC, rid);
        return names.codec(names.signature(TYPESPEC, rid, TypeSpecColumns.SIGNATURE, "signature")).type();
    }

    public MethodSpec methodSpec(int rid) {
        tables.checkRid(METHODSPEC, rid);
        return new MethodSpec(rid, tables.codedToken(METHODSPEC, rid, MethodSpecColumns.METHOD),
                blob(METHODSPEC, rid, MethodSpecColumns.INSTANTIATION));
    }

    public String assemblyRefName(int rid) {
        tables.checkRid(ASSEMBLYREF, rid);
        return names.string(ASSEMBLYREF, rid, AssemblyRefColumns.NAME);
    }

    /** The name of a Field row. */
    public String fieldName(int rid) {
        return string(column(FIELD, rid, FieldColumns.NAME));
    }

    public String moduleRefName(int rid) {
        return names.moduleRefName(rid);
    }

    private byte[] blob(int table, int rid, int column) {
        return heaps.blob(tables.raw(table, rid, column), tables.site(table, rid, column));
    }

    /** The TypeDef that encloses TypeDef {@code rid} according to NestedClass, or 0 if it is not nested. */
    public int enclosingTypeDef(int rid) {
        return names.enclosingTypeDef(rid);
    }

    /**
     * The TypeDef whose MethodList range holds MethodDef {@code methodRid} (through MethodPtr when the
     * uncompressed stream has one), or 0 when no type lists the method.
     */
    public int methodDefOwner(int methodRid) {
        return names.methodDefOwner(methodRid);
    }

    // ---------------------------------------------------------------- names

    /** "Namespace.Type", nested types as "Namespace.Outer+Inner". */
    public String typeDefName(int rid) {
        return names.typeDefName(rid);
    }

    /** "Namespace.Type", nested types (ResolutionScope is a TypeRef) as "Namespace.Outer+Inner". */
    public String typeRefName(int rid) {
        return names.typeRefName(rid);
    }

    /**
     * The type a TypeSpec signature describes, e.g. "System.Collections.Generic.List`1<System.Int32>",
     * "System.Byte[]", "!0" for a type's generic parameter, "!!0" for a method's.
     */
    public String typeSpecName(int rid) {
        return names.typeSpecName(rid, 0);
    }

    /** The name of a TypeDef, TypeRef or TypeSpec token. */
    public String typeDefOrRefName(int token) {
        return names.typeDefOrRefName(token, 0);
    }

    /** "Namespace.Type.Method"; just the method name if no TypeDef lists the method. */
    public String methodDefName(int rid) {
        return names.methodDefName(rid);
    }

    /**
     * Owner name + "." + member name. The owner is rendered by {@link #typeDefOrRefName} for
     * TypeDef/TypeRef/TypeSpec parents, as the module name for ModuleRef parents, and as the owning
     * type of the method for MethodDef parents (vararg call sites).
     */
    public String memberRefName(int rid) {
        return names.memberRefName(rid);
    }

    /** The name of a MethodDef or MemberRef token ({@link #methodDefName} / {@link #memberRefName}). */
    public String methodDefOrRefName(int token) {
        return names.methodDefOrRefName(token);
    }

    /** The generic method instantiation, e.g. "System.Array.Empty&lt;System.Byte&gt;". */
    public String methodSpecName(int rid) {
        return names.methodSpecName(rid);
    }

    // ---------------------------------------------------------------- argument checks

    private static void checkTable(int table) {
        if (table < 0 || table >= MetadataTableStream.TABLE_BITS) {
            throw new IllegalArgumentException("table id " + table + " is not in 0..63");
        }
    }

    private static void checkSchemaTable(int table) {
        if (table < 0 || table >= MetadataTable.COUNT) {
            throw new IllegalArgumentException("table id " + table + " is not an ECMA-335 table (0x00..0x2C)");
        }
    }

    private void checkColumn(int table, int column) {
        checkSchemaTable(table);
        if (column < 0 || column >= tables.columnCount(table)) {
            throw new IllegalArgumentException(MetadataTable.name(table) + " has no column " + column);
        }
    }

    @Override
    public String toString() {
        return "Metadata[" + root.versionString + ", " + tables.name + ", " + tables.rowCount(TYPEDEF) + " types, "
                + tables.rowCount(METHODDEF) + " methods @0x" + Long.toHexString(fileOffset) + "]";
    }
}
