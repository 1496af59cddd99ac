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
    /** One instruction with its annotation ("" when there is nothing to say). */
    public record Line(long rva, long address, int size, String bytes, String text, String annotation) {
        @Override
        public String toString() {
            return String.format("%08X: %-24s %-40s%s", rva, bytes, text, annotation.isEmpty() ? "" : " ; " + annotation);
        }
    }

    /** A method body, funclet, cold part, resumption stub or import thunk, with its instructions. */
    public record Region(Kind kind, String name, long rva, long endRva, int runtimeFunction, List<Line> lines) {
        public enum Kind { METHOD, ASYNC_VARIANT, RESUMPTION_STUB, FUNCLET, COLD, UNOWNED, THUNK }
    }


    private final R2RImage img;
    private final ImageSymbols syms;
    private final CapstoneDisassembler cs;
    private final boolean arm64;
    private final long base;

    public ImageDisassembler(R2RImage img) {
        this.img = img;
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
        Map<String, ImportCell> x64Cells = new HashMap<>();
        List<Line> out = new ArrayList<>();
        for (CapstoneDisassembler.Instruction i : insns) {
            long r = i.address() - base;
            StringBuilder hex = new StringBuilder();
            for (int k = 0; k < i.size(); k++) {
                hex.append(String.format("%02x", code[(int) (r - rva) + k] & 0xFF));
            }
            String note = arm64 ? annotateArm64(i, own, regValue, loadedFrom) : annotateX64(i, own, x64Cells);
            out.add(new Line(r, i.address(), i.size(), hex.toString(), i.text(), note));
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
                return "-> through " + syms.describeCell(c);
            }
        }
        if (!dst.isEmpty() && !dst.contains("[")) {
            cells.remove(dst);
        }
        if (mn.equals("call") || mn.equals("jmp") || (mn.startsWith("j") && !i.opStr().contains("["))) {
            Long t = Operands.immediate(i.opStr());
            if (t != null) {
                return describeBranch(t - base, own, mn.equals("call"));
            }
        }
        return "";
    }

    // ---- ARM64 ----

    private String annotateArm64(CapstoneDisassembler.Instruction i, RuntimeFunction own, long[] regValue, ImportCell[] loadedFrom) {
        String mn = i.mnemonic();
        List<String> ops = i.operands();
        int dst = ops.isEmpty() ? -1 : Operands.arm64Register(ops.get(0));
        switch (mn) {
            case "adrp": {
                Long page = ops.size() > 1 ? Operands.immediate(ops.get(1)) : null;
                if (dst >= 0 && page != null) {
                    regValue[dst] = page;
                    loadedFrom[dst] = null;
                }
                return "";
            }
            case "add": {
                int src = ops.size() > 1 ? Operands.arm64Register(ops.get(1)) : -1;
                Long imm = ops.size() > 2 ? Operands.immediate(ops.get(2)) : null;
                if (dst >= 0 && src >= 0 && imm != null && regValue[src] != -1 && ops.get(2).startsWith("#")) {
                    long addr = regValue[src] + imm;
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
                            String what = describeData(v - base);
                            return String.format("image literal 0x%X", v) + (what == null ? "" : " = " + what);
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
                return t == null ? "" : describeBranch(t - base, own, mn.equals("bl"));
            }
            case "blr":
            case "br": {
                int r = dst;
                if (r >= 0 && loadedFrom[r] != null) {
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
        return what == null ? String.format("-> 0x%X (unknown)", target) : "-> " + what;
    }

    // ---- Whole image ----

    /** Every method body, funclet, cold part and resumption stub (runtime-function order), then the import thunks. */
    public List<Region> regions() {
        List<Region> out = new ArrayList<>();
        for (RuntimeFunction rf : img.runtimeFunctions()) {
            ReadyToRunMethod m = syms.ownerOfRuntimeFunction(rf.index());
            Region.Kind kind;
            String name;
            if (m == null) {
                kind = Region.Kind.UNOWNED;
                name = "runtime function " + rf.index() + " (no method)";
            } else if (rf.index() != m.entryRuntimeFunction()) {
                kind = img.coldToHot().containsKey(rf.index()) ? Region.Kind.COLD : Region.Kind.FUNCLET;
                name = m.label() + (kind == Region.Kind.COLD ? " [cold part]" : " [funclet]");
            } else {
                kind = m.kind() == CodeBodyKind.ASYNC_VARIANT ? Region.Kind.ASYNC_VARIANT
                        : m.kind() == CodeBodyKind.RESUMPTION_STUB ? Region.Kind.RESUMPTION_STUB : Region.Kind.METHOD;
                name = m.name();
            }
            long end = rf.endRva() >= 0 ? rf.endRva() : rf.beginRva() + 4;
            out.add(new Region(kind, name, rf.beginRva(), end, rf.index(), disassemble(rf.beginRva(), end)));
        }
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
