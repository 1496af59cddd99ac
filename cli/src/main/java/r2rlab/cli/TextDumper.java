package r2rlab.cli;

import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ReadyToRunHeader;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.ReadyToRunSection;
import r2rlab.loader.ResumptionStub;
import r2rlab.loader.RuntimeFunction;

/** Text form of {@code dump}, in the spirit of r2rdump: header, sections, imports, methods, runtime functions. */
final class TextDumper {
    private final R2RImage img;
    private final PrintWriter out;

    TextDumper(R2RImage img, PrintWriter out) {
        this.img = img;
        this.out = out;
    }

    void dump() {
        var pe = img.pe();
        out.printf("Filename:        %s%n", img.name());
        out.printf("Machine:         0x%04X (%s, %s)%n", pe.rawMachine(), pe.machine().archName, pe.os().osName);
        out.printf("ImageBase:       0x%X%n", pe.imageBase());
        out.printf("PE format:       %s, %d sections%n", pe.isPe32Plus() ? "PE32+" : "PE32", pe.sections().size());
        for (SectionHeader s : pe.sections()) {
            out.printf("  %-8s RVA 0x%08X  VirtualSize 0x%08X  Raw 0x%08X+0x%08X  Characteristics 0x%08X%n",
                    s.name(), s.virtualAddress(), s.virtualSize(), s.pointerToRawData(), s.sizeOfRawData(), s.characteristics());
        }
        out.println();
        var h = img.header();
        out.println("READYTORUN_HEADER");
        out.printf("  RVA:           0x%08X%n", h.rva());
        out.printf("  Version:       %s%n", h.version());
        out.printf("  Flags:         0x%08X %s%n", h.flags(), ReadyToRunHeader.flagsName(h.flags()));
        out.printf("  Compiler:      %s%n", img.compilerIdentifier());
        out.printf("  Sections:      %d%n", h.sections().size());
        for (ReadyToRunSection s : h.sections()) {
            out.printf("    %-27s (%3d)  RVA 0x%08X  Size 0x%08X%n", s.name(), s.type(), s.rva(), s.size());
        }
        out.println();

        out.printf("Import sections: %d%n", img.importSections().size());
        for (ImportSection is : img.importSections()) {
            out.printf("  ImportSection[%d]  RVA 0x%08X  Size 0x%X  Flags %s (0x%X)  Type %s  EntrySize %d  Signatures 0x%08X  AuxiliaryData 0x%08X  Cells %d%n",
                    is.index(), is.rva(), is.size(), is.flagsName(), is.flags(), is.typeName(), is.entrySize(), is.signaturesRva(),
                    is.auxiliaryDataRva(), is.cells().size());
            for (ImportCell c : is.cells()) {
                out.printf("    [%d] RVA 0x%08X  value 0x%X", c.index(), c.rva(), c.value());
                if (c.signature() != null) {
                    out.printf("  sig 0x%08X  %s", c.signatureRva(), c.signatureText());
                }
                out.println();
            }
        }
        out.println();

        Map<Integer, ReadyToRunMethod> byRf = new HashMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            for (int rf : m.runtimeFunctions()) {
                byRf.putIfAbsent(rf, m);
            }
        }
        out.printf("Methods: %d (MethodDefEntryPoints %d of %d slots, InstanceMethodEntryPoints %d, resumption stubs %d)%n",
                img.methods().size(), img.methodCount(ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS), img.methodDefSlots(),
                img.methodCount(ReadyToRunMethod.Source.INSTANCE_ENTRY_POINTS), img.resumptionStubs().size());
        for (ReadyToRunMethod m : img.methods()) {
            String marker = m.kind() == CodeBodyKind.ASYNC_VARIANT ? "[ASYNC] " : m.kind() == CodeBodyKind.RESUMPTION_STUB ? "[RESUME] " : "";
            String flags = "";
            if (m.signature() != null) {
                flags = (m.signature().isUnboxingStub() ? "[UNBOX] " : "") + (m.signature().isInstantiatingStub() ? "[INST] " : "");
            }
            out.printf("  %s%s%s%n", marker, flags, m.name());
            out.printf("    Token 0x%08X  EntryRuntimeFunction %d  RVA 0x%08X  RuntimeFunctions %s%n",
                    m.token(), m.entryRuntimeFunction(), m.entryRva(), m.runtimeFunctions());
            for (FixupCell f : m.fixups()) {
                out.printf("    Fixup ImportSection %d, slot %d: %s%n", f.importSection(), f.slot(), describeCell(f));
            }
        }
        out.println();

        out.printf("Resumption stubs: %d%n", img.resumptionStubs().size());
        for (ResumptionStub s : img.resumptionStubs()) {
            out.printf("  RVA 0x%08X  RuntimeFunction %s  cell ImportSection %d[%d]  owner %s%n", s.rva(),
                    s.runtimeFunction() < 0 ? "none (no code starts at this RVA)" : Integer.toString(s.runtimeFunction()),
                    s.importSection(), s.cellIndex(), s.owner() == null ? "none (no fixup list names the cell)"
                            : String.format("%s (0x%08X)", s.owner().name(), s.owner().token()));
        }
        out.println();

        out.printf("Runtime functions: %d%n", img.runtimeFunctions().size());
        for (RuntimeFunction rf : img.runtimeFunctions()) {
            ReadyToRunMethod m = byRf.get(rf.index());
            String role = m == null ? "(no method)" : rf.index() == m.entryRuntimeFunction() ? m.name()
                    : (img.coldToHot().containsKey(rf.index()) ? "cold part of " : "funclet of ") + m.label();
            out.printf("  [%d] 0x%08X-%s  unwind 0x%08X  %s%n", rf.index(), rf.beginRva(),
                    rf.endRva() >= 0 ? String.format("0x%08X", rf.endRva()) : "?", rf.unwindRva(), role);
        }
    }

    /** {@code --disasm}: each method body, funclet, cold part, resumption stub and import thunk, annotated. */
    void dumpDisassembly() {
        try (ImageDisassembler d = new ImageDisassembler(img)) {
            List<ImageDisassembler.Region> regions = d.regions();
            out.printf("Disassembly: %d regions%n", regions.size());
            for (ImageDisassembler.Region r : regions) {
                out.println();
                out.printf("%s %s  RVA 0x%08X-0x%08X%s%n", kindLabel(r.kind()), r.name(), r.rva(), r.endRva(),
                        r.runtimeFunction() >= 0 ? "  RuntimeFunction " + r.runtimeFunction() : "");
                for (ImageDisassembler.Line l : r.lines()) {
                    out.printf("  %08X: %-24s %-44s%s%n", l.rva(), l.bytes(), l.text(), l.annotation().isEmpty() ? "" : "; " + l.annotation());
                }
                long decoded = r.lines().isEmpty() ? r.rva() : r.lines().get(r.lines().size() - 1).rva() + r.lines().get(r.lines().size() - 1).size();
                if (r.kind() != ImageDisassembler.Region.Kind.THUNK && decoded < r.endRva()) {
                    out.printf("  (%d bytes not decoded from 0x%08X)%n", r.endRva() - decoded, decoded);
                }
            }
        }
    }

    private static String kindLabel(ImageDisassembler.Region.Kind k) {
        switch (k) {
            case METHOD:
                return "Method";
            case ASYNC_VARIANT:
                return "[ASYNC] Method";
            case RESUMPTION_STUB:
                return "[RESUME] Stub";
            case FUNCLET:
                return "Funclet";
            case COLD:
                return "Cold part";
            case THUNK:
                return "Thunk";
            default:
                return "Code";
        }
    }

    private String describeCell(FixupCell f) {
        if (f.importSection() >= img.importSections().size()) {
            return "(no such import section)";
        }
        ImportSection is = img.importSections().get(f.importSection());
        long index = (long) f.slot() * img.pe().pointerSize() / is.cellSize(img.pe().pointerSize());
        if (index >= is.cells().size()) {
            return "(past the end of the section)";
        }
        ImportCell c = is.cells().get((int) index);
        return c.signature() == null ? "(no signature)" : c.signatureText();
    }
}
