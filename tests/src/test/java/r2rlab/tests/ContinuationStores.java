package r2rlab.tests;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/**
 * The Flags and State stores of async variants, read from Capstone's decoding of the code (x64 real and emitted,
 * ARM64 emitted). A suspension fills a new continuation in a fixed order: ResumeInfo at +0x10 (an address formed
 * rip-relative, or by an adrp/add pair), then Flags at +0x18 and State at +0x1C, as one qword or two dwords; the
 * stored values are immediates or registers set by the instructions just before.
 */
final class ContinuationStores {
    private ContinuationStores() {
    }

    /** One suspension's Flags and State, in the method and at the code address of the Flags store. */
    record Store(ReadyToRunMethod method, long address, int flags, int state) {
    }

    private static final int RESUME_INFO = 0x10;
    private static final int FLAGS = 0x18;
    private static final int STATE = 0x1C;
    /** How many instructions after the ResumeInfo store the Flags and State stores may come. */
    private static final int WINDOW = 8;

    private static final Pattern X64_STORE = Pattern.compile("(qword|dword) ptr \\[(\\w+) \\+ (0x[0-9a-f]+)\\], (\\w+)");
    private static final Pattern X64_LEA_RIP = Pattern.compile("(\\w+), \\[rip [+-] 0x[0-9a-f]+\\]");
    private static final Pattern ARM64_STORE = Pattern.compile("([wx]\\d+|xzr|wzr), \\[(x\\d+), #(0x[0-9a-f]+)\\]");
    private static final Pattern ARM64_IMM = Pattern.compile("([wx]\\d+), #(-?0x[0-9a-f]+|-?\\d+)(, lsl #(\\d+))?");

    /** Every Flags store of every async variant of {@code img}, in code order. */
    static List<Store> of(R2RImage img, Disassembler d, boolean arm64) {
        List<Store> out = new ArrayList<>();
        for (ReadyToRunMethod m : img.methods()) {
            if (m.kind() != CodeBodyKind.ASYNC_VARIANT) {
                continue;
            }
            for (int rfIndex : m.runtimeFunctions()) {
                RuntimeFunction rf = img.runtimeFunctions().get(rfIndex);
                List<Disassembler.Insn> insns = d.disassemble(Emitted.code(img, rf), img.pe().imageBase() + rf.beginRva());
                if (arm64) {
                    arm64(m, insns, out);
                } else {
                    x64(m, insns, out);
                }
            }
        }
        return out;
    }

    /** One suspension's fill, from its ResumeInfo store on: the registers set so far, then its Flags and State. */
    private static final class Fill {
        private final ReadyToRunMethod method;
        private final Disassembler.Insn anchor;
        final Map<String, Long> regs = new HashMap<>();
        private Long flags;
        private long state;
        private long flagsAt = -1;

        Fill(ReadyToRunMethod method, Disassembler.Insn anchor) {
            this.method = method;
            this.anchor = anchor;
        }

        /** A store at {@code offset} from the continuation of {@code value} (null: a register not set just before), 64-bit when {@code wide}. */
        void store(Disassembler.Insn in, long offset, Long value, boolean wide) {
            if (offset != FLAGS && offset != STATE) {
                return;
            }
            if (value == null) {
                throw new AssertionError(method.name() + " at " + in + ": the stored register was not set just before");
            }
            if (offset == FLAGS) {
                flags = value;
                flagsAt = in.address();
                if (wide) {
                    state = value >> 32;
                }
            } else {
                state = value;
            }
        }

        Store done() {
            if (flags == null) {
                throw new AssertionError(method.name() + ": no Flags store after the ResumeInfo store at " + anchor);
            }
            return new Store(method, flagsAt, (int) (long) flags, (int) state);
        }
    }

    private static void x64(ReadyToRunMethod m, List<Disassembler.Insn> insns, List<Store> out) {
        for (int i = 1; i < insns.size(); i++) {
            Matcher st = X64_STORE.matcher(insns.get(i).operands());
            Matcher lea = X64_LEA_RIP.matcher(insns.get(i - 1).operands());
            if (!insns.get(i).mnemonic().equals("mov") || !st.matches() || Long.decode(st.group(3)) != RESUME_INFO
                    || !insns.get(i - 1).mnemonic().equals("lea") || !lea.matches() || !lea.group(1).equals(st.group(4))) {
                continue;
            }
            Fill fill = new Fill(m, insns.get(i));
            for (int j = i + 1; j < Math.min(insns.size(), i + 1 + WINDOW); j++) {
                Disassembler.Insn in = insns.get(j);
                String[] ops = in.operands().split(", ");
                Matcher s = X64_STORE.matcher(in.operands());
                if ((in.mnemonic().equals("mov") || in.mnemonic().equals("movabs")) && ops.length == 2 && !ops[0].contains("[")
                        && isImmediate(ops[1])) {
                    fill.regs.put(x64Register(ops[0]), Long.decode(ops[1]));
                } else if (in.mnemonic().equals("xor") && ops.length == 2 && ops[0].equals(ops[1])) {
                    fill.regs.put(x64Register(ops[0]), 0L);
                } else if (in.mnemonic().equals("mov") && s.matches() && s.group(2).equals(st.group(2))) {
                    String src = s.group(4);
                    fill.store(in, Long.decode(s.group(3)), isImmediate(src) ? Long.decode(src) : fill.regs.get(x64Register(src)),
                            s.group(1).equals("qword"));
                }
            }
            out.add(fill.done());
        }
    }

    private static void arm64(ReadyToRunMethod m, List<Disassembler.Insn> insns, List<Store> out) {
        for (int i = 2; i < insns.size(); i++) {
            Matcher st = ARM64_STORE.matcher(insns.get(i).operands());
            if (!insns.get(i).mnemonic().equals("str") || !st.matches() || Long.decode(st.group(3)) != RESUME_INFO
                    || !insns.get(i - 1).mnemonic().equals("add") || !insns.get(i - 2).mnemonic().equals("adrp")) {
                continue;
            }
            Fill fill = new Fill(m, insns.get(i));
            for (int j = i + 1; j < Math.min(insns.size(), i + 1 + WINDOW); j++) {
                Disassembler.Insn in = insns.get(j);
                Matcher imm = ARM64_IMM.matcher(in.operands());
                Matcher s = ARM64_STORE.matcher(in.operands());
                if ((in.mnemonic().equals("mov") || in.mnemonic().equals("movz") || in.mnemonic().equals("movk")) && imm.matches()) {
                    String r = "x" + imm.group(1).substring(1);
                    long half = Long.decode(imm.group(2)) << (imm.group(4) == null ? 0 : Integer.parseInt(imm.group(4)));
                    fill.regs.put(r, in.mnemonic().equals("movk") ? fill.regs.getOrDefault(r, 0L) | half : half);
                } else if (in.mnemonic().equals("str") && s.matches() && s.group(2).equals(st.group(2))) {
                    String src = s.group(1);
                    Long value = src.endsWith("zr") ? Long.valueOf(0) : fill.regs.get("x" + src.substring(1));
                    boolean wide = src.startsWith("x");
                    fill.store(in, Long.decode(s.group(3)), value == null || wide ? value : Long.valueOf(value & 0xFFFFFFFFL), wide);
                }
            }
            out.add(fill.done());
        }
    }

    private static boolean isImmediate(String s) {
        return s.matches("-?(0x[0-9a-f]+|\\d+)");
    }

    /** The 64-bit register a Capstone x64 register name is part of ("ecx" and "rcx" are "rcx", "r8d" is "r8"). */
    private static String x64Register(String r) {
        if (r.matches("r\\d+[dwb]")) {
            return r.substring(0, r.length() - 1);
        }
        if (r.length() == 3 && r.charAt(0) == 'e') {
            return "r" + r.substring(1);
        }
        return r;
    }
}
