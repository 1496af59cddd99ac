package r2rlab.loader.runtime;

import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;

/**
 * ExternalMethodFixupWorker (prestub.cpp), entered from DelayLoad_MethodCall with the cell's address
 * and the import section index its thunk carries: checks (as a checked build does) that the section
 * contains the cell, computes index = (rva − section.VA) / EntrySize, decodes the cell's MethodEntry
 * signature, resolves the target — for a method of this image its current entry point, so tier-up
 * changes the answer — patches the cell and returns the target. The patched cell is recorded as a
 * slot that leads to the method's entry point, so that tier-up can backpatch it. A release build
 * ({@link RuntimeOptions#checkedBuild()} off) skips the assertion and indexes the named section with
 * the RVA it was given, as the runtime does.
 */
public final class ExternalMethodFixupWorker {
    private final ReadyToRunInfo info;

    public ExternalMethodFixupWorker(ReadyToRunInfo info) {
        this.info = info;
    }

    /**
     * Resolves and patches the cell at {@code cellRva}; returns the target address.
     *
     * @throws ImportSectionAssertionFailure when section {@code sectionIndex} does not contain the RVA (checked build)
     * @throws RuntimeMemoryFault when a release build indexes past the named section's Signatures
     * @throws FixupFailure when the cell's fixup cannot be resolved or is no MethodEntry kind
     */
    public long resolve(long cellRva, int sectionIndex) {
        var sections = info.image().importSections();
        int actual = -1;
        for (ImportSection s : sections) {
            if (s.containsRva(cellRva)) {
                actual = s.index();
                break;
            }
        }
        if (sectionIndex < 0 || sectionIndex >= sections.size()) {
            throw new ImportSectionAssertionFailure(sectionIndex, actual, cellRva, " (absent)");
        }
        ImportSection section = sections.get(sectionIndex);
        boolean checked = info.options().checkedBuild();
        if (checked && !section.containsRva(cellRva)) {
            throw new ImportSectionAssertionFailure(sectionIndex, actual, cellRva,
                    String.format(" [0x%X, 0x%X)", section.rva(), section.rva() + section.size()));
        }
        // COUNT_T index = (rva - VirtualAddress) / EntrySize: unsigned 32-bit, as the runtime computes it.
        long index = ((cellRva - section.rva()) & 0xFFFF_FFFFL) / section.cellSize(info.pointerSize());
        if (index >= section.cells().size()) {
            // Only a release build gets here: pSignatures[index] lies past the section's Signatures array.
            long entryRva = section.signaturesRva() + 4 * index;
            String where = String.format("ExternalMethodFixupWorker (release build) read Signatures[0x%X] of import section %d at RVA 0x%X: "
                    + "cell RVA 0x%X lies in %s, past the %d cells of import section %d", index, sectionIndex, entryRva, cellRva,
                    actual < 0 ? "no import section" : "import section " + actual, section.cells().size(), sectionIndex);
            if (entryRva + 4 > info.image().pe().sizeOfImage()) {
                throw new RuntimeMemoryFault(RuntimeMemoryFault.Access.READ_UNMAPPED, info.imageBase() + entryRva, "ExternalMethodFixupWorker", -1, -1,
                        where + ", outside the image");
            }
            throw new FixupFailure(sectionIndex, (int) Math.min(index, Integer.MAX_VALUE), "?", FixupFailure.Reason.SLOT_OUT_OF_RANGE,
                    where + "; what lies there is no signature RVA of that section");
        }
        ImportCell cell = section.cells().get((int) index);
        FixupSignature sig = cell.signature();
        if (sig == null) {
            throw new FixupFailure(sectionIndex, (int) index, "?", FixupFailure.Reason.NO_SIGNATURE, "the section has no signatures");
        }
        ReadyToRunFixupKind k = sig.kind();
        String kindName = k.name();
        if (k != ReadyToRunFixupKind.MethodEntry && k != ReadyToRunFixupKind.MethodEntry_DefToken
                && k != ReadyToRunFixupKind.MethodEntry_RefToken) {
            throw new FixupFailure(sectionIndex, (int) index, kindName, FixupFailure.Reason.UNEXPECTED_KIND,
                    "Unexpected ReadyToRunFixupKind (COR_E_BADIMAGEFORMAT)");
        }
        long target;
        MethodDesc local;
        synchronized (info) {
            try {
                local = cell.method() == null ? null : info.localMethodDesc(cell.method());
            } catch (FixupFailure e) {
                throw new FixupFailure(sectionIndex, (int) index, kindName, e.reason(), e.detail());
            }
            target = local != null ? info.imageBase() + local.currentEntryRva() : info.methodEntryTarget(cell, kindName);
            info.setCellValue(sectionIndex, (int) index, target);
            if (local != null) {
                info.recordSlot(local, BackpatchSlot.cell(sectionIndex, (int) index, local));
            }
            info.recordWorkerPatch(new WorkerPatch(sectionIndex, cellRva, sectionIndex, (int) index, target));
        }
        return target;
    }
}
