package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.*;

import java.util.Arrays;
import r2rlab.emu.unicorn.CpuEngine;

/**
 * A register context for virtual unwinding: the program counter and the general-purpose registers.
 * x64: {@code r[0..15]} in encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15), as
 * UNWIND_INFO codes name them. ARM64: {@code r[0..30]} = X0..X30 and {@code r[31]} = SP.
 */
public final class FrameRegisters {
    public static final String[] X64_NAMES = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
        "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    /** Unicorn ids of the x64 registers, in encoding order. */
    static final int[] X64_IDS = {UC_X86_REG_RAX, UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_RBX, UC_X86_REG_RSP,
        UC_X86_REG_RBP, UC_X86_REG_RSI, UC_X86_REG_RDI, UC_X86_REG_R8, UC_X86_REG_R9, UC_X86_REG_R10, UC_X86_REG_R11,
        UC_X86_REG_R12, UC_X86_REG_R13, UC_X86_REG_R14, UC_X86_REG_R15};
    public static final int X64_RSP = 4;
    public static final int X64_RBP = 5;
    public static final int ARM64_FP = 29;
    public static final int ARM64_LR = 30;
    public static final int ARM64_SP = 31;

    private final boolean arm64;
    private long pc;
    private final long[] r;

    public FrameRegisters(boolean arm64, long pc, long[] registers) {
        this.arm64 = arm64;
        this.pc = pc;
        this.r = Arrays.copyOf(registers, arm64 ? 32 : 16);
    }

    /** The guest's current registers. */
    public static FrameRegisters read(CpuEngine uc) {
        boolean arm64 = uc.isArm64();
        long[] regs = new long[arm64 ? 32 : 16];
        if (arm64) {
            for (int i = 0; i <= 30; i++) {
                regs[i] = uc.regRead(arm64X(i));
            }
            regs[ARM64_SP] = uc.regRead(UC_ARM64_REG_SP);
            return new FrameRegisters(true, uc.regRead(UC_ARM64_REG_PC), regs);
        }
        for (int i = 0; i < 16; i++) {
            regs[i] = uc.regRead(X64_IDS[i]);
        }
        return new FrameRegisters(false, uc.regRead(UC_X86_REG_RIP), regs);
    }

    /** Sets the guest's registers (PC included) to these. */
    public void write(CpuEngine uc) {
        if (arm64) {
            for (int i = 0; i <= 30; i++) {
                uc.regWrite(arm64X(i), r[i]);
            }
            uc.regWrite(UC_ARM64_REG_SP, r[ARM64_SP]);
            uc.regWrite(UC_ARM64_REG_PC, pc);
            return;
        }
        for (int i = 0; i < 16; i++) {
            uc.regWrite(X64_IDS[i], r[i]);
        }
        uc.regWrite(UC_X86_REG_RIP, pc);
    }

    public FrameRegisters copy() {
        return new FrameRegisters(arm64, pc, r);
    }

    public boolean isArm64() {
        return arm64;
    }

    public long pc() {
        return pc;
    }

    public void setPc(long pc) {
        this.pc = pc;
    }

    public long get(int index) {
        return r[index];
    }

    public void set(int index, long value) {
        r[index] = value;
    }

    public long sp() {
        return r[arm64 ? ARM64_SP : X64_RSP];
    }

    public void setSp(long v) {
        r[arm64 ? ARM64_SP : X64_RSP] = v;
    }

    /** RBP or X29. */
    public long fp() {
        return r[arm64 ? ARM64_FP : X64_RBP];
    }

    public static String name(boolean arm64, int index) {
        if (arm64) {
            return index == ARM64_SP ? "sp" : index == ARM64_FP ? "fp" : index == ARM64_LR ? "lr" : "x" + index;
        }
        return X64_NAMES[index];
    }

    /** Multi-line rendering, four registers a line. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("  %-4s %016x%n", arm64 ? "pc" : "rip", pc));
        int n = arm64 ? 32 : 16;
        for (int i = 0; i < n; i++) {
            sb.append(String.format("  %-4s %016x", name(arm64, i), r[i]));
            if (i % 4 == 3 || i == n - 1) {
                sb.append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return String.format("pc=0x%x sp=0x%x fp=0x%x", pc, sp(), fp());
    }
}
