package r2rlab.emitter.x64;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import r2rlab.format.unwind.x64.UnwindCode;
import r2rlab.format.unwind.x64.X64UnwindInfo;

/**
 * Records prolog events in the order they are emitted and builds the matching
 * {@link X64UnwindInfo}. Call the matching method right after emitting each prolog instruction,
 * passing the current code offset (= the offset just past the instruction), e.g.
 *
 * <pre>
 * asm.push(Register.RBP);  rec.pushNonvol(asm.offset(), Register.RBP);
 * asm.push(Register.RBX);  rec.pushNonvol(asm.offset(), Register.RBX);
 * asm.subRsp(0x28);        rec.alloc(asm.offset(), 0x28);
 * X64UnwindInfo info = rec.build(0, asm.offset());
 * </pre>
 *
 * The convenience methods {@link #push(X64Assembler, Register)}, {@link #allocStack(X64Assembler, int)}
 * and {@link #setFramePointer(X64Assembler, Register, int)} emit the instruction and record it in one
 * step. The code must start at offset 0 of the function fragment.
 */
public final class PrologRecorder {
    private final List<UnwindCode> prologOrder = new ArrayList<>();
    private Register frameRegister;
    private int frameOffset;
    private int lastOffset;

    private void add(UnwindCode c) {
        if (c.codeOffset() < lastOffset) {
            throw new IllegalArgumentException("prolog events must be recorded in increasing code order");
        }
        lastOffset = c.codeOffset();
        prologOrder.add(c);
    }

    /** Records {@code push reg} ending at {@code codeOffset}. */
    public void pushNonvol(int codeOffset, Register reg) {
        add(UnwindCode.pushNonvol(codeOffset, reg.encoding()));
    }

    /** Records {@code sub rsp, size} ending at {@code codeOffset} (smallest ALLOC code). */
    public void alloc(int codeOffset, int size) {
        add(UnwindCode.alloc(codeOffset, size));
    }

    /** Records an explicit ALLOC_LARGE form (scaled = OpInfo 0, else OpInfo 1). */
    public void allocLarge(int codeOffset, int size, boolean scaled) {
        add(UnwindCode.allocLarge(codeOffset, size, scaled));
    }

    /** Records establishing {@code reg = rsp + offset} ({@code mov reg,rsp} / {@code lea reg,[rsp+offset]}). */
    public void setFpreg(int codeOffset, Register reg, int offset) {
        if (frameRegister != null) {
            throw new IllegalStateException("frame register already set");
        }
        if (offset < 0 || offset > 240 || offset % 16 != 0) {
            throw new IllegalArgumentException("frame offset must be a multiple of 16 in 0..240: " + offset);
        }
        if (reg.encoding() == 0) {
            throw new IllegalArgumentException("RAX cannot be the frame register: FrameRegister 0 means none");
        }
        add(UnwindCode.setFpreg(codeOffset));
        frameRegister = reg;
        frameOffset = offset;
    }

    /** Emits {@code push reg} and records it. */
    public void push(X64Assembler asm, Register reg) {
        asm.push(reg);
        pushNonvol(asm.offset(), reg);
    }

    /** Emits {@code sub rsp, size} and records it. */
    public void allocStack(X64Assembler asm, int size) {
        asm.subRsp(size);
        alloc(asm.offset(), size);
    }

    /** Emits {@code mov reg, rsp} (offset 0) or {@code lea reg, [rsp+offset]} and records it. */
    public void setFramePointer(X64Assembler asm, Register reg, int offset) {
        if (offset == 0) {
            asm.mov(reg, Register.RSP);
        } else {
            asm.lea(reg, Register.RSP, offset);
        }
        setFpreg(asm.offset(), reg, offset);
    }

    /** Builds the UNWIND_INFO with prolog size = offset of the last recorded event. */
    public X64UnwindInfo build(int flags) {
        return build(flags, lastOffset);
    }

    /** Builds the UNWIND_INFO (codes reversed into stored order). */
    public X64UnwindInfo build(int flags, int sizeOfProlog) {
        List<UnwindCode> stored = new ArrayList<>(prologOrder);
        Collections.reverse(stored);
        return new X64UnwindInfo(flags, sizeOfProlog, frameRegister == null ? 0 : frameRegister.encoding(), frameOffset, stored);
    }
}
