package r2rlab.emu.disasm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ReadyToRunMethod;

/**
 * Instructions as {@code dump --naked} and {@code diff} print them, in the spirit of {@code r2rdump --naked}:
 * no bytes and no RVAs, every image address an instruction names replaced by a layout-independent symbol
 * ({@link ImageSymbols#symbol}): {@code call qword ptr [MethodImports[3]]}, {@code jne Demo.Calls.Main+0x1C},
 * ARM64 {@code adrp x11, MethodImports[0]} / {@code add x11, x11, :lo12:MethodImports[0]}. Two images of the
 * same code placed differently give the same text. The disassembler must be naked too, so that annotations
 * carry no addresses.
 */
public final class NakedText {
    private static final Pattern RIP = Pattern.compile("\\[rip [+-] (?:0x[0-9a-fA-F]+|\\d+)\\]");
    private static final Pattern X64_IMM = Pattern.compile("\\b0x[0-9a-fA-F]+\\b");
    private static final Pattern ARM_IMM = Pattern.compile("#(-?0x[0-9a-fA-F]+|-?\\d+)");

    private final ImageSymbols syms;
    private final boolean arm64;
    private final long base;

    public NakedText(ImageSymbols syms) {
        this.syms = syms;
        this.arm64 = syms.image().pe().machine() == Machine.ARM64;
        this.base = syms.image().pe().imageBase();
    }

    /** The instruction text with names for addresses, then "  ; " and the annotation when it says more than the operand. */
    public String instruction(ImageDisassembler.Line l) {
        String text = l.text();
        String note = l.annotation();
        if (l.target() >= 0) {
            String sym = syms.symbol(l.target());
            String named = arm64 ? arm64(l, sym) : x64(l, sym);
            if (!named.equals(text) && note.equals("-> " + sym)) {
                note = ""; // the operand already says all the annotation does
            }
            text = named;
        }
        return note.isEmpty() ? text : text + "  ; " + note;
    }

    /** Each line as {@link #instruction}, preceded by its offset in the region ({@code +0x001C: }) unless {@code hideOffsets}. */
    public List<String> lines(ImageDisassembler.Region r, boolean hideOffsets) {
        List<String> out = new ArrayList<>(r.lines().size());
        for (ImageDisassembler.Line l : r.lines()) {
            out.add(hideOffsets ? instruction(l) : String.format("+0x%04X: %s", l.rva() - r.rva(), instruction(l)));
        }
        return out;
    }

    /** A cell and its signature, naked: "PrecodeImports[1] ResumptionStubEntryPoint stub Demo.Program.Main$ResumptionStub". */
    public String cell(ImportCell c) {
        return c.signature() == null ? syms.cellName(c) : syms.cellName(c) + " " + signature(c);
    }

    /** A cell's signature as dump renders it, except that a resumption stub is named instead of given by RVA. */
    public String signature(ImportCell c) {
        if (c.signature() instanceof FixupSignature.ResumptionStubEntryPoint s) {
            ReadyToRunMethod m = syms.methodAt(s.stubRva());
            return s.kind().name() + " stub " + (m != null ? m.name() : syms.symbol(s.stubRva()));
        }
        return c.signatureText();
    }

    private String x64(ImageDisassembler.Line l, String sym) {
        Matcher m = RIP.matcher(l.text());
        if (m.find()) {
            return l.text().substring(0, m.start()) + "[" + sym + "]" + l.text().substring(m.end());
        }
        Matcher imm = X64_IMM.matcher(l.text());
        while (imm.find()) {
            if (Long.parseUnsignedLong(imm.group().substring(2), 16) == base + l.target()) {
                return l.text().substring(0, imm.start()) + sym + l.text().substring(imm.end());
            }
        }
        return l.text();
    }

    private String arm64(ImageDisassembler.Line l, String sym) {
        String text = l.text();
        String mn = text.split(" ", 2)[0];
        Matcher imm = ARM_IMM.matcher(text);
        int lastStart = -1;
        int lastEnd = -1;
        while (imm.find()) {
            String v = imm.group(1);
            boolean neg = v.startsWith("-");
            String u = neg ? v.substring(1) : v;
            long value = u.startsWith("0x") ? Long.parseUnsignedLong(u.substring(2), 16) : Long.parseLong(u);
            if (!neg && value == base + l.target() || mn.equals("adrp") || mn.equals("adr")) {
                return text.substring(0, imm.start()) + sym + text.substring(imm.end());
            }
            lastStart = imm.start();
            lastEnd = imm.end();
        }
        if (lastStart >= 0 && (mn.equals("add") || mn.startsWith("ldr") || mn.startsWith("str"))) {
            return text.substring(0, lastStart) + ":lo12:" + sym + text.substring(lastEnd);
        }
        return text;
    }
}
