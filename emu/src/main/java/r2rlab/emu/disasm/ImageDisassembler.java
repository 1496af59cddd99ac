package r2rlab.emu.disasm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import r2rlab.emu.capstone.CapstoneDisassembler;
import r2rlab.emu.capstone.Operands;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * Capstone disassembly of a ReadyToRun image's code with cells, helpers and methods named, in the
 * spirit of {@code r2rdump --disasm}: {@code call [rip+X]} and ARM64 {@code adrp/add x11} pairs name the
 * import cell and its fixup signature ("-> MethodImports[3] MethodEntry_DefToken Demo.Calls.Twice"),
 * direct calls name their target method or thunk, thunk literals name the Module and helper cells.
 */
public final class ImageDisassembler implements AutoCloseable {
    /**
     * One instruction with its annotation ("" when there is nothing to say), the RVA its address operand
     * resolves to ({@code target}: a branch target, a RIP-relative address, the address an ARM64
     * ADRP/ADD or ADRP/LDR pair forms, on both instructions of the pair; -1 when none) and the import cell
     * a call or jump goes through ({@code through}; null when none).
     */
    public record Line(long rva, long address, int size, String bytes, String text, String annotation, long target,
                       ImportCell through) {
        @Override
        public String toString() {
            return String.format("%08X: %-24s %-40s%s", rva, bytes, text, annotation.isEmpty() ? "" : " ; " + annotation);
        }
    }

    /** A method body, funclet, cold part, resumption stub or import thunk, with its instructions. */
    public record Region(Kind kind, String name, long rva, long endRva, int runtimeFunction, List<Line> lines) {
        public enum Kind {
            METHOD("Method"), ASYNC_VARIANT("[ASYNC] Method"), RESUMPTION_STUB("[RESUME] Stub"), FUNCLET("Funclet"), COLD("Cold part"),
            FRAGMENT("Fragment"), UNOWNED("Code"), THUNK("Thunk");

            /** How {@code dump --disasm} heads a region of this kind. */
            public final String label;

            Kind(String label) {
                this.label = label;
            }
        }
    }

    private static final char[] HEX_DIGITS = "0123456789abcdef".toCharArray();

    private final R2RImage img;
    private final ImageSymbols syms;
    private final CapstoneDisassembler cs;
    private final boolean arm64;
    private final long base;
    private final boolean naked;
    /** What the annotation of the current instruction found: the RVA its operand names and the cell it goes through. */
    private long noteTarget;
    private ImportCell noteThrough;

    public ImageDisassembler(R2RImage img) {
        this(img, false);
    }

    /** {@code naked}: annotations without image addresses (for layout-independent text, see {@link NakedText}). */
    public ImageDisassembler(R2RImage img, boolean naked) {
        this.img = img;
        this.naked = naked;
        this.syms = new ImageSymbols(img);
        this.arm64 = img.pe().machine() == Machine.ARM64;
        this.cs = arm64 ? CapstoneDisassembler.arm64() : CapstoneDisassembler.x86_64();
        this.base = img.pe().imageBase();
    }

    public ImageSymbols symbols() {
        return syms;
    }

    /** The image bytes at [rva, rva + length) (zero-filled where the file has none). */
    public byte[] bytes(long rva, int length) {
        byte[] out = new byte[Math.max(0, length)];
        try {
            long off = img.pe().rvaToOffset("code", rva, length);
            byte[] b = img.pe().file().bytes("code", off, length);
            System.arraycopy(b, 0, out, 0, b.length);
        } catch (RuntimeException e) {
            // outside the file's raw data: leave zeros
        }
        return out;
    }

    /** Disassembles the image's code at [rva, endRva). */
    public List<Line> disassemble(long rva, long endRva) {
        return disassemble(bytes(rva, (int) (endRva - rva)), rva);
    }

    /** Disassembles {@code code} located at {@code rva} (e.g. bytes read from guest memory), with annotations. */
    public List<Line> disassemble(byte[] code, long rva) {
        List<CapstoneDisassembler.Instruction> insns = cs.disassemble(code, base + rva);
        RuntimeFunction own = syms.runtimeFunction(rva);
        long[] regValue = new long[32];
        ImportCell[] loadedFrom = new ImportCell[32];
        Arrays.fill(regValue, -1);
        int[] pageLine = new int[32];
        Arrays.fill(pageLine, -1);
        Map<String, ImportCell> x64Cells = new HashMap<>();
        List<Line> out = new ArrayList<>();
        for (CapstoneDisassembler.Instruction i : insns) {
            long r = i.address() - base;
            StringBuilder hex = new StringBuilder(2 * i.size());
            for (int k = 0; k < i.size(); k++) {
                int v = code[(int) (r - rva) + k] & 0xFF;
                hex.append(HEX_DIGITS[v >>> 4]).append(HEX_DIGITS[v & 0xF]);
            }
            noteTarget = -1;
            noteThrough = null;
            String note = arm64 ? annotateArm64(i, own, regValue, loadedFrom, pageLine, out) : annotateX64(i, own, x64Cells);
            out.add(new Line(r, i.address(), i.size(), hex.toString(), i.text(), note, noteTarget, noteThrough));
        }
        return out;
    }

    // ---- x64 ----

    private String annotateX64(CapstoneDisassembler.Instruction i, RuntimeFunction own, Map<String, ImportCell> cells) {
        String mn = i.mnemonic();
        List<String> ops = i.operands();
        String dst = ops.isEmpty() ? "" : ops.get(0);
        Long rip = Operands.ripRelative(i);
        if (rip != null) {
            long target = rip - base;
            noteTarget = target;
            if ((mn.equals("call") || mn.equals("jmp")) && syms.cellAt(target) != null) {
                noteThrough = syms.cellAt(target);
            }
            cells.remove(dst);
            if (mn.equals("lea")) {
                ImportCell c = syms.cellAt(target);
                if (c != null) {
                    cells.put(dst, c); // lea rax, [rip + cell]; jmp qword ptr [rax]: the tail jump through an existing cell
                }
            }
            String what = describeData(target);
            return what == null ? "" : "-> " + what;
        }
        if ((mn.equals("jmp") || mn.equals("call")) && dst.startsWith("qword ptr [") && dst.endsWith("]")) {
            ImportCell c = cells.get(dst.substring("qword ptr [".length(), dst.length() - 1));
            if (c != null) {
                noteThrough = c;
                return "-> through " + syms.describeCell(c);
            }
        }
        if (!dst.isEmpty() && !dst.contains("[")) {
            cells.remove(dst);
        }
        if (mn.equals("call") || mn.equals("jmp") || (mn.startsWith("j") && !i.opStr().contains("["))) {
            Long t = Operands.immediate(i.opStr());
            if (t != null) {
                noteTarget = t - base;
                return describeBranch(t - base, own, mn.equals("call"));
            }
        }
        return "";
    }

    // ---- ARM64 ----

    private String annotateArm64(CapstoneDisassembler.Instruction i, RuntimeFunction own, long[] regValue, ImportCell[] loadedFrom,
                                 int[] pageLine, List<Line> done) {
        String note = annotateArm64Op(i, own, regValue, loadedFrom, pageLine, done);
        String mn = i.mnemonic();
        if (mn.startsWith("b.") || mn.startsWith("cb") || mn.startsWith("tb") || mn.equals("adr")) {
            Long t = i.operands().isEmpty() ? null : Operands.immediate(i.operands().get(i.operands().size() - 1));
            if (t != null) {
                noteTarget = t - base; // a conditional branch's target or ADR's address, for naked text
            }
        }
        int dst = i.operands().isEmpty() ? -1 : Operands.arm64Register(i.operands().get(0));
        if (dst >= 0 && !mn.equals("adrp") && !mn.startsWith("st") && !mn.startsWith("c") && !mn.startsWith("b") && !mn.equals("ret")) {
            pageLine[dst] = -1; // the register no longer holds the page an ADRP set
        }
        return note;
    }

    private String annotateArm64Op(CapstoneDisassembler.Instruction i, RuntimeFunction own, long[] regValue, ImportCell[] loadedFrom,
                                   int[] pageLine, List<Line> done) {
        String mn = i.mnemonic();
        List<String> ops = i.operands();
        int dst = ops.isEmpty() ? -1 : Operands.arm64Register(ops.get(0));
        switch (mn) {
            case "adrp": {
                Long page = ops.size() > 1 ? Operands.immediate(ops.get(1)) : null;
                if (dst >= 0 && page != null) {
                    regValue[dst] = page;
                    loadedFrom[dst] = null;
                    pageLine[dst] = done.size();
                    noteTarget = page - base; // until an ADD or LDR names the whole address
                }
                return "";
            }
            case "add": {
                int src = ops.size() > 1 ? Operands.arm64Register(ops.get(1)) : -1;
                Long imm = ops.size() > 2 ? Operands.immediate(ops.get(2)) : null;
                if (dst >= 0 && src >= 0 && imm != null && regValue[src] != -1 && ops.get(2).startsWith("#")) {
                    long addr = regValue[src] + imm;
                    pairWithPage(src, regValue[src] - base, addr - base, pageLine, done);
                    regValue[dst] = addr;
                    loadedFrom[dst] = null;
                    String what = describeData(addr - base);
                    return what == null ? "" : ops.get(0) + " = " + what;
                }
                clear(dst, regValue, loadedFrom);
                return "";
            }
            case "ldr": {
                if (ops.size() > 1 && dst >= 0) {
                    String src = ops.get(1);
                    Matcher m = Operands.ARM64_MEMORY.matcher(src);
                    if (m.matches()) {
                        int b = Operands.arm64Register(m.group(1));
                        long off = m.group(2) == null ? 0 : Operands.parse(m.group(2));
                        if (b >= 0 && regValue[b] != -1) {
                            long addr = regValue[b] + off;
                            pairWithPage(b, regValue[b] - base, addr - base, pageLine, done);
                            ImportCell c = syms.cellAt(addr - base);
                            clear(dst, regValue, loadedFrom);
                            loadedFrom[dst] = c;
                            String what = describeData(addr - base);
                            return what == null ? "" : "load [" + what + "]";
                        }
                    } else if (src.startsWith("#")) { // literal: a pointer-size slot in the code
                        Long lit = Operands.immediate(src);
                        clear(dst, regValue, loadedFrom);
                        if (lit != null) {
                            long v = littleEndian(bytes(lit - base, 8));
                            regValue[dst] = v;
                            noteTarget = lit - base;
                            String what = describeData(v - base);
                            String literal = naked && what != null ? "image literal" : String.format("image literal 0x%X", v);
                            return literal + (what == null ? "" : " = " + what);
                        }
                    }
                }
                clear(dst, regValue, loadedFrom);
                return "";
            }
            case "movz":
            case "mov": {
                Long imm = ops.size() > 1 ? Operands.immediate(ops.get(1)) : null;
                clear(dst, regValue, loadedFrom);
                if (imm != null && ops.get(1).startsWith("#") && dst == 9 && syms.thunkContaining(i.address() - base) >= 0) {
                    return "import section " + imm + " (" + syms.sectionName(imm.intValue()) + ")";
                }
                return "";
            }
            case "bl":
            case "b": {
                Long t = ops.isEmpty() ? null : Operands.immediate(ops.get(0));
                if (t != null) {
                    noteTarget = t - base;
                }
                return t == null ? "" : describeBranch(t - base, own, mn.equals("bl"));
            }
            case "blr":
            case "br": {
                int r = dst;
                if (r >= 0 && loadedFrom[r] != null) {
                    noteThrough = loadedFrom[r];
                    return "-> through " + syms.describeCell(loadedFrom[r]);
                }
                return "";
            }
            default:
                if (dst >= 0 && !mn.startsWith("st") && !mn.startsWith("c") && !mn.startsWith("b") && !mn.equals("ret")) {
                    clear(dst, regValue, loadedFrom);
                }
                return "";
        }
    }

    /**
     * The address {@code rva} is formed from {@code page}, held in register {@code reg}: this instruction's
     * target, and the target of the ADRP that set the page (a pair names one address on both of its instructions).
     */
    private void pairWithPage(int reg, long page, long rva, int[] pageLine, List<Line> done) {
        noteTarget = rva;
        int k = pageLine[reg];
        if (k >= 0 && done.get(k).target() == page) {
            Line p = done.get(k);
            done.set(k, new Line(p.rva(), p.address(), p.size(), p.bytes(), p.text(), p.annotation(), rva, p.through()));
        }
    }

    private static void clear(int r, long[] regValue, ImportCell[] loadedFrom) {
        if (r >= 0) {
            regValue[r] = -1;
            loadedFrom[r] = null;
        }
    }

    private static long littleEndian(byte[] b) {
        long v = 0;
        for (int k = b.length - 1; k >= 0; k--) {
            v = v << 8 | (b[k] & 0xFF);
        }
        return v;
    }

    /** A cell (with its signature), or code, or null. */
    private String describeData(long rva) {
        if (rva < 0 || rva >= img.pe().sizeOfImage()) {
            return null;
        }
        return syms.describe(rva);
    }

    private String describeBranch(long target, RuntimeFunction own, boolean call) {
        RuntimeFunction t = syms.runtimeFunction(target);
        if (!call && own != null && t != null && t.index() == own.index()) {
            return ""; // a branch inside the same function
        }
        ReadyToRunMethod m = syms.methodAt(target);
        if (m != null) {
            return "-> " + m.label();
        }
        String what = describeData(target);
        if (what == null) {
            return naked ? "-> unknown" : String.format("-> 0x%X (unknown)", target);
        }
        return "-> " + what;
    }

    // ---- Whole image ----

    /** Every method body, funclet, cold part and resumption stub (runtime-function order), then the import thunks. */
    public List<Region> regions() {
        List<Region> out = new ArrayList<>();
        for (RuntimeFunction rf : img.runtimeFunctions()) {
            out.add(region(rf.index()));
        }
        out.addAll(thunkRegions());
        return out;
    }

    /** The method body, funclet, cold part or resumption stub of runtime function {@code index}. */
    public Region region(int index) {
        RuntimeFunction rf = img.runtimeFunctions().get(index);
        ReadyToRunMethod m = syms.ownerOfRuntimeFunction(rf.index());
        Region.Kind kind;
        String name;
        if (m == null) {
            kind = Region.Kind.UNOWNED;
            name = "runtime function " + rf.index() + " (no method)";
        } else if (img.isFunctionFragment(rf.index())) {
            kind = Region.Kind.FRAGMENT; // an unwind fragment continues the code before it
            name = m.label() + (img.rootRuntimeFunction(rf.index()) == m.entryRuntimeFunction() ? "" : " [funclet]") + " [fragment]";
        } else if (rf.index() != m.entryRuntimeFunction()) {
            kind = img.coldToHot().containsKey(rf.index()) ? Region.Kind.COLD : Region.Kind.FUNCLET;
            name = m.label() + (kind == Region.Kind.COLD ? " [cold part]" : " [funclet]");
        } else {
            kind = m.kind() == CodeBodyKind.ASYNC_VARIANT ? Region.Kind.ASYNC_VARIANT
                    : m.kind() == CodeBodyKind.RESUMPTION_STUB ? Region.Kind.RESUMPTION_STUB : Region.Kind.METHOD;
            name = m.name();
        }
        long end = rf.endRva() >= 0 ? rf.endRva() : rf.beginRva() + 4;
        return new Region(kind, name, rf.beginRva(), end, rf.index(), disassemble(rf.beginRva(), end));
    }

    /** The import thunks, each up to its first jump or return. */
    public List<Region> thunkRegions() {
        List<Region> out = new ArrayList<>();
        for (Map.Entry<Long, List<ImportCell>> e : syms.thunks().entrySet()) {
            long start = e.getKey();
            List<Line> lines = new ArrayList<>();
            for (Line l : disassemble(start, start + 64)) {
                lines.add(l);
                String mn = l.text().split(" ")[0];
                if (mn.equals("jmp") || mn.equals("br") || mn.equals("ret") || mn.equals("b")) {
                    break;
                }
            }
            long end = lines.isEmpty() ? start : lines.get(lines.size() - 1).rva() + lines.get(lines.size() - 1).size();
            List<String> cells = new ArrayList<>();
            for (ImportCell c : e.getValue()) {
                cells.add(syms.cellName(c));
            }
            out.add(new Region(Region.Kind.THUNK, syms.thunkAt(start) + " " + cells, start, end, -1, Collections.unmodifiableList(lines)));
        }
        return out;
    }

    @Override
    public void close() {
        cs.close();
    }
}
