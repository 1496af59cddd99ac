package r2rlab.emitter.reloc;

import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;

/** A relocation that cannot be applied (value out of range, misaligned, wrong instruction, unknown type). */
public final class RelocationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Relocation relocation;

    public RelocationException(Relocation relocation, String problem) {
        super(RelocType.name(relocation.type()) + " at offset 0x" + Integer.toHexString(relocation.offset())
                + " -> " + relocation.symbol() + (relocation.addend() != 0 ? (relocation.addend() > 0 ? "+" : "") + relocation.addend() : "")
                + ": " + problem);
        this.relocation = relocation;
    }

    public Relocation relocation() {
        return relocation;
    }
}
