package r2rlab.emitter.arm64;

import java.util.List;
import r2rlab.format.pe.Relocation;

/**
 * The result of {@link Arm64Assembler#finish()}: little-endian instruction words with all label
 * branches resolved, and the symbol relocations (offsets are those of the instruction words).
 */
public record AssembledCode(byte[] code, List<Relocation> relocations) {
    public AssembledCode {
        code = code.clone();
        relocations = List.copyOf(relocations);
    }

    @Override
    public byte[] code() {
        return code.clone();
    }

    /** The instruction word at byte offset {@code offset}. */
    public int word(int offset) {
        return (code[offset] & 0xFF) | (code[offset + 1] & 0xFF) << 8 | (code[offset + 2] & 0xFF) << 16
                | (code[offset + 3] & 0xFF) << 24;
    }
}
