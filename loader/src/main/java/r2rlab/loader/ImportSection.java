package r2rlab.loader;

import java.util.List;
import r2rlab.format.r2r.ReadyToRunImportSection;

/** One READYTORUN_IMPORT_SECTION of the image, at its index in the ImportSections table, with its decoded cells. */
public record ImportSection(int index, ReadyToRunImportSection entry, List<ImportCell> cells) {
    public long rva() {
        return entry.sectionRva();
    }

    public long size() {
        return entry.sectionSize();
    }

    public int flags() {
        return entry.flags();
    }

    public int type() {
        return entry.type();
    }

    public int entrySize() {
        return entry.entrySize();
    }

    public long signaturesRva() {
        return entry.signaturesRva();
    }

    public long auxiliaryDataRva() {
        return entry.auxiliaryDataRva();
    }

    /** Bytes per cell: EntrySize, or the pointer size when it is 0. */
    public int cellSize(int pointerSize) {
        return entry.cellSize(pointerSize);
    }

    public String typeName() {
        return ReadyToRunImportSection.typeName(entry.type());
    }

    public String flagsName() {
        return ReadyToRunImportSection.flagsName(entry.flags());
    }

    public boolean containsRva(long cellRva) {
        return cellRva >= rva() && cellRva < rva() + size();
    }
}
