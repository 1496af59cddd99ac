package r2rlab.emitter.r2r;

import java.util.List;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.FixupSignature;

/** A fixup signature's bytes and the relocations inside them (a ResumptionStubEntryPoint's stub RVA). */
public record SignatureData(byte[] bytes, List<Relocation> relocations) {
    public SignatureData {
        bytes = bytes.clone();
        relocations = List.copyOf(relocations);
    }

    public static SignatureData of(FixupSignature signature) {
        return of(signature.toByteArray());
    }

    public static SignatureData of(byte[] bytes) {
        return new SignatureData(bytes, List.of());
    }
}
