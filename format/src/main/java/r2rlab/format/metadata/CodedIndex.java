package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

/**
 * ECMA-335 II.24.2.6 coded indexes: the low {@link #tagBits()} bits select one of
 * {@link #tables()} (-1 marks a tag value that no table uses), the rest is the row id.
 */
public enum CodedIndex {
    TYPE_DEF_OR_REF("TypeDefOrRef", 2, TYPEDEF, TYPEREF, TYPESPEC),
    HAS_CONSTANT("HasConstant", 2, FIELD, PARAM, PROPERTY),
    HAS_CUSTOM_ATTRIBUTE("HasCustomAttribute", 5, METHODDEF, FIELD, TYPEREF, TYPEDEF, PARAM, INTERFACEIMPL,
            MEMBERREF, MODULE, DECLSECURITY, PROPERTY, EVENT, STANDALONESIG, MODULEREF, TYPESPEC, ASSEMBLY,
            ASSEMBLYREF, FILE, EXPORTEDTYPE, MANIFESTRESOURCE, GENERICPARAM, GENERICPARAMCONSTRAINT, METHODSPEC),
    HAS_FIELD_MARSHAL("HasFieldMarshal", 1, FIELD, PARAM),
    HAS_DECL_SECURITY("HasDeclSecurity", 2, TYPEDEF, METHODDEF, ASSEMBLY),
    MEMBER_REF_PARENT("MemberRefParent", 3, TYPEDEF, TYPEREF, MODULEREF, METHODDEF, TYPESPEC),
    HAS_SEMANTICS("HasSemantics", 1, EVENT, PROPERTY),
    METHOD_DEF_OR_REF("MethodDefOrRef", 1, METHODDEF, MEMBERREF),
    MEMBER_FORWARDED("MemberForwarded", 1, FIELD, METHODDEF),
    IMPLEMENTATION("Implementation", 2, FILE, ASSEMBLYREF, EXPORTEDTYPE),
    CUSTOM_ATTRIBUTE_TYPE("CustomAttributeType", 3, -1, -1, METHODDEF, MEMBERREF, -1),
    RESOLUTION_SCOPE("ResolutionScope", 2, MODULE, MODULEREF, ASSEMBLYREF, TYPEREF),
    TYPE_OR_METHOD_DEF("TypeOrMethodDef", 1, TYPEDEF, METHODDEF);

    private final String ecmaName;
    private final int tagBits;
    private final int[] tables;

    CodedIndex(String ecmaName, int tagBits, int... tables) {
        this.ecmaName = ecmaName;
        this.tagBits = tagBits;
        this.tables = tables;
    }

    public String ecmaName() {
        return ecmaName;
    }

    public int tagBits() {
        return tagBits;
    }

    /** Tables by tag value; -1 for tag values that select no table. */
    public int[] tables() {
        return tables.clone();
    }

    int tableCount() {
        return tables.length;
    }

    int tableAt(int tag) {
        return tables[tag];
    }

    /** The table a raw coded value selects, or -1 when its tag selects no table. */
    public int tableOf(int coded) {
        int tag = coded & ((1 << tagBits) - 1);
        return tag < tables.length ? tables[tag] : -1;
    }

    /** The row id of a raw coded value. */
    public int ridOf(int coded) {
        return coded >>> tagBits;
    }

    /**
     * The token of a raw coded value, 0 for a null reference (row id 0), or -1 when the tag selects
     * no table or the row id does not fit a token.
     */
    public int decode(int coded) {
        int table = tableOf(coded);
        int rid = ridOf(coded);
        if (table < 0 || rid > MAX_RID) {
            return -1;
        }
        return rid == 0 ? 0 : MetadataTable.token(table, rid);
    }

    /**
     * The raw coded value of a token ({@code rid << tagBits | tag}), 0 for the null token; the
     * mirror of {@link #decode}.
     *
     * @throws IllegalArgumentException when the token's table is not one this coded index selects
     */
    public int encode(int token) {
        if (token == 0) {
            return 0;
        }
        int table = table(token);
        for (int tag = 0; tag < tables.length; tag++) {
            if (tables[tag] == table) {
                return rid(token) << tagBits | tag;
            }
        }
        throw new IllegalArgumentException(describe(token) + " cannot be a " + ecmaName + " coded index");
    }
}
