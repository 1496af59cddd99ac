package r2rlab.loader;

import r2rlab.format.r2r.FixupSignature;

/**
 * One cell of an import section: its index in the section (offset / EntrySize), RVA, initial
 * pointer-size content, its fixup signature (null when the section has no signatures), that
 * signature rendered with names, and the method it names for method-entry kinds (else null).
 */
public record ImportCell(int section, int index, long rva, long value, long signatureRva, FixupSignature signature,
                         String signatureText, MethodRef method) {
}
