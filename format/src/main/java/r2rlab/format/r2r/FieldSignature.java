package r2rlab.format.r2r;

import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.MetadataTable;

/**
 * A ReadyToRun field signature (ReadyToRunFieldSigFlags): flags, [owner type], a FieldDef or
 * MemberRef rid.
 *
 * @param ownerType null unless OwnerType
 */
public record FieldSignature(int flags, TypeSignature ownerType, int rid) {
    public boolean isMemberRef() {
        return (flags & ReadyToRunFieldSigFlags.MemberRefToken) != 0;
    }

    public int token() {
        return MetadataTable.token(isMemberRef() ? MetadataTable.MEMBERREF : MetadataTable.FIELD, rid);
    }

    public void write(SignatureWriter w) {
        w.compressed(flags);
        if ((flags & ReadyToRunFieldSigFlags.OwnerType) != 0) {
            ownerType.write(w);
        }
        w.compressed(rid);
    }

    public static FieldSignature read(SignatureReader r) {
        int flags = r.readUInt();
        TypeSignature owner = (flags & ReadyToRunFieldSigFlags.OwnerType) != 0 ? TypeSignature.read(r) : null;
        return new FieldSignature(flags, owner, r.readUInt());
    }
}
