package r2rlab.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import r2rlab.emu.disasm.ImageDisassembler;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.RuntimeFunctionEntry;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.x64.UnwindCode;
import r2rlab.format.unwind.x64.UnwindOp;
import r2rlab.format.unwind.x64.X64UnwindInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.RuntimeFunction;

/**
 * {@code dump --unwind}: the unwind record of a runtime function decoded by {@code format}'s codecs
 * (x64 UNWIND_INFO, ARM64 .xdata) with the personality routine that follows it (r2r-format.md §5.2),
 * as text lines and as the JSON object of the {@code unwind} field.
 */
final class UnwindView implements AutoCloseable {
    private static final String[] X64_REGISTERS = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11",
        "r12", "r13", "r14", "r15"};

    /** Enough bytes for a personality thunk: x64 {@code jmp [rip+cell]}; ARM64 {@code adrp; ldr; br} or its literal form. */
    private static final int THUNK_BYTES = 16;

    /** One runtime function's record: text lines (indented by the caller) and its JSON form. */
    record Decoded(List<String> lines, JsonObject json) {
    }

    private final R2RImage img;
    private final ImageSymbols syms;
    private final boolean naked;
    private final ImageDisassembler dis;

    UnwindView(R2RImage img, boolean naked) {
        this.img = img;
        this.dis = new ImageDisassembler(img, naked);
        this.syms = dis.symbols();
        this.naked = naked;
    }

    @Override
    public void close() {
        dis.close();
    }

    Decoded decode(RuntimeFunction rf) {
        JsonObject j = new JsonObject();
        j.addProperty("runtimeFunction", rf.index());
        j.addProperty("unwindRva", rf.unwindRva());
        List<String> lines = new ArrayList<>();
        Machine m = img.pe().machine();
        try {
            if (m == Machine.AMD64) {
                x64(rf, lines, j);
            } else if (m == Machine.ARM64) {
                arm64(rf, lines, j);
            } else {
                lines.add("unwind decoding is not available for " + m.archName);
                j.addProperty("format", "none");
            }
        } catch (FormatException e) {
            lines.add("unreadable: " + e.getMessage());
            j.addProperty("error", e.getMessage());
        }
        return new Decoded(lines, j);
    }

    private void x64(RuntimeFunction rf, List<String> lines, JsonObject j) {
        ByteReader file = img.pe().file();
        long off = img.pe().rvaToOffset("UNWIND_INFO", rf.unwindRva(), X64UnwindInfo.HEADER_SIZE);
        X64UnwindInfo u = X64UnwindInfo.decode(file, off);
        j.addProperty("format", "x64");
        j.addProperty("version", X64UnwindInfo.VERSION);
        j.addProperty("flags", u.flags());
        j.addProperty("sizeOfProlog", u.sizeOfProlog());
        j.addProperty("countOfUnwindCodes", u.countOfUnwindCodes());
        j.addProperty("frameRegister", u.frameRegister() == 0 ? "" : X64_REGISTERS[u.frameRegister()]);
        j.addProperty("frameOffset", u.frameOffset());
        lines.add(String.format("UNWIND_INFO Version %d  Flags 0x%X%s  SizeOfProlog 0x%X  CountOfUnwindCodes %d  FrameRegister %s  FrameOffset 0x%X",
                X64UnwindInfo.VERSION, u.flags(), x64Flags(u.flags()), u.sizeOfProlog(), u.countOfUnwindCodes(),
                u.frameRegister() == 0 ? "none" : X64_REGISTERS[u.frameRegister()], u.frameOffset()));
        JsonArray codes = new JsonArray();
        for (UnwindCode c : u.codes()) {
            String text = String.format("+0x%02X %s", c.codeOffset(), x64Code(c));
            lines.add("  " + text);
            codes.add(text);
        }
        j.add("codes", codes);
        long after = rf.unwindRva() + u.encodedSize();
        if ((u.flags() & X64UnwindInfo.UNW_FLAG_CHAININFO) != 0) {
            RuntimeFunctionEntry chained = RuntimeFunctionEntry.read(file,
                    img.pe().rvaToOffset("UNWIND_INFO chained RUNTIME_FUNCTION", after, RuntimeFunctionEntry.size(Machine.AMD64)), Machine.AMD64);
            int index = img.runtimeFunctionStartingAt(chained.beginAddress());
            lines.add(naked ? "chained to " + syms.symbol(chained.beginAddress())
                    : String.format("chained to RUNTIME_FUNCTION 0x%08X-0x%08X%s", chained.beginAddress(), chained.endAddress(),
                            index < 0 ? "" : " (runtime function " + index + ")"));
            j.addProperty("chainedRuntimeFunction", index);
        } else if ((u.flags() & (X64UnwindInfo.UNW_FLAG_EHANDLER | X64UnwindInfo.UNW_FLAG_UHANDLER)) != 0) {
            personality(after, lines, j);
        }
    }

    private static String x64Flags(int flags) {
        List<String> names = new ArrayList<>();
        if ((flags & X64UnwindInfo.UNW_FLAG_EHANDLER) != 0) {
            names.add("EHANDLER");
        }
        if ((flags & X64UnwindInfo.UNW_FLAG_UHANDLER) != 0) {
            names.add("UHANDLER");
        }
        if ((flags & X64UnwindInfo.UNW_FLAG_CHAININFO) != 0) {
            names.add("CHAININFO");
        }
        return names.isEmpty() ? "" : " (" + String.join(" ", names) + ")";
    }

    private static String x64Code(UnwindCode c) {
        UnwindOp op = c.op();
        return switch (op) {
            case UWOP_PUSH_NONVOL -> op + " " + X64_REGISTERS[c.opInfo()];
            case UWOP_ALLOC_SMALL, UWOP_ALLOC_LARGE -> String.format("%s 0x%X", op, c.size());
            case UWOP_SET_FPREG -> op.toString();
            case UWOP_SAVE_NONVOL, UWOP_SAVE_NONVOL_FAR -> String.format("%s %s at [rsp+0x%X]", op, X64_REGISTERS[c.opInfo()], c.size());
            case UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR -> String.format("%s xmm%d at [rsp+0x%X]", op, c.opInfo(), c.size());
            case UWOP_PUSH_MACHFRAME -> op + (c.opInfo() == 1 ? " with error code" : "");
        };
    }

    private void arm64(RuntimeFunction rf, List<String> lines, JsonObject j) {
        ByteReader file = img.pe().file();
        long off = img.pe().rvaToOffset(".xdata", rf.unwindRva(), 4);
        int size = Arm64UnwindInfo.unwindSize(file, off);
        img.pe().rvaToOffset(".xdata", rf.unwindRva(), size);
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(file, off);
        j.addProperty("format", "arm64");
        j.addProperty("functionLength", d.functionLength());
        j.addProperty("version", d.version());
        j.addProperty("exceptionDataPresent", d.exceptionDataPresent());
        j.addProperty("singleEpilogInHeader", d.singleEpilogInHeader());
        j.addProperty("epilogCount", d.epilogCount());
        j.addProperty("codeWords", d.codeWords());
        lines.add(String.format(".xdata FunctionLength 0x%X  Vers %d  X %d  E %d  EpilogCount %d  CodeWords %d", d.functionLength(),
                d.version(), d.exceptionDataPresent() ? 1 : 0, d.singleEpilogInHeader() ? 1 : 0, d.epilogCount(), d.codeWords()));
        JsonArray epilogs = new JsonArray();
        for (Arm64UnwindInfo.EpilogScope s : d.epilogs()) {
            lines.add(String.format("  epilog at +0x%X, codes from index %d", s.startOffset(), s.startIndex()));
            JsonObject e = new JsonObject();
            e.addProperty("startOffset", s.startOffset());
            e.addProperty("startIndex", s.startIndex());
            epilogs.add(e);
        }
        j.add("epilogs", epilogs);
        JsonArray codes = new JsonArray();
        StringBuilder sb = new StringBuilder();
        for (var c : d.codes()) { // ARM64 codes render as the spec names them
            codes.add(c.toString());
            sb.append(sb.length() == 0 ? "" : "; ").append(c);
        }
        lines.add("  codes: " + sb);
        j.add("codes", codes);
        if (d.exceptionDataPresent()) {
            personality(rf.unwindRva() + d.unwindSize(), lines, j);
        }
    }

    /**
     * The u32 personality-routine RVA at {@code rva}, named by the cell its thunk jumps through (crossgen2's
     * thunk jumps through the Eager PersonalityRoutine or PersonalityRoutineFilterFunclet cell), else by {@link ImageSymbols#symbol}.
     */
    private void personality(long rva, List<String> lines, JsonObject j) {
        long p = img.pe().file().u32("personality routine", img.pe().rvaToOffset("personality routine", rva, 4));
        String name = syms.symbol(p);
        for (ImageDisassembler.Line l : dis.disassemble(p, p + THUNK_BYTES)) {
            if (l.through() != null) {
                name = "thunk through " + syms.describeCell(l.through());
                break;
            }
        }
        lines.add(naked ? "personality routine " + name : String.format("personality routine 0x%08X %s", p, name));
        j.addProperty("personalityRva", p);
        j.addProperty("personality", name);
    }
}
