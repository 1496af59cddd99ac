package r2rlab.loader;

/**
 * One cell of an import section: its index in the section (offset / EntrySize), RVA, initial
 * pointer-size content, and its fixup signature (null when the section has no signatures).
 */
public record ImportCell(int section, int index, long rva, long value, long signatureRva, FixupSignature signature) {
}
