/**
 * Applies {@link r2rlab.format.pe.Relocation}s to laid-out section bytes by the formulas of
 * r2r-format.md §7 ({@link r2rlab.emitter.reloc.RelocationResolver}).
 */
package r2rlab.emitter.reloc;
