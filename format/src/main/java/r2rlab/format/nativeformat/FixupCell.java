package r2rlab.format.nativeformat;

/**
 * One entry of a method's fixup list: an import section index and a cell index in pointer-size
 * units (cell offset / pointer size), as crossgen2 writes and the runtime's FixupDelayList reads.
 */
public record FixupCell(int importSection, int slot) implements Comparable<FixupCell> {
    @Override
    public int compareTo(FixupCell o) {
        return importSection != o.importSection ? Integer.compare(importSection, o.importSection) : Integer.compare(slot, o.slot);
    }
}
