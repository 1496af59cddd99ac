package r2rlab.format.metadata;

/**
 * A TypeRef row (II.22.38). {@code resolutionScope} is a Module/ModuleRef/AssemblyRef/TypeRef token,
 * or 0 for a null scope (the type is then found through ExportedType).
 */
public record TypeRef(int rid, int resolutionScope, String name, String namespace) {
    public int token() {
        return MetadataTable.token(MetadataTable.TYPEREF, rid);
    }
}
