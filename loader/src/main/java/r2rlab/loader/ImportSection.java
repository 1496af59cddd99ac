package r2rlab.loader;

import java.util.List;
import r2rlab.format.r2r.ReadyToRunImportSection;

/** READYTORUN_IMPORT_SECTION with its decoded cells. */
public record ImportSection(int index, long rva, long size, int flags, int type, int entrySize, long signaturesRva,
                            long auxiliaryDataRva, List<ImportCell> cells) {
    public String typeName() {
        return ReadyToRunImportSection.typeName(type);
    }

    public String flagsName() {
        return ReadyToRunImportSection.flagsName(flags);
    }

    public boolean containsRva(long cellRva) {
        return cellRva >= rva && cellRva < rva + size;
    }
}
