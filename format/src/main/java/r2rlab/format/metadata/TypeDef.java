package r2rlab.format.metadata;

/**
 * A TypeDef row (II.22.37). {@code extendsToken} is a TypeDef/TypeRef/TypeSpec token or 0 when the
 * type extends nothing; {@code fieldList}/{@code methodList} are the raw first indexes into Field and
 * MethodDef (or FieldPtr/MethodPtr when an uncompressed stream has them).
 */
public record TypeDef(int rid, int flags, String name, String namespace, int extendsToken, int fieldList,
        int methodList) {
    public int token() {
        return MetadataTable.token(MetadataTable.TYPEDEF, rid);
    }
}
