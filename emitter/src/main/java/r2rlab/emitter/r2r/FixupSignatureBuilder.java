package r2rlab.emitter.r2r;

import java.io.ByteArrayOutputStream;
import r2rlab.format.CompressedInteger;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;

/**
 * Builds fixup signatures, the mirror of the loader's SignatureDecoder: a kind byte (with the
 * ModuleOverride bit and a compressed module index when the tokens live in another module), then
 * the kind's payload with ECMA-335 compressed integers.
 */
public final class FixupSignatureBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private FixupSignatureBuilder(ReadyToRunFixupKind kind, int moduleOverride) {
        if (moduleOverride > 0) {
            out.write(kind.value | ReadyToRunFixupKind.ModuleOverride);
            compressed(moduleOverride);
        } else {
            out.write(kind.value);
        }
    }

    public static FixupSignatureBuilder of(ReadyToRunFixupKind kind) {
        return new FixupSignatureBuilder(kind, 0);
    }

    /** A signature whose tokens live in module {@code module} (0 = this image). */
    public static FixupSignatureBuilder of(ReadyToRunFixupKind kind, int module) {
        return new FixupSignatureBuilder(kind, module);
    }

    /** ECMA-335 compressed unsigned integer (II.23.2). */
    public FixupSignatureBuilder compressed(int v) {
        CompressedInteger.write(out, v);
        return this;
    }

    public FixupSignatureBuilder raw(int b) {
        out.write(b);
        return this;
    }

    public FixupSignatureBuilder bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    public FixupSignatureBuilder u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    /** A method signature naming a MethodDef of the module by rid, with the given flags (e.g. AsyncVariant). */
    public FixupSignatureBuilder methodDef(int flags, int rid) {
        if ((flags & ReadyToRunMethodSigFlags.MemberRefToken) != 0) {
            throw new IllegalArgumentException("a MethodDef signature cannot carry MemberRefToken");
        }
        compressed(flags);
        return compressed(rid);
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
