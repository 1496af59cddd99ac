package r2rlab.emitter.x64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every instruction form, for every register (and a spread of displacements/immediates), is
 * assembled on its own and checked against llvm-mc's Intel-syntax disassembly. All cases are
 * concatenated into one byte stream and disassembled in one llvm-mc run; each case must produce
 * exactly its one expected line, so a wrong length desynchronises and fails the comparison.
 */
class X64AssemblerDisassemblyTest {

    private record Case(String expected, byte[] bytes) {
    }

    private final List<Case> cases = new ArrayList<>();

    private void add(String expected, Consumer<X64Assembler> emit) {
        X64Assembler a = new X64Assembler();
        emit.accept(a);
        cases.add(new Case(expected, a.code()));
    }

    static String r64(Register r) {
        return r.name().toLowerCase();
    }

    static String r32(Register r) {
        String[] n = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
        return r.encoding() < 8 ? n[r.encoding()] : r64(r) + "d";
    }

    static String r8(Register r) {
        String[] n = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
        return r.encoding() < 8 ? n[r.encoding()] : r64(r) + "b";
    }

    static String mem(String size, Register base, int disp) {
        String d = disp == 0 ? "" : disp > 0 ? " + " + disp : " - " + (-(long) disp);
        return size + " ptr [" + r64(base) + d + "]";
    }

    static String lowerCc(Condition c) {
        return c.name().toLowerCase();
    }

    private static final int[] DISPS = {0, 8, -8, 127, -128, 128, -129, 0x12345678, Integer.MIN_VALUE};
    private static final int[] IMMS = {0, 1, -1, 127, -128, 128, -129, 0x7FFFFFFF, Integer.MIN_VALUE};

    @Test
    void allFormsMatchLlvmMc() throws Exception {
        for (Register r : Register.values()) {
            add("push " + r64(r), a -> a.push(r));
            add("pop " + r64(r), a -> a.pop(r));
            add("movabs " + r64(r) + ", 1234605616436508552", a -> a.movImm64(r, 0x1122334455667788L));
            add("movabs " + r64(r) + ", -1", a -> a.movImm64(r, -1L));
            add("mov " + r32(r) + ", 4294967295", a -> a.movImm32(r, -1));
            add("mov " + r32(r) + ", 305419896", a -> a.movImm32(r, 0x12345678));
            add("neg " + r64(r), a -> a.neg(r));
            add("not " + r64(r), a -> a.not(r));
            add("call " + r64(r), a -> a.call(r));
            add("jmp " + r64(r), a -> a.jmp(r));
            add("mov " + r64(r) + ", qword ptr [rip]", a -> a.loadRipRelative(r, "s"));
            add("lea " + r64(r) + ", [rip]", a -> a.leaRipRelative(r, "s"));
            for (Condition c : Condition.values()) {
                add("set" + lowerCc(c) + " " + r8(r), a -> a.setcc(c, r));
            }
            for (int imm : IMMS) {
                add("add " + r64(r) + ", " + imm, a -> a.add(r, imm));
                add("or " + r64(r) + ", " + imm, a -> a.or(r, imm));
                add("and " + r64(r) + ", " + imm, a -> a.and(r, imm));
                add("sub " + r64(r) + ", " + imm, a -> a.sub(r, imm));
                add("xor " + r64(r) + ", " + imm, a -> a.xor(r, imm));
                add("cmp " + r64(r) + ", " + imm, a -> a.cmp(r, imm));
            }
            for (Register s : Register.values()) {
                add("mov " + r64(r) + ", " + r64(s), a -> a.mov(r, s));
                add("mov " + r32(r) + ", " + r32(s), a -> a.mov32(r, s));
                add("add " + r64(r) + ", " + r64(s), a -> a.add(r, s));
                add("or " + r64(r) + ", " + r64(s), a -> a.or(r, s));
                add("and " + r64(r) + ", " + r64(s), a -> a.and(r, s));
                add("sub " + r64(r) + ", " + r64(s), a -> a.sub(r, s));
                add("xor " + r64(r) + ", " + r64(s), a -> a.xor(r, s));
                add("xor " + r32(r) + ", " + r32(s), a -> a.xor32(r, s));
                add("cmp " + r64(r) + ", " + r64(s), a -> a.cmp(r, s));
                add("test " + r64(r) + ", " + r64(s), a -> a.test(r, s));
                add("imul " + r64(r) + ", " + r64(s), a -> a.imul(r, s));
                add("movzx " + r32(r) + ", " + r8(s), a -> a.movzxByte(r, s));
                for (int d : DISPS) {
                    // r = data register, s = base register
                    add("mov " + r64(r) + ", " + mem("qword", s, d), a -> a.load(r, s, d));
                    add("mov " + mem("qword", s, d) + ", " + r64(r), a -> a.store(s, d, r));
                    add("mov " + r32(r) + ", " + mem("dword", s, d), a -> a.load32(r, s, d));
                    add("movsxd " + r64(r) + ", " + mem("dword", s, d), a -> a.load32SignExtend(r, s, d));
                    add("mov " + mem("dword", s, d) + ", " + r32(r), a -> a.store32(s, d, r));
                    add("lea " + r64(r) + ", " + mem("", s, d).substring(" ptr ".length()),
                            a -> a.lea(r, s, d));
                }
            }
            for (int d : DISPS) {
                add("call " + mem("qword", r, d), a -> a.callIndirect(r, d));
                add("jmp " + mem("qword", r, d), a -> a.jmpIndirect(r, d));
            }
        }
        add("sub rsp, 40", a -> a.subRsp(0x28));
        add("add rsp, 40", a -> a.addRsp(0x28));
        add("sub rsp, 4096", a -> a.subRsp(0x1000));
        add("add rsp, 4096", a -> a.addRsp(0x1000));
        add("push 5", a -> a.pushImm8(5));
        add("push -1", a -> a.pushImm8(-1));
        add("push qword ptr [rip]", a -> a.pushRipRelative("s"));
        add("call qword ptr [rip]", a -> a.callIndirectRip("s"));
        add("jmp qword ptr [rip]", a -> a.jmpIndirectRip("s"));
        add("call 0", a -> a.call("s"));
        add("jmp 0", a -> a.jmp("s"));
        add("ret", X64Assembler::ret);
        add("int3", X64Assembler::int3);
        add("nop", X64Assembler::nop);
        for (Condition c : Condition.values()) {
            // label bound right after the jump: rel32 = 0; bound at start: rel32 = -6
            add("j" + lowerCc(c) + " 0", a -> {
                X64Assembler.Label l = a.newLabel();
                a.jcc(c, l);
                a.bind(l);
            });
            add("j" + lowerCc(c) + " -6", a -> {
                X64Assembler.Label l = a.newLabel();
                a.bind(l);
                a.jcc(c, l);
            });
        }
        add("jmp -5", a -> {
            X64Assembler.Label l = a.newLabel();
            a.bind(l);
            a.jmp(l);
        });

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Case c : cases) {
            all.writeBytes(c.bytes);
        }
        List<String> got = LlvmMc.disassemble(all.toByteArray());
        int n = Math.min(got.size(), cases.size());
        for (int i = 0; i < n; i++) {
            Case c = cases.get(i);
            if (!c.expected.equals(got.get(i))) {
                fail("case " + i + ": bytes " + LlvmMc.hex(c.bytes) + " disassembled as '" + got.get(i)
                        + "', expected '" + c.expected + "'");
            }
        }
        assertEquals(cases.size(), got.size(), "instruction count");
    }
}
