package r2rlab.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.r2r.R2RLabSections;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.format.r2r.Tier1CodeVersions;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.MethodPattern;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;

/**
 * What {@code dump --method/--runtime-function/--section/--cell} selected in one image: methods (a
 * matching method with its async variant and resumption stub), runtime functions (of those methods, and
 * the ones named; a named one brings the method it belongs to), R2R header sections and import cells.
 * The selectors' syntax is checked before any image is read; a selector that names nothing in an image
 * selects nothing there.
 */
final class DumpSelection {
    /** The selectors as given: each list as its option's values. */
    record Selectors(List<MethodPattern> methods, List<Integer> runtimeFunctions, List<String> sections, List<CellRef> cells) {
        boolean any() {
            return !methods.isEmpty() || !runtimeFunctions.isEmpty() || !sections.isEmpty() || !cells.isEmpty();
        }

        /** "--method X --cell MethodImports:3", for the line that says what was selected. */
        String describe() {
            List<String> parts = new ArrayList<>();
            methods.forEach(m -> parts.add("--method " + m));
            runtimeFunctions.forEach(r -> parts.add("--runtime-function " + r));
            sections.forEach(s -> parts.add("--section " + s));
            cells.forEach(c -> parts.add("--cell " + c.section() + ":" + c.slot()));
            return String.join(" ", parts);
        }
    }

    /** A {@code --cell SECTION:SLOT}: an import section index or name (as dump names it, e.g. MethodImports) and a cell index. */
    record CellRef(String section, int slot) {
    }

    final List<ReadyToRunMethod> methods;
    final SortedSet<Integer> runtimeFunctions;
    final List<ReadyToRunSection> sections;
    final List<ImportCell> cells;

    private DumpSelection(List<ReadyToRunMethod> methods, SortedSet<Integer> runtimeFunctions, List<ReadyToRunSection> sections,
                          List<ImportCell> cells) {
        this.methods = methods;
        this.runtimeFunctions = runtimeFunctions;
        this.sections = sections;
        this.cells = cells;
    }

    boolean isEmpty() {
        return methods.isEmpty() && runtimeFunctions.isEmpty() && sections.isEmpty() && cells.isEmpty();
    }

    /** Parses {@code --method} values; a bad one is bad input. */
    static List<MethodPattern> patterns(List<String> texts) {
        List<MethodPattern> out = new ArrayList<>();
        for (String t : texts) {
            try {
                out.add(MethodPattern.parse(t));
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--method: " + e.getMessage());
            }
        }
        return out;
    }

    /** Checks and parses every selector option. */
    static Selectors parse(List<String> methods, List<String> runtimeFunctions, List<String> sections, List<String> cells) {
        List<Integer> rfs = new ArrayList<>();
        for (String r : runtimeFunctions) {
            rfs.add(number("--runtime-function", r));
        }
        for (String s : sections) {
            if (sectionType(s) == null) {
                throw new BadInputException("--section: '" + s + "' is neither a section id nor a READYTORUN_SECTION name"
                        + " (e.g. ImportSections, RuntimeFunctions, MethodDefEntryPoints)");
            }
        }
        List<CellRef> cellRefs = new ArrayList<>();
        for (String c : cells) {
            int colon = c.lastIndexOf(':');
            if (colon <= 0 || colon == c.length() - 1) {
                throw new BadInputException("--cell: '" + c + "' is not SECTION:SLOT (e.g. MethodImports:3 or 4:3)");
            }
            cellRefs.add(new CellRef(c.substring(0, colon), number("--cell", c.substring(colon + 1))));
        }
        return new Selectors(patterns(methods), rfs, List.copyOf(sections), cellRefs);
    }

    private static int number(String option, String text) {
        String t = text.trim();
        try {
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw new BadInputException(option + ": '" + text + "' is not a non-negative number");
        }
    }

    /** The section type id a {@code --section} value names, or null: a number, or a type name in any case. */
    private static Integer sectionType(String s) {
        String t = s.trim();
        try {
            return t.startsWith("0x") || t.startsWith("0X") ? Integer.parseInt(t.substring(2), 16) : Integer.parseInt(t);
        } catch (NumberFormatException e) {
            // a name
        }
        for (ReadyToRunSectionType type : ReadyToRunSectionType.values()) {
            if (type.name().equalsIgnoreCase(t)) {
                return type.id;
            }
        }
        return Tier1CodeVersions.NAME.equalsIgnoreCase(t) ? Integer.valueOf(R2RLabSections.TIER1_CODE_VERSIONS) : null;
    }

    /** What the selectors pick in {@code img}. */
    static DumpSelection of(R2RImage img, Selectors s) {
        List<ReadyToRunMethod> methods = new ArrayList<>(MethodPattern.select(img, s.methods()));
        SortedSet<Integer> rfs = new TreeSet<>();
        methods.forEach(m -> rfs.addAll(m.runtimeFunctions()));
        for (int rf : s.runtimeFunctions()) {
            if (rf >= img.runtimeFunctions().size()) {
                continue;
            }
            rfs.add(rf);
            for (ReadyToRunMethod m : img.methods()) {
                if (m.runtimeFunctions().contains(rf) && !methods.contains(m)) {
                    methods.add(m);
                    break;
                }
            }
        }
        methods.sort((a, b) -> Integer.compare(img.methods().indexOf(a), img.methods().indexOf(b)));
        List<ReadyToRunSection> sections = new ArrayList<>();
        for (String name : s.sections()) {
            ReadyToRunSection sec = img.header().section(sectionType(name));
            if (sec != null && !sections.contains(sec)) {
                sections.add(sec);
            }
        }
        List<ImportCell> cells = new ArrayList<>();
        for (CellRef c : s.cells()) {
            for (ImportSection is : img.importSections()) {
                boolean named = c.section().equalsIgnoreCase(ImageSymbols.sectionName(is)) || c.section().equals(Integer.toString(is.index()));
                if (named && c.slot() < is.cells().size() && !cells.contains(is.cells().get(c.slot()))) {
                    cells.add(is.cells().get(c.slot()));
                }
            }
        }
        return new DumpSelection(methods, rfs, sections, cells);
    }
}
