package r2rlab.emu.capstone;

import capstone.Capstone;
import java.util.ArrayList;
import java.util.List;

/**
 * Disassembler for x86-64 (Intel syntax) and ARM64 over the official Capstone JNA binding
 * ({@code com.github.transcurity:capstone:4.0.2}) and the system {@code libcapstone.so.4}.
 *
 * <p>Only text is exposed. The binding's ARM64 operand <em>detail</em> is broken (its
 * {@code Arm64.Operand} lacks the {@code access} byte: 48-byte stride against C's 56, native-deps.md
 * §6.2), so detail mode is never switched on; ARM64 operands are taken from the operand text via
 * {@link #operands(String)}.
 */
public final class CapstoneDisassembler implements AutoCloseable {

    /** One decoded instruction. */
    public record Instruction(long address, int size, String mnemonic, String opStr) {
        /** {@code mnemonic opStr}, e.g. {@code "call qword ptr [rip + 0xff3]"}. */
        public String text() {
            return opStr.isEmpty() ? mnemonic : mnemonic + " " + opStr;
        }

        /** Operand texts, split at top-level commas. */
        public List<String> operands() {
            return CapstoneDisassembler.operands(opStr);
        }

        @Override
        public String toString() {
            return "0x" + Long.toHexString(address) + ": " + text();
        }
    }

    private final Capstone cs;
    private boolean closed;

    private CapstoneDisassembler(int arch, int mode) {
        this.cs = new Capstone(arch, mode);
    }

    public static CapstoneDisassembler x86_64() {
        return new CapstoneDisassembler(Capstone.CS_ARCH_X86, Capstone.CS_MODE_64);
    }

    public static CapstoneDisassembler arm64() {
        return new CapstoneDisassembler(Capstone.CS_ARCH_ARM64, Capstone.CS_MODE_ARM);
    }

    /** Capstone core version, (major << 8) | minor, e.g. 0x400. */
    public int version() {
        return cs.version();
    }

    /** Decodes all instructions of {@code code} placed at {@code address} (stops at the first invalid one). */
    public List<Instruction> disassemble(byte[] code, long address) {
        return disassemble(code, address, 0);
    }

    /** Decodes at most {@code count} instructions (0 = all). */
    public List<Instruction> disassemble(byte[] code, long address, int count) {
        if (closed) {
            throw new IllegalStateException("disassembler closed");
        }
        Capstone.CsInsn[] insns = cs.disasm(code, address, count);
        List<Instruction> out = new ArrayList<>(insns.length);
        for (Capstone.CsInsn i : insns) {
            out.add(new Instruction(i.address, i.size & 0xffff, i.mnemonic, i.opStr == null ? "" : i.opStr));
        }
        return out;
    }

    /** Splits operand text at commas outside {@code [...]} and {@code {...}}. */
    public static List<String> operands(String opStr) {
        List<String> ops = new ArrayList<>();
        if (opStr == null || opStr.isBlank()) {
            return ops;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i < opStr.length(); i++) {
            char c = opStr.charAt(i);
            if (c == '[' || c == '{') {
                depth++;
            } else if (c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                ops.add(opStr.substring(start, i).trim());
                start = i + 1;
            }
        }
        ops.add(opStr.substring(start).trim());
        return ops;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            cs.close();
        }
    }
}
