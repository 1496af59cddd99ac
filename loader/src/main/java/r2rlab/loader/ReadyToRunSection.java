package r2rlab.loader;

import r2rlab.format.r2r.ReadyToRunSectionType;

/** READYTORUN_SECTION: one entry of the header's section table. */
public record ReadyToRunSection(int type, long rva, long size) {
    public String name() {
        return ReadyToRunSectionType.nameOf(type);
    }
}
