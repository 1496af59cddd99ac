package r2rlab.format.r2r;

import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureCodec;
import r2rlab.format.metadata.SignatureType;

/**
 * A ReadyToRun field signature (ReadyToRunFieldSigFlags): flags, [owner type], a FieldDef or
 * MemberRef rid.
 *
 * @param ownerType null unless OwnerType
 */
public record ReadyToRunFieldSignature(int flags, SignatureType ownerType, int rid) {
    public boolean isMemberRef() {
        return (flags & ReadyToRunFieldSigFlags.MemberRefToken) != 0;
    }

    public int token() {
        return MetadataTable.token(isMemberRef() ? MetadataTable.MEMBERREF : MetadataTable.FIELD, rid);
    }

    public void write(SignatureWriter w) {
        w.compressed(flags);
        if ((flags & ReadyToRunFieldSigFlags.OwnerType) != 0) {
            w.type(ownerType);
        }
        w.compressed(rid);
    }

    public static ReadyToRunFieldSignature read(SignatureReader r) {
        int flags = r.readUInt();
        SignatureType owner = (flags & ReadyToRunFieldSigFlags.OwnerType) != 0 ? SignatureCodec.readingReadyToRun(r).type() : null;
        return new ReadyToRunFieldSignature(flags, owner, r.readUInt());
    }
}
