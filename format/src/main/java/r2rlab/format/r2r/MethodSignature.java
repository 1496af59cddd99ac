package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.MetadataTable;

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
public record MethodSignature(int flags, int module, TypeSignature ownerType, int ridOrSlot, List<TypeSignature> instantiation,
                              TypeSignature constraint) {
    public MethodSignature {
        instantiation = List.copyOf(instantiation);
    }

    /** A MethodDef of the signature's module, by rid, with {@code flags} (e.g. AsyncVariant). */
    public static MethodSignature methodDef(int flags, int rid) {
        if ((flags & (ReadyToRunMethodSigFlags.MemberRefToken | ReadyToRunMethodSigFlags.SlotInsteadOfToken
                | ReadyToRunMethodSigFlags.OwnerType | ReadyToRunMethodSigFlags.MethodInstantiation
                | ReadyToRunMethodSigFlags.Constrained | ReadyToRunMethodSigFlags.UpdateContext)) != 0) {
            throw new IllegalArgumentException(String.format("flags 0x%X need more than a MethodDef rid", flags));
        }
        return new MethodSignature(flags, 0, null, rid, List.of(), null);
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
            ownerType.write(w);
        }
        w.compressed(ridOrSlot);
        if (has(ReadyToRunMethodSigFlags.MethodInstantiation)) {
            w.compressed(instantiation.size());
            instantiation.forEach(t -> t.write(w));
        }
        if (has(ReadyToRunMethodSigFlags.Constrained)) {
            constraint.write(w);
        }
    }

    public static MethodSignature read(SignatureReader r) {
        int flags = r.readUInt();
        int module = (flags & ReadyToRunMethodSigFlags.UpdateContext) != 0 ? r.readUInt() : 0;
        TypeSignature owner = (flags & ReadyToRunMethodSigFlags.OwnerType) != 0 ? TypeSignature.read(r) : null;
        int ridOrSlot = r.readUInt();
        List<TypeSignature> inst = List.of();
        if ((flags & ReadyToRunMethodSigFlags.MethodInstantiation) != 0) {
            int n = TypeSignature.count(r);
            inst = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                inst.add(TypeSignature.read(r));
            }
        }
        TypeSignature constraint = (flags & ReadyToRunMethodSigFlags.Constrained) != 0 ? TypeSignature.read(r) : null;
        return new MethodSignature(flags, module, owner, ridOrSlot, inst, constraint);
    }
}
