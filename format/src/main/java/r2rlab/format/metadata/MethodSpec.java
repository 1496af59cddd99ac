package r2rlab.format.metadata;

/**
 * A MethodSpec row (II.22.29): {@code method} is a MethodDef or MemberRef token, {@code instantiation}
 * the MethodSpec signature blob (0x0A, argument count, argument types).
 */
public record MethodSpec(int rid, int method, byte[] instantiation) {
    public int token() {
        return MetadataTable.token(MetadataTable.METHODSPEC, rid);
    }
}
