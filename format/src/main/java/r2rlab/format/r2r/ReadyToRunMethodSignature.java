package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureCodec;
import r2rlab.format.metadata.SignatureType;

/**
 * A ReadyToRun method signature (r2r-format.md §2.4, ReadyToRunMethodSigFlags): flags, [the module
 * of the tokens when UpdateContext], [owner type], a MethodDef or MemberRef rid (or a vtable slot),
 * [method instantiation], [constraint type].
 *
 * @param module the UpdateContext module index; meaningful only when the flag is set
 * @param ownerType null unless OwnerType
 * @param ridOrSlot the token's rid, or the slot with SlotInsteadOfToken
 * @param instantiation empty unless MethodInstantiation
 * @param constraint null unless Constrained
 */
public record ReadyToRunMethodSignature(int flags, int module, SignatureType ownerType, int ridOrSlot, List<SignatureType> instantiation,
                              SignatureType constraint) {
    public ReadyToRunMethodSignature {
        instantiation = List.copyOf(instantiation);
    }

    /** A MethodDef of the signature's module, by rid, with {@code flags} (e.g. AsyncVariant). */
    public static ReadyToRunMethodSignature methodDef(int flags, int rid) {
        if ((flags & (ReadyToRunMethodSigFlags.MemberRefToken | ReadyToRunMethodSigFlags.SlotInsteadOfToken
                | ReadyToRunMethodSigFlags.OwnerType | ReadyToRunMethodSigFlags.MethodInstantiation
                | ReadyToRunMethodSigFlags.Constrained | ReadyToRunMethodSigFlags.UpdateContext)) != 0) {
            throw new IllegalArgumentException(String.format("flags 0x%X need more than a MethodDef rid", flags));
        }
        return new ReadyToRunMethodSignature(flags, 0, null, rid, List.of(), null);
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    public boolean isAsyncVariant() {
        return has(ReadyToRunMethodSigFlags.AsyncVariant);
    }

    /** The MethodDef or MemberRef token, or 0 when the signature names a slot. */
    public int token() {
        if (has(ReadyToRunMethodSigFlags.SlotInsteadOfToken)) {
            return 0;
        }
        return MetadataTable.token(has(ReadyToRunMethodSigFlags.MemberRefToken) ? MetadataTable.MEMBERREF : MetadataTable.METHODDEF,
                ridOrSlot);
    }

    public void write(SignatureWriter w) {
        w.compressed(flags);
        if (has(ReadyToRunMethodSigFlags.UpdateContext)) {
            w.compressed(module);
        }
        if (has(ReadyToRunMethodSigFlags.OwnerType)) {
            w.type(ownerType);
        }
        w.compressed(ridOrSlot);
        if (has(ReadyToRunMethodSigFlags.MethodInstantiation)) {
            w.compressed(instantiation.size());
            instantiation.forEach(w::type);
        }
        if (has(ReadyToRunMethodSigFlags.Constrained)) {
            w.type(constraint);
        }
    }

    public static ReadyToRunMethodSignature read(SignatureReader r) {
        int flags = r.readUInt();
        int module = (flags & ReadyToRunMethodSigFlags.UpdateContext) != 0 ? r.readUInt() : 0;
        SignatureType owner = (flags & ReadyToRunMethodSigFlags.OwnerType) != 0 ? SignatureCodec.readingReadyToRun(r).type() : null;
        int ridOrSlot = r.readUInt();
        List<SignatureType> inst = List.of();
        if ((flags & ReadyToRunMethodSigFlags.MethodInstantiation) != 0) {
            int n = r.readCount("method instantiation count");
            inst = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                inst.add(SignatureCodec.readingReadyToRun(r).type());
            }
        }
        SignatureType constraint = (flags & ReadyToRunMethodSigFlags.Constrained) != 0 ? SignatureCodec.readingReadyToRun(r).type() : null;
        return new ReadyToRunMethodSignature(flags, module, owner, ridOrSlot, inst, constraint);
    }
}
