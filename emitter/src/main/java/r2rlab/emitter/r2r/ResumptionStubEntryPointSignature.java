package r2rlab.emitter.r2r;

import java.util.List;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.ReadyToRunFixupKind;

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
        boolean kindByte = !(conditionalKindByte && relocsOnly);
        byte[] bytes = new byte[kindByte ? 5 : 4];
        if (kindByte) {
            bytes[0] = (byte) ReadyToRunFixupKind.ResumptionStubEntryPoint.value;
        }
        return new SignatureData(bytes, List.of(new Relocation(kindByte ? 1 : 0, RelocType.IMAGE_REL_BASED_ADDR32NB, stubSymbol, 0)));
    }

    /** What the dependency pass learns: the symbols the signature refers to. */
    public List<String> dependencies() {
        return getData(true).relocations().stream().map(Relocation::symbol).toList();
    }
}
