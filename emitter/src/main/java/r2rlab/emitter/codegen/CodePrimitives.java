package r2rlab.emitter.codegen;

import java.util.List;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.UnaryOp;

/**
 * The small operations a back end implements for {@link BodyGenerator}, which builds every body from them: the
 * instruction dispatch, the await and return sequences, the suspension, dispatch and resume blocks, the Task thunk
 * and the resumption stub are spelled out once, there. Each operation emits into the part being generated.
 * Registers are named by {@link Reg} role; frame offsets are relative to {@link Reg#FRAME}. {@code L} is the back
 * end's label type.
 */
public interface CodePrimitives<L> {
    // ---- frame

    /** How many arguments travel in registers (x64: 4 on Windows, 6 on SysV; ARM64: 8). */
    int argumentRegisters();

    /** Frame offset of IR slot {@code slot}. */
    int slotOffset(int slot);

    /** Frame offset of fixed slot {@code fixed} (BodyPlan.FIXED_*). */
    int fixedOffset(int fixed);

    /** Frame offset of incoming stack argument {@code k} (argument position {@link #argumentRegisters()} + k). */
    int incomingArgumentOffset(int k);

    /** Offset from {@link Reg#STACK} of outgoing stack argument {@code k}. */
    int outgoingArgumentOffset(int k);

    /** The prolog of the body's frame (the resumption stub's own frame for a stub), recording its unwind codes. */
    void enterFrame();

    /** The epilog and the return, recorded for unwinding where the architecture describes epilogs. */
    void leaveFrameAndReturn();

    /**
     * The prolog of a funclet as the JIT writes one (no PSPSym: the runtime enters it with the parent's frame
     * register): x64 allocates its outgoing-argument area only; ARM64 saves fp and lr as the main body does, without
     * setting fp. Frame offsets keep addressing the parent's frame.
     */
    void enterFunclet();

    /** The funclet's epilog and return. */
    void leaveFuncletAndReturn();

    // ---- memory

    /** {@code dst} = the word at {@code base + offset}. */
    void load(Reg dst, Reg base, int offset);

    /** {@code dst} = the 32-bit value at {@code base + offset}, zero-extended. */
    void load32(Reg dst, Reg base, int offset);

    /** The word at {@code base + offset} = {@code src}. */
    void store(Reg base, int offset, Reg src);

    /** The word at {@code base + offset} = 0. */
    void storeZero(Reg base, int offset);

    /** The word at {@code base + offset} = {@code value} (one 64-bit store, e.g. Flags and State together). */
    void store64(Reg base, int offset, long value);

    /** The word at frame offset {@code offset} = {@code value}. */
    void storeConstant(int offset, long value);

    /** The word at {@code object + offset} = the word at frame offset {@code frameOffset}, through a scratch register. */
    void copyToField(Reg object, int offset, int frameOffset);

    /** The word at {@code object + offset} = the address {@code symbol + addend}, through a scratch register. */
    void storeAddress(Reg object, int offset, String symbol, long addend);

    // ---- registers

    /** {@code dst} = {@code src}. */
    void move(Reg dst, Reg src);

    /** {@code dst} = 0. */
    void zero(Reg dst);

    /** {@code dst} = the address of frame offset {@code offset}. */
    void addressOf(Reg dst, int offset);

    /** {@code dst} = {@code base + offset}. */
    void addressOfField(Reg dst, Reg base, int offset);

    /** {@code dst} = 1 when the word at frame offset {@code offset} is non-zero, else 0 (x64: cmp; setne; movzx). */
    void flagIfNonZero(Reg dst, int offset);

    /** {@code dst} = the value of import cell {@code cell}. */
    void loadCell(Reg dst, String cell);

    /**
     * {@code dst} = the address {@code symbol} (a code part of this body); returns the offsets of the relocations whose
     * addend the caller sets to the address's offset in that part.
     */
    List<Integer> loadCodeAddress(Reg dst, String symbol);

    // ---- arithmetic on ACCUMULATOR (and OPERAND); comparisons give 0 or 1

    /** ACCUMULATOR = {@code op} ACCUMULATOR: NEG wraps, NOT gives 1 for 0 and 0 otherwise. */
    void unary(UnaryOp op);

    /** ACCUMULATOR = ACCUMULATOR {@code op} OPERAND for ADD, SUB, MUL (wrapping) and the signed comparisons EQ..GE. */
    void binary(BinaryOp op);

    /**
     * ACCUMULATOR = ACCUMULATOR / OPERAND, or the remainder, truncating; OPERAND is non-zero, and x / -1 wraps as
     * ARM64's sdiv does.
     */
    void divide(boolean remainder);

    // ---- control flow

    /** Jump to {@code label} of the part being generated. */
    void jump(L label);

    /** Branch to {@code label} of the part being generated when {@code r} is zero ({@code ifZero}) or non-zero. */
    void branch(Reg r, boolean ifZero, L label);

    /** Branch to {@code label} when the 32-bit value in {@code r} (zero-extended) equals {@code value} (non-negative). */
    void branchIfEqual32(Reg r, int value, L label);

    /** Jump to {@code symbol}; returns the offset of the relocation it records (its addend is patched later). */
    int jumpToSymbol(String symbol);

    /** Branch to {@code symbol} when {@code r} is non-zero; returns the offset of the jump's relocation. */
    int branchIfNonZeroToSymbol(Reg r, String symbol);

    /** A trap after a call that never returns. */
    void trap();

    // ---- calls

    /** A direct call of a body of this image. */
    void callDirect(String symbol);

    /** A call through import cell {@code cell} (the delay-load protocol where the architecture has one). */
    void callThroughCell(String cell);

    /** A call of one of the context methods (CaptureContexts, RestoreContexts...) through its cell: as any other call through a cell. */
    default void callContextHelper(String cell) {
        callThroughCell(cell);
    }

    /**
     * A call of a write barrier helper (WriteBarrier, CheckedWriteBarrier) through its Eager cell, its arguments in
     * WRITE_BARRIER_DST and WRITE_BARRIER_REF: as any call through a cell on x64; ARM64 loads and calls it through x12,
     * which the barrier may trash, as the real images do.
     */
    default void callWriteBarrier(String cell) {
        callThroughCell(cell);
    }

    /** The epilog, then a tail jump through import cell {@code cell} with the arguments in place. */
    void tailJump(String cell);
}
