package r2rlab.emitter.r2r;

import java.util.Arrays;
import java.util.List;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.FixupSignature;

/**
 * The signature node of a ResumptionStubEntryPoint (0x38) fixup: the kind byte, then an ADDR32NB
 * relocation to the stub's code (ResumptionStubEntryPointSignature.cs). Like crossgen2's nodes it
 * is asked for its data twice: in the relocs-only dependency pass and in the emission pass.
 */
public final class ResumptionStubEntryPointSignature {
    private final String stubSymbol;
    private final boolean conditionalKindByte;

    /**
     * @param conditionalKindByte defect B5: emit the kind byte only outside relocs-only mode (the
     *     review claimed this shifts the relocation; only the relocation targets of that pass are used)
     */
    public ResumptionStubEntryPointSignature(String stubSymbol, boolean conditionalKindByte) {
        this.stubSymbol = stubSymbol;
        this.conditionalKindByte = conditionalKindByte;
    }

    public SignatureData getData(boolean relocsOnly) {
        byte[] full = FixupSignature.ResumptionStubEntryPoint.of(0).toByteArray();
        // Defect B5 leaves the kind byte out in the relocs-only pass: the payload alone, the RVA at 0.
        byte[] bytes = conditionalKindByte && relocsOnly ? Arrays.copyOfRange(full, 1, full.length) : full;
        // The stub's RVA is the signature's last four bytes, filled in by an ADDR32NB relocation.
        return new SignatureData(bytes, List.of(new Relocation(bytes.length - 4, RelocType.IMAGE_REL_BASED_ADDR32NB, stubSymbol, 0)));
    }

    /** What the dependency pass learns: the symbols the signature refers to. */
    public List<String> dependencies() {
        return getData(true).relocations().stream().map(Relocation::symbol).toList();
    }
}
