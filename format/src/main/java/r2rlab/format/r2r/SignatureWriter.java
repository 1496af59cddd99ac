package r2rlab.format.r2r;

import java.io.ByteArrayOutputStream;
import r2rlab.format.CompressedInteger;
import r2rlab.format.metadata.SignatureCodec;
import r2rlab.format.metadata.SignatureType;

/** The writer side of {@link r2rlab.format.SignatureReader}: bytes, ECMA-335 compressed integers and raw u32s. */
public final class SignatureWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public SignatureWriter u8(int b) {
        out.write(b);
        return this;
    }

    public SignatureWriter compressed(int v) {
        CompressedInteger.write(out, v);
        return this;
    }

    public SignatureWriter u32(long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
        return this;
    }

    /** A type signature, as the signature codec writes it. */
    public SignatureWriter type(SignatureType t) {
        SignatureCodec.write(out, t);
        return this;
    }

    public SignatureWriter bytes(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    public int size() {
        return out.size();
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
