package r2rlab.format.metadata;

/**
 * A MethodDef row (II.22.26). {@code rva} is unsigned (0 for abstract, runtime or extern methods);
 * {@code signature} is the MethodDefSig blob; {@code paramList} the raw first index into Param (or
 * ParamPtr).
 */
public record MethodDef(int rid, int rva, int implFlags, int flags, String name, byte[] signature, int paramList) {
    public int token() {
        return MetadataTable.token(MetadataTable.METHODDEF, rid);
    }

    public boolean isAsync() {
        return (implFlags & MethodImplAttributes.ASYNC) != 0;
    }
}
