package r2rlab.emu.disasm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import r2rlab.format.nativeformat.FixupCell;
import r2rlab.format.pe.SectionHeader;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunImportSection;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * Names for addresses of a ReadyToRun image, from the image alone (no runtime state): the method
 * whose runtime functions contain an RVA (as the image lists them, resumption stubs included —
 * independent of what the runtime has registered), import cells ("MethodImports[3]" with their fixup
 * signature) and import thunks (the initial targets of cells, outside every runtime function).
 */
public final class ImageSymbols {
    /** Code of the image: a method body, funclet or cold part, or an import thunk. */
    public record CodeSymbol(String name, long rva, long endRva, Kind kind, ReadyToRunMethod method, RuntimeFunction runtimeFunction) {
        public enum Kind { METHOD, FUNCLET, COLD, STUB, THUNK }
    }

    private final R2RImage img;
    private final Map<Integer, ReadyToRunMethod> ownerByRf = new HashMap<>();
    private final Map<Long, ReadyToRunMethod> methodByEntry = new HashMap<>();
    private final TreeMap<Long, ImportCell> cellByRva = new TreeMap<>();
    private final Map<Integer, String> sectionNames = new HashMap<>();
    private final TreeMap<Long, List<ImportCell>> thunks = new TreeMap<>();
    private final Set<Long> stubEntries = new HashSet<>();

    public ImageSymbols(R2RImage img) {
        this.img = img;
        for (ReadyToRunMethod m : img.methods()) {
            for (int rf : m.runtimeFunctions()) {
                ownerByRf.putIfAbsent(rf, m);
            }
            methodByEntry.putIfAbsent(m.entryRva(), m);
            if (m.kind() == CodeBodyKind.RESUMPTION_STUB) {
                stubEntries.add(m.entryRva());
            }
        }
        long base = img.pe().imageBase();
        for (ImportSection s : img.importSections()) {
            sectionNames.put(s.index(), sectionName(s));
            for (ImportCell c : s.cells()) {
                cellByRva.put(c.rva(), c);
                long target = c.value() - base;
                if (c.value() != 0 && target > 0 && target < img.pe().sizeOfImage() && isExecutable(target)
                        && runtimeFunctionIndex(target) < 0) {
                    thunks.computeIfAbsent(target, k -> new ArrayList<>()).add(c);
                }
            }
        }
    }

    public R2RImage image() {
        return img;
    }

    private boolean isExecutable(long rva) {
        SectionHeader s = img.pe().sectionForRva(rva);
        return s != null && (s.characteristics() & 0x20000000) != 0; // IMAGE_SCN_MEM_EXECUTE
    }

    /**
     * A readable name for an import section: crossgen2's node names where the header tells them apart
     * (EagerImports, StringImports, ILBodyPrecodeImports, MethodImports = StubDispatch holding MethodEntry cells
     * or PCode with GC ref maps, DispatchImports = other StubDispatch sections, HelperImports = PCode whose cells start at thunks, PrecodeImports = the other PCode ones).
     */
    public static String sectionName(ImportSection s) {
        if ((s.flags() & ReadyToRunImportSection.FLAGS_EAGER) != 0) {
            return "EagerImports";
        }
        switch (s.type()) {
            case ReadyToRunImportSection.TYPE_STUB_DISPATCH:
                // crossgen2's MethodImports and DispatchImports share type and flags: tell them apart by the cells
                return s.cells().stream().anyMatch(c -> c.signature() != null && isMethodEntry(c.signature().kind()))
                        ? "MethodImports" : "DispatchImports";
            case ReadyToRunImportSection.TYPE_STRING_HANDLE:
                return "StringImports";
            case ReadyToRunImportSection.TYPE_ILBODY_FIXUPS:
                return "ILBodyPrecodeImports";
            default:
                break;
        }
        if ((s.flags() & ReadyToRunImportSection.FLAGS_PCODE) != 0) {
            if (s.auxiliaryDataRva() != 0) {
                return "MethodImports";
            }
            boolean thunked = s.cells().stream().anyMatch(c -> c.value() != 0);
            return thunked ? "HelperImports" : "PrecodeImports";
        }
        return "ImportSection" + s.index();
    }

    /** "MethodImports" etc. for section {@code index}. */
    public String sectionName(int index) {
        String n = sectionNames.get(index);
        return n == null ? "ImportSection" + index : n;
    }

    /** The import cell at exactly {@code rva}, or null. */
    public ImportCell cellAt(long rva) {
        return cellByRva.get(rva);
    }

    /** The cell a fixup list entry names (its slot counts pointer-size units), or null when there is none. */
    public ImportCell cell(FixupCell f) {
        if (f.importSection() < 0 || f.importSection() >= img.importSections().size()) {
            return null;
        }
        ImportSection is = img.importSections().get(f.importSection());
        long index = (long) f.slot() * img.pe().pointerSize() / is.cellSize(img.pe().pointerSize());
        return index < is.cells().size() ? is.cells().get((int) index) : null;
    }

    /** "MethodImports[3]". */
    public String cellName(ImportCell c) {
        return sectionName(c.section()) + "[" + c.index() + "]";
    }

    /** "MethodImports[3] MethodEntry_DefToken Demo.Calls.Twice": the cell and its signature. */
    public String describeCell(ImportCell c) {
        StringBuilder sb = new StringBuilder(cellName(c));
        if (c.signature() != null) {
            sb.append(' ').append(c.signatureText());
        }
        return sb.toString();
    }

    private static boolean isMethodEntry(ReadyToRunFixupKind kind) {
        return kind == ReadyToRunFixupKind.MethodEntry || kind == ReadyToRunFixupKind.MethodEntry_DefToken
                || kind == ReadyToRunFixupKind.MethodEntry_RefToken;
    }

    /** Index of the runtime function containing {@code rva}, or -1. */
    public int runtimeFunctionIndex(long rva) {
        return img.runtimeFunctionContaining(rva);
    }

    /** The runtime function containing {@code rva}, or null. */
    public RuntimeFunction runtimeFunction(long rva) {
        int i = runtimeFunctionIndex(rva);
        return i < 0 ? null : img.runtimeFunctions().get(i);
    }

    /** The method the image lists as owning runtime function {@code rf} (main body, funclet or cold part), or null. */
    public ReadyToRunMethod ownerOfRuntimeFunction(int rf) {
        return ownerByRf.get(rf);
    }

    /** The method the image lists as owning the code at {@code rva}, or null. */
    public ReadyToRunMethod methodContaining(long rva) {
        int i = runtimeFunctionIndex(rva);
        return i < 0 ? null : ownerByRf.get(i);
    }

    /** The method whose entry point is {@code rva}, or null. */
    public ReadyToRunMethod methodAt(long rva) {
        return methodByEntry.get(rva);
    }

    /** Import thunks: start RVA → the cells that initially point at it. */
    public Map<Long, List<ImportCell>> thunks() {
        return Collections.unmodifiableMap(thunks);
    }

    /** The thunk starting at {@code rva} described by its cells' section, e.g. "thunk for MethodImports (DelayLoad_MethodCall)", or null. */
    public String thunkAt(long rva) {
        List<ImportCell> cells = thunks.get(rva);
        if (cells == null) {
            return null;
        }
        return "import thunk of " + sectionName(cells.get(0).section()) + " (" + cells.size() + " cell" + (cells.size() == 1 ? "" : "s") + ")";
    }

    /** The thunk containing {@code rva} (the nearest thunk start at or before it, within 64 bytes), or -1. */
    public long thunkContaining(long rva) {
        Map.Entry<Long, List<ImportCell>> e = thunks.floorEntry(rva);
        return e != null && rva - e.getKey() < 64 && runtimeFunctionIndex(rva) < 0 ? e.getKey() : -1;
    }

    /**
     * A short name for an RVA that does not depend on where the image placed things: "MethodImports[3]"
     * for a cell, "Demo.Calls.Main+0x1C" for code ("[funclet 2]" counts the method's own runtime
     * functions, not the image's), the thunk, what {@link #describe} names, or else the PE section and the
     * offset in it (".rdata+0x40").
     */
    public String symbol(long rva) {
        ImportCell c = cellAt(rva);
        if (c != null) {
            return cellName(c);
        }
        String code = codeName(rva, true);
        if (code != null) {
            return code;
        }
        String d = rva >= 0 && rva < img.pe().sizeOfImage() ? describe(rva) : null;
        if (d != null) {
            return d;
        }
        String pointers = codePointers(rva);
        if (pointers != null) {
            return pointers;
        }
        SectionHeader s = img.pe().sectionForRva(rva);
        return s == null ? String.format("0x%X", rva) : String.format("%s+0x%X", s.name(), rva - s.virtualAddress());
    }

    /**
     * Data named by what it holds: "data(-> Demo.Main$ResumptionStub, -> Demo.Main+0x40)" when the first
     * one or two pointer-size slots at {@code rva} point at code or a cell (a thunk's literal, a record that
     * is no ResumeInfo record, which {@link #describe} names first), else null.
     */
    private String codePointers(long rva) {
        int size = img.pe().pointerSize();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            long value;
            try {
                long off = img.pe().rvaToOffset("data", rva + (long) k * size, size);
                value = size == 8 ? img.pe().file().u64("data", off) : img.pe().file().u32("data", off);
            } catch (RuntimeException e) {
                break; // not in the file's raw data
            }
            long target = value - img.pe().imageBase();
            if (value == 0 || target < 0 || target >= img.pe().sizeOfImage()
                    || methodContaining(target) == null && thunkContaining(target) < 0 && cellAt(target) == null) {
                break;
            }
            names.add("-> " + symbol(target));
        }
        return names.isEmpty() ? null : "data(" + String.join(", ", names) + ")";
    }

    /**
     * "Demo.Calls.Main+0x12" for code of a method (its unwind fragments included), "[cold]" or "[funclet N]" after the
     * name for its other runtime functions (N: the image's index, or with {@code ordinal} the position among the method's own); null elsewhere.
     */
    private String codeName(long rva, boolean ordinal) {
        ReadyToRunMethod m = methodContaining(rva);
        if (m == null) {
            return null;
        }
        // an unwind fragment counts as the code it continues (FindRootEntry): its offsets run on from that code's start
        RuntimeFunction rf = img.runtimeFunctions().get(img.rootRuntimeFunction(runtimeFunction(rva).index()));
        int funclet = ordinal ? m.runtimeFunctions().indexOf(rf.index()) : rf.index();
        String part = rf.index() == m.entryRuntimeFunction() ? ""
                : img.coldToHot().containsKey(rf.index()) ? " [cold]" : " [funclet " + funclet + "]";
        long off = rva - rf.beginRva();
        return m.label() + part + (off == 0 ? "" : String.format("+0x%X", off));
    }

    /** A ResumeInfo record: the resumption stub it resumes through and the DiagnosticIP, both RVAs. */
    public record ResumeInfo(long rva, long resumeRva, long diagnosticIpRva) {
    }

    /**
     * The ResumeInfo record at {@code rva} ({Resume, DiagnosticIP}, one pointer each, outside code), or
     * null when the two pointers there are not a resumption stub's entry and an address inside a method.
     */
    public ResumeInfo resumeInfoAt(long rva) {
        if (stubEntries.isEmpty() || runtimeFunctionIndex(rva) >= 0) {
            return null;
        }
        ResumeInfo r = readResumeInfo(rva);
        return r != null && stubEntries.contains(r.resumeRva()) && methodContaining(r.diagnosticIpRva()) != null ? r : null;
    }

    /** The two pointers at {@code rva} read as a ResumeInfo record (RVAs), or null when the file has no such pointers there. */
    public ResumeInfo readResumeInfo(long rva) {
        int ptr = img.pe().pointerSize();
        if (rva < 0 || rva + 2L * ptr > img.pe().sizeOfImage()) {
            return null;
        }
        long resume = pointerAt(rva, ptr);
        long ip = pointerAt(rva + ptr, ptr);
        return resume < 0 || ip < 0 ? null : new ResumeInfo(rva, resume, ip);
    }

    /** The RVA a pointer-size slot of the file holds (its value less the preferred image base), or -1 when unreadable. */
    private long pointerAt(long rva, int ptr) {
        try {
            long off = img.pe().rvaToOffset("ResumeInfo", rva, ptr);
            long v = ptr == 8 ? img.pe().file().u64("ResumeInfo", off) : img.pe().file().u32("ResumeInfo", off);
            long target = v - img.pe().imageBase();
            return target >= 0 && target < img.pe().sizeOfImage() ? target : -1;
        } catch (RuntimeException e) {
            return -1; // not in the file's raw data
        }
    }

    /** "ResumeInfo {[RESUME] Demo.Program.Main$ResumptionStub, [ASYNC] Demo.Program.Main+0x92}". */
    public String describeResumeInfo(ResumeInfo r) {
        return "ResumeInfo {" + describe(r.resumeRva()) + ", " + describe(r.diagnosticIpRva()) + "}";
    }

    /** The best name for a code or data RVA: "Demo.Calls.Main+0x12", "import thunk ...+0x4", "MethodImports[3] ...", or null. */
    public String describe(long rva) {
        ImportCell c = cellAt(rva);
        if (c != null) {
            return describeCell(c);
        }
        ResumeInfo ri = resumeInfoAt(rva);
        if (ri != null) {
            return describeResumeInfo(ri);
        }
        String code = codeName(rva, false);
        if (code != null) {
            return code;
        }
        long t = thunkContaining(rva);
        if (t >= 0) {
            return thunkAt(t) + (rva == t ? "" : String.format("+0x%X", rva - t));
        }
        return null;
    }
}
