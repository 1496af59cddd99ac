package r2rlab.format.metadata;

/**
 * A MemberRef row (II.22.25). {@code parent} is a TypeDef/TypeRef/ModuleRef/MethodDef/TypeSpec token
 * (0 if null); {@code signature} is the MethodRefSig or FieldSig blob.
 */
public record MemberRef(int rid, int parent, String name, byte[] signature) {
    public int token() {
        return MetadataTable.token(MetadataTable.MEMBERREF, rid);
    }

    /** True when the signature is a FieldSig (calling convention FIELD). */
    public boolean isField() {
        return signature.length > 0 && CallingConvention.kind(signature[0]) == CallingConvention.FIELD;
    }
}
