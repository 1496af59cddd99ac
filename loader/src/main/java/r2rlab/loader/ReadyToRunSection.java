package r2rlab.loader;

import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.Tier1CodeVersions;

/**
 * READYTORUN_SECTION: one entry of the header's section table; {@code entryOffset} is the file offset of that entry,
 * which errors about the section's RVA name.
 */
public record ReadyToRunSection(int type, long rva, long size, long entryOffset) {
    public String name() {
        if (type == R2RLabSections.TIER1_CODE_VERSIONS) {
            return Tier1CodeVersions.NAME;
        }
        return ReadyToRunSectionType.nameOf(type);
    }
}
