package r2rlab.emu.runtime;

import java.util.List;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.RuntimeFunctionEntry;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.arm64.UnwindCode;
import r2rlab.format.unwind.x64.X64UnwindInfo;
import r2rlab.loader.RuntimeFunction;

/**
 * Virtual unwinding of one frame with the image's unwind data, read from guest memory and decoded
 * by the format's codecs ({@link X64UnwindInfo}, {@link Arm64UnwindInfo}); this class applies the
 * decoded codes to the registers.
 *
 * <p>x64: the UNWIND_INFO codes of the function are applied in stored (reverse prolog) order,
 * skipping the codes whose prolog offset lies beyond the IP's offset into the function (a partly
 * executed prolog), following chained info; then the return address is popped. Epilogs are not
 * detected (x64 UNWIND_INFO does not describe them).
 *
 * <p>ARM64: the .xdata prolog codes are applied in stored order up to {@code end} (codes of prolog
 * instructions not yet executed are skipped); inside an epilog scope the epilog's codes are applied
 * from the first instruction not yet executed; then PC = LR. A later unwind fragment's phantom prolog
 * (end_c, then the host's prolog codes) covers no instruction of the fragment: its codes all apply.
 */
public final class FrameUnwinder {
    /** How the unwind went: the caller's registers (pc = return address), or an error. */
    public record Step(FrameRegisters caller, boolean inProlog, boolean inEpilog, String error) {
        public boolean ok() {
            return error == null;
        }

        static Step fail(String error) {
            return new Step(null, false, false, error);
        }
    }

    private final CpuEngine uc;
    private final long imageBase;
    /** Where each register restored by the last unwinds was saved (by register index), when recording. */
    private long[] savedAt;

    public FrameUnwinder(CpuEngine uc, long imageBase) {
        this.uc = uc;
        this.imageBase = imageBase;
    }

    /**
     * Records, for every register an unwind restores, the stack address it was read from (by register index; untouched
     * entries keep their value): where a collector finds a caller's callee-saved register to update it.
     */
    public FrameUnwinder recordSaves(long[] addresses) {
        this.savedAt = addresses;
        return this;
    }

    private void saved(int register, long address) {
        if (savedAt != null) {
            savedAt[register] = address;
        }
    }

    /** Unwinds the frame of {@code regs.pc()}, which lies in {@code rf}. */
    public Step unwind(RuntimeFunction rf, FrameRegisters regs) {
        try {
            return regs.isArm64() ? unwindArm64(rf, regs) : unwindX64(rf, regs);
        } catch (FormatException e) {
            // the codec's offsets count from the start of the record it was given
            return Step.fail(String.format("unwind data of runtime function %d at RVA 0x%X is malformed: %s (offset from the record)",
                    rf.index(), rf.unwindRva(), e.getMessage()));
        } catch (RuntimeException e) {
            return Step.fail("unwind of runtime function " + rf.index() + " failed: " + e.getMessage());
        }
    }

    /** A function without unwind data treated as a leaf: x64 pops the return address, ARM64 takes LR. */
    public Step unwindLeaf(FrameRegisters regs, int extraStackSlots) {
        FrameRegisters c = regs.copy();
        if (c.isArm64()) {
            c.setPc(c.get(FrameRegisters.ARM64_LR));
        } else {
            long sp = c.sp() + 8L * extraStackSlots;
            c.setPc(readLong(sp));
            c.setSp(sp + 8);
        }
        return new Step(c, false, false, null);
    }

    private long readLong(long address) {
        return uc.readLong(address);
    }

    /** {@code size} bytes of guest memory at {@code address}, for the codecs. */
    private ByteReader guest(long address, int size) {
        return new ByteReader(uc.memRead(address, size));
    }

    // ---- x64 ----

    private static final int MAX_CHAIN = 32;

    private Step unwindX64(RuntimeFunction rf, FrameRegisters regs) {
        FrameRegisters c = regs.copy();
        long offset = regs.pc() - (imageBase + rf.beginRva());
        X64UnwindInfo info = readX64(rf.unwindRva());
        boolean inProlog = offset < info.sizeOfProlog();
        if (!undoX64(info, rf.unwindRva(), offset, c, 0)) {
            long rsp = c.sp();
            c.setPc(readLong(rsp)); // the return address
            c.setSp(rsp + 8);
        }
        return new Step(c, inProlog, false, null);
    }

    private X64UnwindInfo readX64(long unwindRva) {
        long ui = imageBase + unwindRva;
        return X64UnwindInfo.decode(guest(ui, X64UnwindInfo.sizeOf(guest(ui, X64UnwindInfo.HEADER_SIZE), 0)), 0);
    }

    /**
     * Undoes the codes whose prolog instruction ran ({@code offset} into the function; every code of a
     * chained record applies), then the chained records'. True when a machine frame restored RIP and
     * RSP, false when the return address is still to be popped.
     */
    private boolean undoX64(X64UnwindInfo info, long unwindRva, long offset, FrameRegisters c, int depth) {
        for (var code : info.codes()) {
            if (offset < code.codeOffset()) {
                continue; // its prolog instruction has not run yet
            }
            long rsp = c.sp();
            switch (code.op()) {
                case UWOP_PUSH_NONVOL -> {
                    saved(code.opInfo(), rsp);
                    c.set(code.opInfo(), readLong(rsp));
                    c.setSp(rsp + 8);
                }
                case UWOP_ALLOC_SMALL, UWOP_ALLOC_LARGE -> c.setSp(rsp + Integer.toUnsignedLong(code.size()));
                case UWOP_SET_FPREG -> c.setSp(c.get(info.frameRegister()) - info.frameOffset());
                case UWOP_SAVE_NONVOL, UWOP_SAVE_NONVOL_FAR -> {
                    saved(code.opInfo(), rsp + Integer.toUnsignedLong(code.size()));
                    c.set(code.opInfo(), readLong(rsp + Integer.toUnsignedLong(code.size())));
                }
                case UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR -> {
                    // XMM registers are not tracked
                }
                case UWOP_PUSH_MACHFRAME -> {
                    long base = rsp + (code.opInfo() != 0 ? 8 : 0); // skip the error code
                    c.setPc(readLong(base));
                    c.setSp(readLong(base + 24));
                    return true;
                }
            }
        }
        if ((info.flags() & X64UnwindInfo.UNW_FLAG_CHAININFO) == 0) {
            return false;
        }
        if (depth >= MAX_CHAIN) {
            throw new IllegalStateException("chained unwind info too deep");
        }
        long chainedAt = imageBase + unwindRva + info.encodedSize();
        RuntimeFunctionEntry chained = RuntimeFunctionEntry.read(guest(chainedAt, RuntimeFunctionEntry.X64_SIZE), 0, Machine.AMD64);
        return undoX64(readX64(chained.unwindData()), chained.unwindData(), Long.MAX_VALUE, c, depth + 1);
    }

    // ---- ARM64 ----

    private Step unwindArm64(RuntimeFunction rf, FrameRegisters regs) {
        long x = imageBase + rf.unwindRva();
        if ((rf.unwindRva() & 3) != 0) {
            return Step.fail(String.format("packed ARM64 unwind data (0x%X) is not supported", rf.unwindRva()));
        }
        ByteReader header = guest(x, Arm64UnwindInfo.headerSize(guest(x, 4).i32(".xdata", 0)));
        Arm64UnwindInfo.Decoded d = Arm64UnwindInfo.decode(guest(x, Arm64UnwindInfo.unwindSize(header, 0)), 0);
        long functionLength = d.functionLength();
        long offset = regs.pc() - (imageBase + rf.beginRva());
        if (offset < 0 || offset >= functionLength) {
            return Step.fail(String.format("pc 0x%X is outside runtime function %d (length 0x%X)", regs.pc(), rf.index(), functionLength));
        }
        int prologInstructions = instructionCount(d.prologCodes());
        int start = 0;
        int skip = 0;
        boolean inProlog = false;
        boolean inEpilog = false;
        if (offset / 4 < prologInstructions) {
            inProlog = true;
            skip = (int) (prologInstructions - offset / 4);
        } else if (d.singleEpilogInHeader()) {
            int n = instructionCount(d.codesFrom(d.singleEpilogIndex()));
            long epilogStart = functionLength - 4L * (n + 1);
            if (offset >= epilogStart) {
                inEpilog = true;
                start = d.singleEpilogIndex();
                skip = (int) ((offset - epilogStart) / 4);
            }
        } else {
            for (Arm64UnwindInfo.EpilogScope s : d.epilogs()) {
                int n = instructionCount(d.codesFrom(s.startIndex()));
                if (offset >= s.startOffset() && offset < s.startOffset() + 4L * (n + 1)) {
                    inEpilog = true;
                    start = s.startIndex();
                    skip = (int) ((offset - s.startOffset()) / 4);
                }
            }
        }
        FrameRegisters c = regs.copy();
        int index = 0;
        for (UnwindCode code : d.executedCodesFrom(start)) {
            if (code.op() == UnwindCode.Op.END) {
                break;
            }
            if (code.op() == UnwindCode.Op.END_C) {
                continue; // a phantom prolog's first code: the fragment has no prolog instruction; its codes follow
            }
            if (index++ < skip) {
                continue; // its instruction has not run yet (prolog) or has already run (epilog)
            }
            if (!apply(code, c)) {
                return Step.fail(String.format("unsupported ARM64 unwind code 0x%02X in .xdata at RVA 0x%X",
                        code.bytes()[0] & 0xFF, rf.unwindRva()));
            }
        }
        c.setPc(c.get(FrameRegisters.ARM64_LR));
        return new Step(c, inProlog, inEpilog, null);
    }

    /**
     * Undoes one prolog instruction: reloads what it saved and moves SP back. The pre-indexed
     * {@code _x} forms carry a negative offset, by which they moved SP. False for a code this
     * unwinder cannot apply.
     */
    private boolean apply(UnwindCode code, FrameRegisters c) {
        long sp = c.sp();
        int reg = code.reg();
        long off = code.offset();
        switch (code.op()) {
            case ALLOC_S, ALLOC_M, ALLOC_L -> c.setSp(sp + off);
            case SAVE_FPLR, SAVE_REGP -> {
                saved(reg, sp + off);
                saved(reg + 1, sp + off + 8);
                c.set(reg, readLong(sp + off));
                c.set(reg + 1, readLong(sp + off + 8));
            }
            case SAVE_R19R20_X, SAVE_FPLR_X, SAVE_REGP_X -> {
                saved(reg, sp);
                saved(reg + 1, sp + 8);
                c.set(reg, readLong(sp));
                c.set(reg + 1, readLong(sp + 8));
                c.setSp(sp - off);
            }
            case SAVE_REG -> {
                saved(reg, sp + off);
                c.set(reg, readLong(sp + off));
            }
            case SAVE_REG_X -> {
                saved(reg, sp);
                c.set(reg, readLong(sp));
                c.setSp(sp - off);
            }
            case SAVE_LRPAIR -> {
                saved(reg, sp + off);
                saved(FrameRegisters.ARM64_LR, sp + off + 8);
                c.set(reg, readLong(sp + off));
                c.set(FrameRegisters.ARM64_LR, readLong(sp + off + 8));
            }
            case SAVE_FREGP, SAVE_FREG, ALLOC_Z, NOP -> {
                // FP/SVE registers are not tracked; nop needs no unwinding
            }
            case SAVE_FREGP_X, SAVE_FREG_X -> c.setSp(sp - off);
            case SET_FP -> c.setSp(c.get(FrameRegisters.ARM64_FP));
            case ADD_FP -> c.setSp(c.get(FrameRegisters.ARM64_FP) - off);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** Number of instructions a scope's codes describe: the codes before its end. */
    private static int instructionCount(List<UnwindCode> scope) {
        int n = 0;
        for (UnwindCode c : scope) {
            if (c.endsScope()) {
                break;
            }
            n++;
        }
        return n;
    }
}
