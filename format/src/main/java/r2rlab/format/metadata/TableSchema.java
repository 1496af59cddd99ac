package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

/** Column layouts of the ECMA-335 tables 0x00..0x2C (II.22), used to compute row sizes. */
final class TableSchema {
    /** Column kinds below zero; a kind 0..63 is a simple index into that table; see also {@link #coded}. */
    static final int U16 = -1;
    static final int U32 = -2;
    static final int STRING = -3;
    static final int GUID = -4;
    static final int BLOB = -5;
    private static final int CODED_BASE = 0x100;

    record Column(String name, int kind) {
        boolean isCoded() {
            return kind >= CODED_BASE;
        }

        CodedIndex codedIndex() {
            return CodedIndex.values()[kind - CODED_BASE];
        }
    }

    private static final Column[][] COLUMNS = new Column[MetadataTable.COUNT][];

    static int coded(CodedIndex c) {
        return CODED_BASE + c.ordinal();
    }

    private static Column c(String name, int kind) {
        return new Column(name, kind);
    }

    private static Column c(String name, CodedIndex kind) {
        return new Column(name, coded(kind));
    }

    private static void def(int table, Column... columns) {
        COLUMNS[table] = columns;
    }

    static {
        def(MODULE, c("Generation", U16), c("Name", STRING), c("Mvid", GUID), c("EncId", GUID), c("EncBaseId", GUID));
        def(TYPEREF, c("ResolutionScope", CodedIndex.RESOLUTION_SCOPE), c("TypeName", STRING), c("TypeNamespace", STRING));
        def(TYPEDEF, c("Flags", U32), c("TypeName", STRING), c("TypeNamespace", STRING),
                c("Extends", CodedIndex.TYPE_DEF_OR_REF), c("FieldList", FIELD), c("MethodList", METHODDEF));
        def(FIELDPTR, c("Field", FIELD));
        def(FIELD, c("Flags", U16), c("Name", STRING), c("Signature", BLOB));
        def(METHODPTR, c("Method", METHODDEF));
        def(METHODDEF, c("RVA", U32), c("ImplFlags", U16), c("Flags", U16), c("Name", STRING),
                c("Signature", BLOB), c("ParamList", PARAM));
        def(PARAMPTR, c("Param", PARAM));
        def(PARAM, c("Flags", U16), c("Sequence", U16), c("Name", STRING));
        def(INTERFACEIMPL, c("Class", TYPEDEF), c("Interface", CodedIndex.TYPE_DEF_OR_REF));
        def(MEMBERREF, c("Class", CodedIndex.MEMBER_REF_PARENT), c("Name", STRING), c("Signature", BLOB));
        // Type is one byte followed by a padding byte.
        def(CONSTANT, c("Type", U16), c("Parent", CodedIndex.HAS_CONSTANT), c("Value", BLOB));
        def(CUSTOMATTRIBUTE, c("Parent", CodedIndex.HAS_CUSTOM_ATTRIBUTE), c("Type", CodedIndex.CUSTOM_ATTRIBUTE_TYPE),
                c("Value", BLOB));
        def(FIELDMARSHAL, c("Parent", CodedIndex.HAS_FIELD_MARSHAL), c("NativeType", BLOB));
        def(DECLSECURITY, c("Action", U16), c("Parent", CodedIndex.HAS_DECL_SECURITY), c("PermissionSet", BLOB));
        def(CLASSLAYOUT, c("PackingSize", U16), c("ClassSize", U32), c("Parent", TYPEDEF));
        def(FIELDLAYOUT, c("Offset", U32), c("Field", FIELD));
        def(STANDALONESIG, c("Signature", BLOB));
        def(EVENTMAP, c("Parent", TYPEDEF), c("EventList", EVENT));
        def(EVENTPTR, c("Event", EVENT));
        def(EVENT, c("EventFlags", U16), c("Name", STRING), c("EventType", CodedIndex.TYPE_DEF_OR_REF));
        def(PROPERTYMAP, c("Parent", TYPEDEF), c("PropertyList", PROPERTY));
        def(PROPERTYPTR, c("Property", PROPERTY));
        def(PROPERTY, c("Flags", U16), c("Name", STRING), c("Type", BLOB));
        def(METHODSEMANTICS, c("Semantics", U16), c("Method", METHODDEF), c("Association", CodedIndex.HAS_SEMANTICS));
        def(METHODIMPL, c("Class", TYPEDEF), c("MethodBody", CodedIndex.METHOD_DEF_OR_REF),
                c("MethodDeclaration", CodedIndex.METHOD_DEF_OR_REF));
        def(MODULEREF, c("Name", STRING));
        def(TYPESPEC, c("Signature", BLOB));
        def(IMPLMAP, c("MappingFlags", U16), c("MemberForwarded", CodedIndex.MEMBER_FORWARDED),
                c("ImportName", STRING), c("ImportScope", MODULEREF));
        def(FIELDRVA, c("RVA", U32), c("Field", FIELD));
        def(ENCLOG, c("Token", U32), c("FuncCode", U32));
        def(ENCMAP, c("Token", U32));
        def(ASSEMBLY, c("HashAlgId", U32), c("MajorVersion", U16), c("MinorVersion", U16), c("BuildNumber", U16),
                c("RevisionNumber", U16), c("Flags", U32), c("PublicKey", BLOB), c("Name", STRING), c("Culture", STRING));
        def(ASSEMBLYPROCESSOR, c("Processor", U32));
        def(ASSEMBLYOS, c("OSPlatformID", U32), c("OSMajorVersion", U32), c("OSMinorVersion", U32));
        def(ASSEMBLYREF, c("MajorVersion", U16), c("MinorVersion", U16), c("BuildNumber", U16),
                c("RevisionNumber", U16), c("Flags", U32), c("PublicKeyOrToken", BLOB), c("Name", STRING),
                c("Culture", STRING), c("HashValue", BLOB));
        def(ASSEMBLYREFPROCESSOR, c("Processor", U32), c("AssemblyRef", ASSEMBLYREF));
        def(ASSEMBLYREFOS, c("OSPlatformID", U32), c("OSMajorVersion", U32), c("OSMinorVersion", U32),
                c("AssemblyRef", ASSEMBLYREF));
        def(FILE, c("Flags", U32), c("Name", STRING), c("HashValue", BLOB));
        def(EXPORTEDTYPE, c("Flags", U32), c("TypeDefId", U32), c("TypeName", STRING), c("TypeNamespace", STRING),
                c("Implementation", CodedIndex.IMPLEMENTATION));
        def(MANIFESTRESOURCE, c("Offset", U32), c("Flags", U32), c("Name", STRING),
                c("Implementation", CodedIndex.IMPLEMENTATION));
        def(NESTEDCLASS, c("NestedClass", TYPEDEF), c("EnclosingClass", TYPEDEF));
        def(GENERICPARAM, c("Number", U16), c("Flags", U16), c("Owner", CodedIndex.TYPE_OR_METHOD_DEF), c("Name", STRING));
        def(METHODSPEC, c("Method", CodedIndex.METHOD_DEF_OR_REF), c("Instantiation", BLOB));
        def(GENERICPARAMCONSTRAINT, c("Owner", GENERICPARAM), c("Constraint", CodedIndex.TYPE_DEF_OR_REF));
        for (int t = 0; t < COLUMNS.length; t++) {
            if (COLUMNS[t] == null) {
                throw new AssertionError("no schema for table " + t);
            }
        }
    }

    private TableSchema() {
    }

    /** Columns of an ECMA-335 table, or null for ids 0x2D..0x3F. */
    static Column[] columns(int table) {
        return table >= 0 && table < COLUMNS.length ? COLUMNS[table] : null;
    }
}
