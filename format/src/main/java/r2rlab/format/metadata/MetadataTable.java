package r2rlab.format.metadata;

/**
 * ECMA-335 (II.22) metadata table ids, which are also the high byte of a metadata token
 * ({@code table << 24 | rid}), plus small token helpers.
 */
public final class MetadataTable {
    public static final int MODULE = 0x00;
    public static final int TYPEREF = 0x01;
    public static final int TYPEDEF = 0x02;
    /** Uncompressed (#-) streams only: indirection for TypeDef.FieldList. */
    public static final int FIELDPTR = 0x03;
    public static final int FIELD = 0x04;
    /** Uncompressed (#-) streams only: indirection for TypeDef.MethodList. */
    public static final int METHODPTR = 0x05;
    public static final int METHODDEF = 0x06;
    /** Uncompressed (#-) streams only: indirection for MethodDef.ParamList. */
    public static final int PARAMPTR = 0x07;
    public static final int PARAM = 0x08;
    public static final int INTERFACEIMPL = 0x09;
    public static final int MEMBERREF = 0x0A;
    public static final int CONSTANT = 0x0B;
    public static final int CUSTOMATTRIBUTE = 0x0C;
    public static final int FIELDMARSHAL = 0x0D;
    public static final int DECLSECURITY = 0x0E;
    public static final int CLASSLAYOUT = 0x0F;
    public static final int FIELDLAYOUT = 0x10;
    public static final int STANDALONESIG = 0x11;
    public static final int EVENTMAP = 0x12;
    /** Uncompressed (#-) streams only: indirection for EventMap.EventList. */
    public static final int EVENTPTR = 0x13;
    public static final int EVENT = 0x14;
    public static final int PROPERTYMAP = 0x15;
    /** Uncompressed (#-) streams only: indirection for PropertyMap.PropertyList. */
    public static final int PROPERTYPTR = 0x16;
    public static final int PROPERTY = 0x17;
    public static final int METHODSEMANTICS = 0x18;
    public static final int METHODIMPL = 0x19;
    public static final int MODULEREF = 0x1A;
    public static final int TYPESPEC = 0x1B;
    public static final int IMPLMAP = 0x1C;
    public static final int FIELDRVA = 0x1D;
    public static final int ENCLOG = 0x1E;
    public static final int ENCMAP = 0x1F;
    public static final int ASSEMBLY = 0x20;
    public static final int ASSEMBLYPROCESSOR = 0x21;
    public static final int ASSEMBLYOS = 0x22;
    public static final int ASSEMBLYREF = 0x23;
    public static final int ASSEMBLYREFPROCESSOR = 0x24;
    public static final int ASSEMBLYREFOS = 0x25;
    public static final int FILE = 0x26;
    public static final int EXPORTEDTYPE = 0x27;
    public static final int MANIFESTRESOURCE = 0x28;
    public static final int NESTEDCLASS = 0x29;
    public static final int GENERICPARAM = 0x2A;
    public static final int METHODSPEC = 0x2B;
    public static final int GENERICPARAMCONSTRAINT = 0x2C;

    /** Number of ECMA-335 tables (0x00..0x2C); table bits above that have no known row layout. */
    public static final int COUNT = 0x2D;

    /** Not a table: the token type of a #US heap string ({@code ldstr}), whose "row id" is its heap index. */
    public static final int USER_STRING = 0x70;

    /** Largest row id: the low 24 bits of a token. */
    public static final int MAX_RID = 0xFFFFFF;
    private static final int TABLE_SHIFT = 24;

    private static final String[] NAMES = {
        "Module", "TypeRef", "TypeDef", "FieldPtr", "Field", "MethodPtr", "MethodDef", "ParamPtr",
        "Param", "InterfaceImpl", "MemberRef", "Constant", "CustomAttribute", "FieldMarshal", "DeclSecurity", "ClassLayout",
        "FieldLayout", "StandAloneSig", "EventMap", "EventPtr", "Event", "PropertyMap", "PropertyPtr", "Property",
        "MethodSemantics", "MethodImpl", "ModuleRef", "TypeSpec", "ImplMap", "FieldRVA", "EncLog", "EncMap",
        "Assembly", "AssemblyProcessor", "AssemblyOS", "AssemblyRef", "AssemblyRefProcessor", "AssemblyRefOS", "File", "ExportedType",
        "ManifestResource", "NestedClass", "GenericParam", "MethodSpec", "GenericParamConstraint",
    };

    private MetadataTable() {
    }

    /** The ECMA-335 name of a table ("TypeDef"), or "Table0x2F" for ids without one. */
    public static String name(int table) {
        if (table >= 0 && table < NAMES.length) {
            return NAMES[table];
        }
        return "Table0x" + Integer.toHexString(table).toUpperCase();
    }

    /** Builds a token {@code table << 24 | rid}. */
    public static int token(int table, int rid) {
        return table << TABLE_SHIFT | (rid & MAX_RID);
    }

    /** The table id of a token (its high byte). */
    public static int table(int token) {
        return token >>> TABLE_SHIFT;
    }

    /** The row id of a token (its low 24 bits). */
    public static int rid(int token) {
        return token & MAX_RID;
    }

    /** "TypeDef[0x02000005]" style rendering of a token, for messages. */
    public static String describe(int token) {
        return name(table(token)) + "[0x" + String.format("%08X", token) + "]";
    }
}
