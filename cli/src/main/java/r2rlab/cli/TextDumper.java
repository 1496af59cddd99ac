package r2rlab.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.emu.disasm.NakedText;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ReadyToRunHeader;
import r2rlab.format.r2r.ReadyToRunSectionType;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/**
 * Text form of {@code dump}, in the spirit of r2rdump: header, sections, imports, methods, runtime
 * functions; the views ({@code --entry-points}, {@code --unwind}, {@code --gc}, {@code --section-contents},
 * {@code --disasm}); a selection narrows every part to what it picked. {@code --naked} leaves out RVAs,
 * file offsets and runtime function indices and names addresses instead ({@link NakedText});
 * {@code --normalize} sorts methods, cells, stubs and runtime functions by name, so that two layouts of
 * the same program dump alike.
 */
final class TextDumper {
    /** How to print: the text shaping and the views asked for. */
    record View(boolean naked, boolean normalize, boolean hideOffsets, boolean disasm, boolean unwind, boolean sectionContents,
                boolean entryPoints, boolean gc) {
    }

    private final R2RImage img;
    private final PrintWriter out;
    private final View view;
    private final ImageSymbols syms;
    private final NakedText nakedText;
    private final Map<Integer, ReadyToRunMethod> byRf = new HashMap<>();

    TextDumper(R2RImage img, PrintWriter out, View view) {
        this.img = img;
        this.out = out;
        this.view = view;
        this.syms = new ImageSymbols(img);
        this.nakedText = new NakedText(syms);
        for (ReadyToRunMethod m : img.methods()) {
            for (int rf : m.runtimeFunctions()) {
                byRf.putIfAbsent(rf, m);
            }
        }
    }

    /** The whole image, then the views. */
    void dump() {
        header();
        out.println();
        importSections(img.importSections(), null);
        out.println();
        out.printf("Methods: %d (MethodDefEntryPoints %d of %d slots, InstanceMethodEntryPoints %d, resumption stubs %d)%n",
                img.methods().size(), img.methodCount(ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS), img.methodDefSlots(),
                img.methodCount(ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS), img.resumptionStubs().size());
        methods(img.methods());
        out.println();
        out.printf("Resumption stubs: %d%n", img.resumptionStubs().size());
        stubs(img.resumptionStubs());
        out.println();
        Set<Integer> all = new TreeSet<>();
        img.runtimeFunctions().forEach(rf -> all.add(rf.index()));
        out.printf("Runtime functions: %d%n", img.runtimeFunctions().size());
        runtimeFunctions(all);
        views(img.methods(), all, img.header().sections(), true);
    }

    /** What {@code selection} picked: identity lines, then each selected part and the views over it. */
    void dump(DumpSelection selection, DumpSelection.Selectors selectors) {
        var pe = img.pe();
        out.printf("Filename:        %s%n", img.name());
        out.printf("Machine:         0x%04X (%s, %s)%n", pe.rawMachine(), pe.machine().archName, pe.os().osName);
        out.printf("Selection:       %s%n", selectors.describe());
        if (selection.isEmpty()) {
            out.println("Nothing in this image matches the selection.");
            return;
        }
        if (!selection.sections.isEmpty()) {
            out.println();
            out.printf("Sections: %d selected%n", selection.sections.size());
            for (ReadyToRunSection s : selection.sections) {
                sectionRow(s);
                sectionParsed(s);
            }
        }
        if (!selection.cells.isEmpty()) {
            out.println();
            out.printf("Cells: %d selected%n", selection.cells.size());
            for (ImportCell c : selection.cells) {
                out.printf("  %s (ImportSection %d)%n", syms.cellName(c), c.section());
                cell(c, "    ");
                cellUsers(c);
            }
        }
        if (!selection.methods.isEmpty()) {
            out.println();
            out.printf("Methods: %d selected%n", selection.methods.size());
            methods(selection.methods);
            List<ResumptionStub> stubs = new ArrayList<>();
            for (ResumptionStub s : img.resumptionStubs()) {
                if (selection.methods.contains(s.owner()) || s.runtimeFunction() >= 0 && selection.methods.contains(byRf.get(s.runtimeFunction()))) {
                    stubs.add(s);
                }
            }
            if (!stubs.isEmpty()) {
                out.println();
                out.printf("Resumption stubs: %d selected%n", stubs.size());
                stubs(stubs);
            }
        }
        if (!selection.runtimeFunctions.isEmpty()) {
            out.println();
            out.printf("Runtime functions: %d selected%n", selection.runtimeFunctions.size());
            runtimeFunctions(selection.runtimeFunctions);
        }
        views(selection.methods, selection.runtimeFunctions, selection.sections, false);
    }

    private void views(List<ReadyToRunMethod> methods, Set<Integer> rfs, List<ReadyToRunSection> sections, boolean wholeImage) {
        if (view.entryPoints()) {
            out.println();
            entryPoints(methods);
        }
        if (view.unwind()) {
            out.println();
            unwind(rfs);
        }
        if (view.gc()) {
            out.println();
            gcInfo(methods);
        }
        if (view.sectionContents()) {
            out.println();
            sectionContents(sections);
        }
        if (view.disasm()) {
            out.println();
            disassembly(rfs, wholeImage);
        }
    }

    // ---- header ----

    private void header() {
        var pe = img.pe();
        out.printf("Filename:        %s%n", img.name());
        out.printf("Machine:         0x%04X (%s, %s)%n", pe.rawMachine(), pe.machine().archName, pe.os().osName);
        out.printf("ImageBase:       0x%X%n", pe.imageBase());
        out.printf("PE format:       %s, %d sections%n", pe.isPe32Plus() ? "PE32+" : "PE32", pe.sections().size());
        for (SectionHeader s : pe.sections()) {
            if (view.naked()) {
                // VirtualSize left out too: it moves with alignment padding between bodies
                out.printf("  %-8s RawSize 0x%08X  Characteristics 0x%08X%n", s.name(), s.sizeOfRawData(), s.characteristics());
            } else {
                out.printf("  %-8s RVA 0x%08X  VirtualSize 0x%08X  Raw 0x%08X+0x%08X  Characteristics 0x%08X%n",
                        s.name(), s.virtualAddress(), s.virtualSize(), s.pointerToRawData(), s.sizeOfRawData(), s.characteristics());
            }
        }
        out.println();
        var h = img.header();
        out.println("READYTORUN_HEADER");
        if (!view.naked()) {
            out.printf("  RVA:           0x%08X%n", h.rva());
        }
        out.printf("  Version:       %s%n", h.version());
        out.printf("  Flags:         0x%08X %s%n", h.flags(), ReadyToRunHeader.flagsName(h.flags()));
        out.printf("  Compiler:      %s%n", img.compilerIdentifier());
        out.printf("  Sections:      %d%n", h.sections().size());
        List<ReadyToRunSection> sections = new ArrayList<>(h.sections());
        if (view.normalize()) {
            sections.sort(Comparator.comparingInt(ReadyToRunSection::type));
        }
        for (ReadyToRunSection s : sections) {
            out.print("  ");
            sectionRow(s);
        }
    }

    private void sectionRow(ReadyToRunSection s) {
        if (view.naked()) {
            out.printf("  %-27s (%3d)  Size 0x%08X%n", s.name(), s.type(), s.size());
        } else {
            out.printf("  %-27s (%3d)  RVA 0x%08X  Size 0x%08X%n", s.name(), s.type(), s.rva(), s.size());
        }
    }

    /** A selected section's parsed contents, where dump has a part for it. */
    private void sectionParsed(ReadyToRunSection s) {
        if (s.type() == ReadyToRunSectionType.ImportSections.id) {
            importSections(img.importSections(), "    ");
        } else if (s.type() == ReadyToRunSectionType.RuntimeFunctions.id) {
            Set<Integer> all = new TreeSet<>();
            img.runtimeFunctions().forEach(rf -> all.add(rf.index()));
            runtimeFunctions(all);
        } else if (s.type() == ReadyToRunSectionType.MethodDefEntryPoints.id) {
            entryPointList(img.methods(), ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS);
        } else if (s.type() == ReadyToRunSectionType.InstanceMethodEntryPoints.id) {
            entryPointList(img.methods(), ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS);
        }
    }

    // ---- import sections and cells ----

    private void importSections(List<ImportSection> sections, String heading) {
        if (heading == null) {
            out.printf("Import sections: %d%n", sections.size());
        }
        for (ImportSection is : sections) {
            if (view.naked()) {
                out.printf("  ImportSection[%d] %s  Size 0x%X  Flags %s (0x%X)  Type %s  EntrySize %d  Cells %d%n", is.index(),
                        ImageSymbols.sectionName(is), is.size(), is.flagsName(), is.flags(), is.typeName(), is.entrySize(), is.cells().size());
            } else {
                out.printf("  ImportSection[%d]  RVA 0x%08X  Size 0x%X  Flags %s (0x%X)  Type %s  EntrySize %d  Signatures 0x%08X  AuxiliaryData 0x%08X  Cells %d%n",
                        is.index(), is.rva(), is.size(), is.flagsName(), is.flags(), is.typeName(), is.entrySize(), is.signaturesRva(),
                        is.auxiliaryDataRva(), is.cells().size());
            }
            List<ImportCell> cells = new ArrayList<>(is.cells());
            if (view.normalize()) {
                cells.sort(Comparator.comparing(c -> c.signature() == null ? "" : nakedText.signature(c)));
            }
            for (ImportCell c : cells) {
                cell(c, "    ");
            }
        }
    }

    private void cell(ImportCell c, String indent) {
        if (view.naked()) {
            out.printf("%s%s%n", indent, nakedText.cell(c));
            return;
        }
        out.printf("%s[%d] RVA 0x%08X  value 0x%X", indent, c.index(), c.rva(), c.value());
        if (c.signature() != null) {
            out.printf("  sig 0x%08X  %s", c.signatureRva(), c.signatureText());
        }
        out.println();
    }

    /** The methods whose fixup lists name a selected cell, and the stub a ResumptionStubEntryPoint cell registers. */
    private void cellUsers(ImportCell c) {
        int pointer = img.pe().pointerSize();
        int slot = (int) ((long) c.index() * img.importSections().get(c.section()).cellSize(pointer) / pointer);
        FixupCell f = new FixupCell(c.section(), slot);
        for (ReadyToRunMethod m : img.methods()) {
            if (m.fixups().contains(f)) {
                out.printf("    in the fixup list of %s%n", m.label());
            }
        }
        for (ResumptionStub s : img.resumptionStubs()) {
            if (s.importSection() == c.section() && s.cellIndex() == c.index() && s.runtimeFunction() >= 0) {
                out.printf("    registers %s%n", byRf.get(s.runtimeFunction()).label());
            }
        }
    }

    // ---- methods, stubs, runtime functions ----

    private List<ReadyToRunMethod> ordered(List<ReadyToRunMethod> methods) {
        List<ReadyToRunMethod> list = new ArrayList<>(methods);
        if (view.normalize()) {
            list.sort(Comparator.comparing(ReadyToRunMethod::label).thenComparingInt(ReadyToRunMethod::token));
        }
        return list;
    }

    private void methods(List<ReadyToRunMethod> methods) {
        for (ReadyToRunMethod m : ordered(methods)) {
            out.printf("  %s%n", m.label());
            if (view.naked()) {
                long size = 0;
                for (int rf : m.runtimeFunctions()) {
                    size += Math.max(0, img.runtimeFunctions().get(rf).size());
                }
                out.printf("    Token 0x%08X  Size 0x%X  RuntimeFunctions %d%n", m.token(), size, m.runtimeFunctions().size());
            } else {
                out.printf("    Token 0x%08X  EntryRuntimeFunction %d  RVA 0x%08X  RuntimeFunctions %s%n",
                        m.token(), m.entryRuntimeFunction(), m.entryRva(), m.runtimeFunctions());
            }
            for (FixupCell f : m.fixups()) {
                out.printf("    %s%n", fixup(f));
            }
            for (ExceptionClause c : img.exceptionClauses(m.entryRva())) {
                out.printf("    EH %s%n", ehClause(c, m.entryRuntimeFunction()));
            }
        }
    }

    /**
     * An EH clause as r2rdump prints it: offsets from the method start (with their RVAs unless naked: a split method's cold code
     * at the hot size plus its distance into the cold section), then the kind.
     */
    private String ehClause(ExceptionClause c, int entry) {
        StringBuilder sb = new StringBuilder(String.format("Flags %02X ", c.flags()));
        String[] names = {"TryOff", "TryEnd", "HndOff", "HndEnd"};
        long[] offsets = {c.tryStartPc(), c.tryEndPc(), c.handlerStartPc(), c.handlerEndPc()};
        for (int i = 0; i < names.length; i++) {
            sb.append(String.format("%s %04X ", names[i], offsets[i]));
            if (!view.naked()) {
                sb.append(String.format("(RVA %04X) ", codeRva(entry, offsets[i], i % 2 == 1)));
            }
        }
        sb.append(String.format("ClsFlt %04X", c.classTokenOrFilterOffset()));
        if (c.isCatch()) {
            sb.append(" CATCH: ").append((c.flags() & ExceptionClause.R2R_SYSTEM_EXCEPTION) != 0 ? "System.Exception"
                    : catchTypeName((int) c.classTokenOrFilterOffset()));
        } else if (c.isFilter()) {
            sb.append(view.naked() ? " FILTER" : String.format(" FILTER (RVA %04X)", img.methodOffsetToRva(entry, c.classTokenOrFilterOffset())));
        } else {
            sb.append(' ').append(c.kindName().toUpperCase(Locale.ROOT));
        }
        if ((c.flags() & ExceptionClause.SAME_TRY) != 0) {
            sb.append(" SAMETRY");
        }
        return sb.toString();
    }

    /** The RVA of a method offset; an end offset is the end of the code before it (a region can end where the hot part does). */
    private long codeRva(int entry, long offset, boolean end) {
        return end && offset > 0 ? img.methodOffsetToRva(entry, offset - 1) + 1 : img.methodOffsetToRva(entry, offset);
    }

    /** The caught type of a typed clause: a TypeDef, TypeRef or TypeSpec of the image's own metadata. */
    private String catchTypeName(int token) {
        int table = MetadataTable.table(token);
        int rid = MetadataTable.rid(token);
        boolean typeToken = table == MetadataTable.TYPEDEF || table == MetadataTable.TYPEREF || table == MetadataTable.TYPESPEC;
        if (!typeToken || rid < 1 || rid > img.metadata().rowCount(table)) {
            return String.format("(token 0x%08X is no type of the image)", token);
        }
        return img.metadata().typeDefOrRefName(token);
    }

    private String fixup(FixupCell f) {
        ImportCell c = syms.cell(f);
        if (view.naked()) {
            return "Fixup " + (c == null ? f.importSection() + ":" + f.slot() + " (no such cell)" : nakedText.cell(c));
        }
        String what = c == null ? "(no such cell)" : c.signature() == null ? "(no signature)" : c.signatureText();
        return String.format("Fixup ImportSection %d, slot %d: %s", f.importSection(), f.slot(), what);
    }

    private void stubs(List<ResumptionStub> stubs) {
        List<String> lines = new ArrayList<>();
        for (ResumptionStub s : stubs) {
            String owner = s.owner() == null ? "none (no fixup list names the cell)" : String.format("%s (0x%08X)", s.owner().name(), s.owner().token());
            if (view.naked()) {
                String stub = s.runtimeFunction() < 0 ? "none (no code starts at its RVA)" : byRf.get(s.runtimeFunction()).name();
                lines.add(String.format("  %s  cell %s  owner %s", stub, syms.cellName(img.importSections().get(s.importSection()).cells()
                        .get(s.cellIndex())), owner));
            } else {
                lines.add(String.format("  RVA 0x%08X  RuntimeFunction %s  cell ImportSection %d[%d]  owner %s", s.rva(),
                        s.runtimeFunction() < 0 ? "none (no code starts at this RVA)" : Integer.toString(s.runtimeFunction()),
                        s.importSection(), s.cellIndex(), owner));
            }
        }
        if (view.normalize()) {
            lines.sort(null);
        }
        lines.forEach(out::println);
    }

    private void runtimeFunctions(Set<Integer> indices) {
        List<String> lines = new ArrayList<>();
        for (int i : indices) {
            RuntimeFunction rf = img.runtimeFunctions().get(i);
            String role = role(rf);
            if (view.naked()) {
                lines.add(String.format("  %s  size %s", role, rf.size() >= 0 ? String.format("0x%X", rf.size()) : "?"));
            } else {
                lines.add(String.format("  [%d] 0x%08X-%s  unwind 0x%08X  %s", rf.index(), rf.beginRva(),
                        rf.endRva() >= 0 ? String.format("0x%08X", rf.endRva()) : "?", rf.unwindRva(), role));
            }
        }
        if (view.normalize()) {
            lines.sort(null);
        }
        lines.forEach(out::println);
    }

    /**
     * "[ASYNC] Demo.Main", "funclet 2 of [ASYNC] Demo.Main", "cold part of [ASYNC] Demo.Main", "fragment of Demo.Main" (an ARM64
     * unwind fragment, of what its host record is) or "(no method)": each body by its label.
     */
    private String role(RuntimeFunction rf) {
        ReadyToRunMethod m = byRf.get(rf.index());
        if (m == null) {
            return "(no method)";
        }
        if (rf.index() == m.entryRuntimeFunction()) {
            return m.label();
        }
        if (img.isFunctionFragment(rf.index())) {
            RuntimeFunction root = img.runtimeFunctions().get(img.rootRuntimeFunction(rf.index()));
            return (view.naked() ? "fragment " + m.runtimeFunctions().indexOf(rf.index()) + " of " : "fragment of ") + role(root);
        }
        if (img.coldToHot().containsKey(rf.index())) {
            return "cold part of " + m.label();
        }
        return (view.naked() ? "funclet " + m.runtimeFunctions().indexOf(rf.index()) + " of " : "funclet of ") + m.label();
    }

    // ---- views ----

    /** {@code --entry-points}: MethodDefEntryPoints and InstanceMethodEntryPoints with their fixup lists. */
    private void entryPoints(List<ReadyToRunMethod> methods) {
        out.printf("Entry points: MethodDefEntryPoints %d of %d slots, InstanceMethodEntryPoints %d%n",
                img.methodCount(ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS), img.methodDefSlots(),
                img.methodCount(ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS));
        entryPointList(methods, ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS);
        entryPointList(methods, ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS);
    }

    private void entryPointList(List<ReadyToRunMethod> methods, ReadyToRunMethod.Source source) {
        boolean def = source == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS;
        for (ReadyToRunMethod m : ordered(methods)) {
            if (m.source() != source) {
                continue;
            }
            String where = view.naked() ? "" : "  RuntimeFunction " + m.entryRuntimeFunction();
            if (def) {
                out.printf("  MethodDef 0x%08X %s%s  fixups %d%n", m.token(), m.name(), where, m.fixups().size());
            } else {
                out.printf("  Instance %s (0x%08X, flags 0x%X)%s  fixups %d%n", m.label(), m.token(),
                        m.signature() == null ? 0 : m.signature().flags(), where, m.fixups().size());
            }
            for (FixupCell f : m.fixups()) {
                out.printf("    %s%n", fixup(f));
            }
        }
    }

    private void unwind(Set<Integer> rfs) {
        out.printf("Unwind info: %d runtime functions%n", rfs.size());
        List<List<String>> blocks = new ArrayList<>();
        try (UnwindView u = new UnwindView(img, view.naked())) {
            for (int i : rfs) {
                RuntimeFunction rf = img.runtimeFunctions().get(i);
                List<String> block = new ArrayList<>();
                block.add(view.naked() ? "  " + role(rf) : String.format("  [%d] %s  unwind 0x%08X", i, role(rf), rf.unwindRva()));
                u.decode(rf).lines().forEach(l -> block.add("    " + l));
                blocks.add(block);
            }
        }
        if (view.normalize()) {
            blocks.sort(Comparator.comparing(b -> b.get(0)));
        }
        blocks.forEach(b -> b.forEach(out::println));
    }

    /** {@code --gc}: each method's GcInfo (funclets and cold parts have none of their own). */
    private void gcInfo(List<ReadyToRunMethod> methods) {
        GcInfoView v = new GcInfoView(img, view.naked());
        if (v.encoding() == null) {
            out.printf("GC info: not decoded for %s images%n", img.pe().machine().archName);
            return;
        }
        out.printf("GC info: %d methods%n", methods.size());
        for (ReadyToRunMethod m : ordered(methods)) {
            out.printf("  %s%n", m.label());
            v.decode(m).lines().forEach(l -> out.printf("    %s%n", l));
        }
    }

    /** {@code --section-contents}: the bytes of each section, 16 a line, with the RVA (or, naked, the offset in the section). */
    private void sectionContents(List<ReadyToRunSection> sections) {
        out.printf("Section contents: %d sections%n", sections.size());
        for (ReadyToRunSection s : sections) {
            out.printf("  %s (%d)  %s%n", s.name(), s.type(),
                    view.naked() ? String.format("Size 0x%X", s.size()) : String.format("RVA 0x%08X  Size 0x%X", s.rva(), s.size()));
            byte[] b;
            try {
                long off = img.pe().rvaToOffset(s.name(), s.rva(), s.size());
                b = img.pe().file().bytes(s.name(), off, (int) s.size());
            } catch (FormatException e) {
                out.printf("    unreadable: %s%n", e.getMessage());
                continue;
            }
            for (int i = 0; i < b.length; i += 16) {
                StringBuilder hex = new StringBuilder();
                StringBuilder text = new StringBuilder();
                for (int k = i; k < Math.min(b.length, i + 16); k++) {
                    hex.append(String.format("%02X ", b[k] & 0xFF));
                    int c = b[k] & 0xFF;
                    text.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
                }
                out.printf("    %s %-48s|%s|%n", view.naked() ? String.format("+%06X:", i) : String.format("%08X:", s.rva() + i), hex,
                        text);
            }
        }
    }

    /** {@code --disasm}: each selected method body, funclet, cold part and resumption stub, then (whole image only) the import thunks. */
    private void disassembly(Set<Integer> rfs, boolean thunks) {
        try (ImageDisassembler d = new ImageDisassembler(img, view.naked())) {
            List<ImageDisassembler.Region> regions = new ArrayList<>();
            for (int rf : rfs) {
                regions.add(d.region(rf));
            }
            if (thunks) {
                regions.addAll(d.thunkRegions());
            }
            out.printf("Disassembly: %d regions%n", regions.size());
            List<List<String>> blocks = new ArrayList<>();
            for (ImageDisassembler.Region r : regions) {
                blocks.add(view.naked() ? nakedRegion(r) : region(r));
            }
            if (view.normalize()) {
                blocks.sort(Comparator.comparing(b -> b.get(1)));
            }
            blocks.forEach(b -> b.forEach(out::println));
        }
    }

    private List<String> region(ImageDisassembler.Region r) {
        List<String> b = new ArrayList<>();
        b.add("");
        b.add(String.format("%s %s  RVA 0x%08X-0x%08X%s", r.kind().label, r.name(), r.rva(), r.endRva(),
                r.runtimeFunction() >= 0 ? "  RuntimeFunction " + r.runtimeFunction() : ""));
        for (ImageDisassembler.Line l : r.lines()) {
            b.add(String.format("  %08X: %-24s %-44s%s", l.rva(), l.bytes(), l.text(), l.annotation().isEmpty() ? "" : "; " + l.annotation()));
        }
        long decoded = decodedEnd(r);
        if (r.kind() != ImageDisassembler.Region.Kind.THUNK && decoded < r.endRva()) {
            b.add(String.format("  (%d bytes not decoded from 0x%08X)", r.endRva() - decoded, decoded));
        }
        return b;
    }

    private List<String> nakedRegion(ImageDisassembler.Region r) {
        List<String> b = new ArrayList<>();
        b.add("");
        b.add(String.format("%s %s  size 0x%X", r.kind().label, nakedRegionName(r), r.endRva() - r.rva()));
        for (String l : nakedText.lines(r, view.hideOffsets())) {
            b.add("  " + l);
        }
        long decoded = decodedEnd(r);
        if (r.kind() != ImageDisassembler.Region.Kind.THUNK && decoded < r.endRva()) {
            b.add(String.format("  (%d bytes not decoded from +0x%X)", r.endRva() - decoded, decoded - r.rva()));
        }
        return b;
    }

    /** A region's name without runtime function indices: funclets counted within their method. */
    private String nakedRegionName(ImageDisassembler.Region r) {
        if (r.kind() == ImageDisassembler.Region.Kind.FUNCLET || r.kind() == ImageDisassembler.Region.Kind.FRAGMENT) {
            ReadyToRunMethod m = byRf.get(r.runtimeFunction());
            return m.label() + " [" + r.kind().label.toLowerCase(Locale.ROOT) + " " + m.runtimeFunctions().indexOf(r.runtimeFunction()) + "]";
        }
        if (r.kind() == ImageDisassembler.Region.Kind.UNOWNED) {
            return "(no method)";
        }
        return r.name();
    }

    private static long decodedEnd(ImageDisassembler.Region r) {
        return r.lines().isEmpty() ? r.rva() : r.lines().get(r.lines().size() - 1).rva() + r.lines().get(r.lines().size() - 1).size();
    }
}
