package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.*;

import r2rlab.format.pe.Machine;
import r2rlab.format.pe.TargetOs;

/** The calling conventions the emitted code uses: argument registers, result and continuation registers. */
public enum Abi {
    /** x64 Windows: RCX, RDX, R8, R9 and a 32-byte shadow area. */
    X64_WINDOWS(new int[] {UC_X86_REG_RCX, UC_X86_REG_RDX, UC_X86_REG_R8, UC_X86_REG_R9}, UC_X86_REG_RAX, UC_X86_REG_RCX, 32,
            UC_X86_REG_RCX, UC_X86_REG_RDX),
    /** x64 System V (Linux, macOS): RDI, RSI, RDX, RCX, R8, R9. */
    X64_SYSV(new int[] {UC_X86_REG_RDI, UC_X86_REG_RSI, UC_X86_REG_RDX, UC_X86_REG_RCX, UC_X86_REG_R8, UC_X86_REG_R9},
            UC_X86_REG_RAX, UC_X86_REG_RCX, 0, UC_X86_REG_RDI, UC_X86_REG_RSI),
    /** AAPCS64: X0..X7; the async continuation comes back in X2. */
    ARM64(new int[] {arm64X(0), arm64X(1), arm64X(2), arm64X(3), arm64X(4), arm64X(5), arm64X(6), arm64X(7)},
            arm64X(0), arm64X(2), 0, arm64X(14), arm64X(15));

    private final int[] argumentRegisters;
    public final int resultRegister;
    /** Where an async variant returns its continuation (runtime-async.md C.1). */
    public final int continuationRegister;
    public final int shadowBytes;
    /** The WriteBarrier helpers' destination address and reference: x64 the first two arguments, ARM64 x14 and x15. */
    public final int writeBarrierDestination;
    public final int writeBarrierReference;

    Abi(int[] argumentRegisters, int resultRegister, int continuationRegister, int shadowBytes, int writeBarrierDestination,
        int writeBarrierReference) {
        this.argumentRegisters = argumentRegisters;
        this.resultRegister = resultRegister;
        this.continuationRegister = continuationRegister;
        this.shadowBytes = shadowBytes;
        this.writeBarrierDestination = writeBarrierDestination;
        this.writeBarrierReference = writeBarrierReference;
    }

    /** @throws RunRejectedException for a machine the emulator does not run */
    public static Abi of(Machine machine, TargetOs os) {
        if (machine == Machine.ARM64) {
            return ARM64;
        }
        if (machine == Machine.AMD64) {
            return os == TargetOs.WINDOWS ? X64_WINDOWS : X64_SYSV;
        }
        throw new RunRejectedException(RunRejectedException.Reason.UNSUPPORTED_MACHINE,
                "the emulator runs x64 and ARM64 images; this one is " + machine.archName);
    }

    public int registerArguments() {
        return argumentRegisters.length;
    }

    public int argumentRegister(int i) {
        return argumentRegisters[i];
    }

    public boolean isArm64() {
        return this == ARM64;
    }
}
