package r2rlab.tests;

import capstone.Capstone;
import java.util.ArrayList;
import java.util.List;

/** Capstone (official JNA binding, Debian's libcapstone4) as the independent decoder of emitted code. */
final class Disassembler implements AutoCloseable {
    record Insn(long address, int size, String mnemonic, String operands) {
        @Override
        public String toString() {
            return String.format("%x: %s %s", address, mnemonic, operands);
        }
    }

    private final Capstone cs;

    Disassembler(boolean arm64) {
        cs = arm64 ? new Capstone(Capstone.CS_ARCH_ARM64, Capstone.CS_MODE_ARM) : new Capstone(Capstone.CS_ARCH_X86, Capstone.CS_MODE_64);
    }

    /** Every instruction of {@code code} at {@code address}; decoding stops early at bytes Capstone does not know. */
    List<Insn> disassemble(byte[] code, long address) {
        List<Insn> out = new ArrayList<>();
        Capstone.CsInsn[] insns = cs.disasm(code, address);
        if (insns != null) {
            for (Capstone.CsInsn i : insns) {
                out.add(new Insn(i.address, i.size, i.mnemonic, i.opStr));
            }
        }
        return out;
    }

    @Override
    public void close() {
        cs.close();
    }
}
