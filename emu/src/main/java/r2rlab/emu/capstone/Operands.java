package r2rlab.emu.capstone;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading Capstone's operand text: immediates ({@code 0x1f}, {@code #-8}), RIP-relative operands and ARM64 general registers. */
public final class Operands {
    private static final Pattern IMMEDIATE = Pattern.compile("#?(-?)(0x[0-9a-fA-F]+|\\d+)");
    private static final Pattern RIP = Pattern.compile("\\[rip ([+-]) (0x[0-9a-fA-F]+|\\d+)\\]");
    /** An ARM64 memory operand {@code [xN]} or {@code [xN, #imm]}: base register, then the offset or null. */
    public static final Pattern ARM64_MEMORY = Pattern.compile("\\[(x\\d+|sp)(?:, #(-?0x[0-9a-fA-F]+|-?\\d+))?\\]");

    private Operands() {
    }

    /** The value of an immediate operand, or null when the operand is none. */
    public static Long immediate(String op) {
        Matcher m = IMMEDIATE.matcher(op.trim());
        if (!m.matches()) {
            return null;
        }
        long v = parse(m.group(2));
        return m.group(1).equals("-") ? -v : v;
    }

    /** The address an x64 instruction's {@code [rip ± disp]} operand names, or null when it has none. */
    public static Long ripRelative(CapstoneDisassembler.Instruction i) {
        Matcher m = RIP.matcher(i.opStr());
        if (!m.find()) {
            return null;
        }
        long disp = parse(m.group(2));
        return i.address() + i.size() + (m.group(1).equals("-") ? -disp : disp);
    }

    /** A decimal or 0x-prefixed hexadecimal number, optionally negative. */
    public static long parse(String s) {
        boolean neg = s.startsWith("-");
        String t = neg ? s.substring(1) : s;
        long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
        return neg ? -v : v;
    }

    /** The number of an ARM64 general register ({@code x0}-{@code x30}, {@code w0}-{@code w30}, fp, lr), or -1. */
    public static int arm64Register(String op) {
        String r = op.trim();
        if (r.equals("fp")) {
            return 29;
        }
        if (r.equals("lr")) {
            return 30;
        }
        if (r.length() >= 2 && (r.charAt(0) == 'x' || r.charAt(0) == 'w')) {
            try {
                int n = Integer.parseInt(r.substring(1));
                return n >= 0 && n <= 30 ? n : -1;
            } catch (NumberFormatException e) {
                return -1;
            }
        }
        return -1;
    }
}
