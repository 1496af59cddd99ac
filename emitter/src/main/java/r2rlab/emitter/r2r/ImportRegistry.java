package r2rlab.emitter.r2r;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import r2rlab.format.r2r.ReadyToRunImportSection;

/**
 * The seven import sections crossgen2 always writes, in its order (sorted by name), with the
 * cells the compiled code asked for. A cell is created once per key; its index in the section is
 * fixed when it is created, so fixup lists can be written before the image is laid out.
 */
public final class ImportRegistry {
    public static final int IL_BODY_PRECODE = 0;
    public static final int DISPATCH = 1;
    public static final int EAGER = 2;
    public static final int HELPER = 3;
    public static final int METHOD = 4;
    public static final int PRECODE = 5;
    public static final int STRING = 6;

    /** Name, READYTORUN_IMPORT_SECTION type and flags of each section, by index. */
    public record SectionSpec(String name, int type, int flags, boolean hasGcRefMap) {
    }

    public static final List<SectionSpec> SECTIONS = List.of(
            new SectionSpec("A_ILBodyPrecodeImports", ReadyToRunImportSection.TYPE_UNKNOWN, ReadyToRunImportSection.FLAGS_NONE, false),
            new SectionSpec("DispatchImports", ReadyToRunImportSection.TYPE_STUB_DISPATCH, ReadyToRunImportSection.FLAGS_PCODE, true),
            new SectionSpec("EagerImports", ReadyToRunImportSection.TYPE_UNKNOWN, ReadyToRunImportSection.FLAGS_EAGER, false),
            new SectionSpec("HelperImports", ReadyToRunImportSection.TYPE_UNKNOWN, ReadyToRunImportSection.FLAGS_PCODE, false),
            new SectionSpec("MethodImports", ReadyToRunImportSection.TYPE_STUB_DISPATCH, ReadyToRunImportSection.FLAGS_PCODE, true),
            new SectionSpec("PrecodeImports", ReadyToRunImportSection.TYPE_UNKNOWN, ReadyToRunImportSection.FLAGS_PCODE, false),
            new SectionSpec("StringImports", ReadyToRunImportSection.TYPE_STRING_HANDLE, ReadyToRunImportSection.FLAGS_NONE, false));

    /**
     * One cell: its section, index, symbol, fixup signature (bytes and relocations), the symbol its
     * initial pointer names (a thunk) or null for 0, and the GC ref map record of a call cell.
     */
    public record Cell(int section, int index, String symbol, SignatureData signature, String initialTarget,
                       SortedMap<Integer, Integer> gcRefs) {
    }

    private final List<List<Cell>> cells = new ArrayList<>();
    private final Map<String, Cell> byKey = new HashMap<>();

    public ImportRegistry() {
        for (int i = 0; i < SECTIONS.size(); i++) {
            cells.add(new ArrayList<>());
        }
    }

    /** The cell for {@code key}, created on first request. */
    public Cell cell(int section, String key, SignatureData signature, String initialTarget, SortedMap<Integer, Integer> gcRefs) {
        Cell c = byKey.get(key);
        if (c == null) {
            c = add(section, signature, initialTarget, gcRefs);
            byKey.put(key, c);
        }
        return c;
    }

    /** A new cell even if an equal one exists (how a compile retry duplicated stub fixups, B10). */
    public Cell add(int section, SignatureData signature, String initialTarget, SortedMap<Integer, Integer> gcRefs) {
        List<Cell> list = cells.get(section);
        Cell c = new Cell(section, list.size(), "cell$" + section + "$" + list.size(), signature, initialTarget,
                gcRefs == null ? new TreeMap<>() : gcRefs);
        list.add(c);
        return c;
    }

    public List<Cell> cells(int section) {
        return cells.get(section);
    }
}
