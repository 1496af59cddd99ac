package r2rlab.format.metadata;

/** A TypeSpec row (II.22.39): the type signature blob. */
public record TypeSpec(int rid, byte[] signature) {
    public int token() {
        return MetadataTable.token(MetadataTable.TYPESPEC, rid);
    }
}
