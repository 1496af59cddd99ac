package r2rlab.emu.runtime;

import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.loader.RuntimeFunction;

/**
 * Virtual unwinding of one frame with the image's unwind data, read from guest memory (emu's own
 * small decoder; the emitter's decoders are not visible here).
 *
 * <p>x64: the UNWIND_INFO codes of the function are applied in stored (reverse prolog) order,
 * skipping the codes whose prolog offset lies beyond the IP's offset into the function (a partly
 * executed prolog), following chained info; then the return address is popped. Epilogs are not
 * detected (x64 UNWIND_INFO does not describe them).
 *
 * <p>ARM64: the .xdata prolog codes are applied in stored order up to {@code end} (codes of prolog
 * instructions not yet executed are skipped); inside an epilog scope the epilog's codes are applied
 * from the first instruction not yet executed; then PC = LR.
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

    public FrameUnwinder(CpuEngine uc, long imageBase) {
        this.uc = uc;
        this.imageBase = imageBase;
    }

    /** Unwinds the frame of {@code regs.pc()}, which lies in {@code rf}. */
    public Step unwind(RuntimeFunction rf, FrameRegisters regs) {
        try {
            return regs.isArm64() ? unwindArm64(rf, regs) : unwindX64(rf.beginRva(), rf.unwindRva(), regs, 0);
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

    private int u8(long address) {
        return uc.memRead(address, 1)[0] & 0xFF;
    }

    private int u16(long address) {
        byte[] b = uc.memRead(address, 2);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
    }

    private int u32(long address) {
        byte[] b = uc.memRead(address, 4);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
    }

    // ---- x64 ----

    private static final int UNW_FLAG_CHAININFO = 0x4;

    private Step unwindX64(long beginRva, long unwindRva, FrameRegisters regs, int depth) {
        if (depth > 32) {
            return Step.fail("chained unwind info too deep");
        }
        FrameRegisters c = regs.copy();
        long ui = imageBase + unwindRva;
        int b0 = u8(ui);
        if ((b0 & 7) != 1 && (b0 & 7) != 2) {
            return Step.fail(String.format("unsupported UNWIND_INFO version %d at RVA 0x%X", b0 & 7, unwindRva));
        }
        int flags = b0 >>> 3;
        int sizeOfProlog = u8(ui + 1);
        int count = u8(ui + 2);
        int b3 = u8(ui + 3);
        int frameReg = b3 & 0xF;
        int frameOffset = (b3 >>> 4) * 16;
        long offset = depth > 0 ? Long.MAX_VALUE : regs.pc() - (imageBase + beginRva);
        boolean inProlog = offset < sizeOfProlog;
        int slot = 0;
        while (slot < count) {
            long p = ui + 4 + 2L * slot;
            int codeOffset = u8(p);
            int opByte = u8(p + 1);
            int op = opByte & 0xF;
            int info = opByte >>> 4;
            int slots;
            switch (op) {
                case 0: slots = 1; break; // PUSH_NONVOL
                case 1: slots = info == 0 ? 2 : 3; break; // ALLOC_LARGE
                case 2: slots = 1; break; // ALLOC_SMALL
                case 3: slots = 1; break; // SET_FPREG
                case 4: slots = 2; break; // SAVE_NONVOL
                case 5: slots = 3; break; // SAVE_NONVOL_FAR
                case 8: slots = 2; break; // SAVE_XMM128
                case 9: slots = 3; break; // SAVE_XMM128_FAR
                case 10: slots = 1; break; // PUSH_MACHFRAME
                default:
                    return Step.fail(String.format("unknown x64 unwind op %d at RVA 0x%X", op, unwindRva));
            }
            boolean applies = offset >= codeOffset;
            if (applies) {
                long rsp = c.sp();
                switch (op) {
                    case 0:
                        c.set(info, readLong(rsp));
                        c.setSp(rsp + 8);
                        break;
                    case 1:
                        c.setSp(rsp + (info == 0 ? u16(p + 2) * 8L : (u32(p + 2) & 0xFFFFFFFFL)));
                        break;
                    case 2:
                        c.setSp(rsp + 8L * info + 8);
                        break;
                    case 3:
                        c.setSp(c.get(frameReg) - frameOffset);
                        break;
                    case 4:
                        c.set(info, readLong(rsp + u16(p + 2) * 8L));
                        break;
                    case 5:
                        c.set(info, readLong(rsp + (u32(p + 2) & 0xFFFFFFFFL)));
                        break;
                    case 10: {
                        long base = rsp + (info != 0 ? 8 : 0);
                        c.setPc(readLong(base));
                        c.setSp(readLong(base + 24));
                        return new Step(c, inProlog, false, null);
                    }
                    default:
                        break; // XMM saves: not tracked
                }
            }
            slot += slots;
        }
        if ((flags & UNW_FLAG_CHAININFO) != 0) {
            long chained = ui + 4 + 2L * (count + (count & 1));
            long chainedBegin = u32(chained) & 0xFFFFFFFFL;
            long chainedUnwind = u32(chained + 8) & 0xFFFFFFFFL;
            Step s = unwindX64(chainedBegin, chainedUnwind, c, depth + 1);
            return s.ok() ? new Step(s.caller(), inProlog, false, null) : s;
        }
        if (depth > 0) {
            return new Step(c, inProlog, false, null); // the outermost level pops the return address
        }
        long rsp = c.sp();
        c.setPc(readLong(rsp));
        c.setSp(rsp + 8);
        return new Step(c, inProlog, false, null);
    }

    // ---- ARM64 ----

    private Step unwindArm64(RuntimeFunction rf, FrameRegisters regs) {
        long x = imageBase + rf.unwindRva();
        if ((rf.unwindRva() & 3) != 0) {
            return Step.fail(String.format("packed ARM64 unwind data (0x%X) is not supported", rf.unwindRva()));
        }
        int header = u32(x);
        long pos = x + 4;
        long functionLength = (header & 0x3FFFFL) * 4;
        boolean e = (header & 1 << 21) != 0;
        int epilogCount = header >>> 22 & 31;
        int codeWords = header >>> 27 & 31;
        if (epilogCount == 0 && codeWords == 0) {
            int w = u32(pos);
            pos += 4;
            epilogCount = w & 0xFFFF;
            codeWords = w >>> 16 & 0xFF;
        }
        long[][] scopes;
        if (e) {
            scopes = new long[0][];
        } else {
            scopes = new long[epilogCount][];
            for (int i = 0; i < epilogCount; i++) {
                int w = u32(pos);
                pos += 4;
                scopes[i] = new long[] {(w & 0x3FFFFL) * 4, w >>> 22};
            }
        }
        byte[] codes = uc.memRead(pos, 4 * codeWords);
        long offset = regs.pc() - (imageBase + rf.beginRva());
        if (offset < 0 || offset >= functionLength) {
            return Step.fail(String.format("pc 0x%X is outside runtime function %d (length 0x%X)", regs.pc(), rf.index(), functionLength));
        }
        int prologInstructions = instructionCount(codes, 0);
        int start = 0;
        int skip = 0;
        boolean inProlog = false;
        boolean inEpilog = false;
        if (offset / 4 < prologInstructions) {
            inProlog = true;
            skip = (int) (prologInstructions - offset / 4);
        } else {
            if (e) {
                int n = instructionCount(codes, epilogCount);
                long epilogStart = functionLength - 4L * (n + 1);
                if (offset >= epilogStart) {
                    inEpilog = true;
                    start = epilogCount;
                    skip = (int) ((offset - epilogStart) / 4);
                }
            } else {
                for (long[] s : scopes) {
                    int n = instructionCount(codes, (int) s[1]);
                    if (offset >= s[0] && offset < s[0] + 4L * (n + 1)) {
                        inEpilog = true;
                        start = (int) s[1];
                        skip = (int) ((offset - s[0]) / 4);
                    }
                }
            }
        }
        FrameRegisters c = regs.copy();
        int p = start;
        int index = 0;
        while (p < codes.length) {
            int b = codes[p] & 0xFF;
            int b1 = p + 1 < codes.length ? codes[p + 1] & 0xFF : 0;
            int len = codeLength(b);
            if (b == 0xE4 || b == 0xE5) {
                break;
            }
            if (index++ < skip) {
                p += len;
                continue;
            }
            long sp = c.sp();
            if (b < 0x20) { // alloc_s
                c.setSp(sp + b * 16L);
            } else if (b < 0x40) { // save_r19r20_x
                c.set(19, readLong(sp));
                c.set(20, readLong(sp + 8));
                c.setSp(sp + (b & 0x1F) * 8L);
            } else if (b < 0x80) { // save_fplr
                long off = (b & 0x3F) * 8L;
                c.set(29, readLong(sp + off));
                c.set(30, readLong(sp + off + 8));
            } else if (b < 0xC0) { // save_fplr_x
                c.set(29, readLong(sp));
                c.set(30, readLong(sp + 8));
                c.setSp(sp + ((b & 0x3F) + 1) * 8L);
            } else if (b < 0xC8) { // alloc_m
                c.setSp(sp + ((b & 7) << 8 | b1) * 16L);
            } else if (b < 0xCC) { // save_regp
                int reg = 19 + ((b & 3) << 2 | b1 >> 6);
                long off = (b1 & 0x3F) * 8L;
                c.set(reg, readLong(sp + off));
                c.set(reg + 1, readLong(sp + off + 8));
            } else if (b < 0xD0) { // save_regp_x
                int reg = 19 + ((b & 3) << 2 | b1 >> 6);
                c.set(reg, readLong(sp));
                c.set(reg + 1, readLong(sp + 8));
                c.setSp(sp + ((b1 & 0x3F) + 1) * 8L);
            } else if (b < 0xD4) { // save_reg
                int reg = 19 + ((b & 3) << 2 | b1 >> 6);
                c.set(reg, readLong(sp + (b1 & 0x3F) * 8L));
            } else if (b < 0xD6) { // save_reg_x
                int reg = 19 + ((b & 1) << 3 | b1 >> 5);
                c.set(reg, readLong(sp));
                c.setSp(sp + ((b1 & 0x1F) + 1) * 8L);
            } else if (b < 0xD8) { // save_lrpair
                int reg = 19 + 2 * ((b & 1) << 2 | b1 >> 6);
                long off = (b1 & 0x3F) * 8L;
                c.set(reg, readLong(sp + off));
                c.set(30, readLong(sp + off + 8));
            } else if (b < 0xE0) { // save_freg*: FP registers are not tracked
                if ((b & 0xFE) == 0xDA || b == 0xDE) {
                    // pre-indexed variants also move sp
                    int z = b == 0xDE ? (b1 & 0x1F) : (b1 & 0x3F);
                    c.setSp(sp + (z + 1) * 8L);
                }
            } else if (b == 0xE0) { // alloc_l
                int b2 = codes[p + 2] & 0xFF;
                int b3 = codes[p + 3] & 0xFF;
                c.setSp(sp + ((long) b1 << 16 | b2 << 8 | b3) * 16L);
            } else if (b == 0xE1) { // set_fp
                c.setSp(c.get(29));
            } else if (b == 0xE2) { // add_fp
                c.setSp(c.get(29) - b1 * 8L);
            } else if (b == 0xE3) { // nop
                // nothing
            } else {
                return Step.fail(String.format("unsupported ARM64 unwind code 0x%02X in .xdata at RVA 0x%X", b, rf.unwindRva()));
            }
            p += len;
        }
        c.setPc(c.get(FrameRegisters.ARM64_LR));
        return new Step(c, inProlog, inEpilog, null);
    }

    /** Number of instructions the codes from {@code index} up to the next end describe. */
    private static int instructionCount(byte[] codes, int index) {
        int n = 0;
        int p = index;
        while (p < codes.length) {
            int b = codes[p] & 0xFF;
            if (b == 0xE4 || b == 0xE5) {
                break;
            }
            n++;
            p += codeLength(b);
        }
        return n;
    }

    static int codeLength(int b) {
        b &= 0xFF;
        if (b < 0xC0) {
            return 1;
        }
        if (b < 0xE0) {
            return 2;
        }
        if (b == 0xE0) {
            return 4;
        }
        if (b == 0xE2) {
            return 2;
        }
        if (b == 0xE7) {
            return 3;
        }
        return 1;
    }

}
