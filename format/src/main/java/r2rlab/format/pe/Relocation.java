package r2rlab.format.pe;

/**
 * A relocation inside a block of code or data: the offset of the patched field (for ARM64, of the
 * instruction), its {@link RelocType}, the symbol it refers to and an addend. The layout later
 * resolves the symbol to an RVA and patches the field by the type's formula.
 */
public record Relocation(int offset, int type, String symbol, long addend) {
}
