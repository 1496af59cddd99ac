package r2rlab.emitter.image;

import r2rlab.format.pe.SectionHeader;

/** The PE sections crossgen2 writes: code and read-only data, writable data (import cells), base relocations. */
public enum SectionKind {
    TEXT(".text", SectionHeader.IMAGE_SCN_CNT_CODE | SectionHeader.IMAGE_SCN_MEM_EXECUTE | SectionHeader.IMAGE_SCN_MEM_READ),
    DATA(".data", SectionHeader.IMAGE_SCN_CNT_INITIALIZED_DATA | SectionHeader.IMAGE_SCN_MEM_READ | SectionHeader.IMAGE_SCN_MEM_WRITE),
    RELOC(".reloc", SectionHeader.IMAGE_SCN_CNT_INITIALIZED_DATA | SectionHeader.IMAGE_SCN_MEM_DISCARDABLE | SectionHeader.IMAGE_SCN_MEM_READ);

    public final String sectionName;
    public final long characteristics;

    SectionKind(String sectionName, long characteristics) {
        this.sectionName = sectionName;
        this.characteristics = characteristics;
    }
}
