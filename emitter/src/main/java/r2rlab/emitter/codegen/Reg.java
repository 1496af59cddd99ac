package r2rlab.emitter.codegen;

/**
 * A register named by the role it plays in the shared code generation ({@link BodyGenerator}); each back end maps
 * a role to one of its registers. Two roles may share a register (x64: RESULT and ACCUMULATOR are both RAX), so a
 * sequence never keeps a value in one role while it writes the other.
 */
public enum Reg {
    /** The return value (x64 RAX, ARM64 X0); also the object a helper call returns. */
    RESULT,
    /** Where an async variant returns its continuation, null when it completed (x64 RCX, ARM64 X2). */
    CONTINUATION_RETURN,
    /** The value an instruction computes from frame slots (x64 RAX, ARM64 X9). */
    ACCUMULATOR,
    /** The second operand of a binary instruction, and a temporary beside the accumulator (x64 RCX, ARM64 X10). */
    OPERAND,
    /** The resumption stub's result byref, kept across its call (x64 RBX, ARM64 X19; callee-saved). */
    STUB_RESULT_BYREF,
    /** The continuation the resumption stub's call returned, kept across the result store (x64 R12, ARM64 X20). */
    STUB_CONTINUATION,
    /**
     * The WriteBarrier helper's destination address and the reference it stores: x64 the first two argument registers
     * (RCX, RDX on Windows; RDI, RSI on SysV), ARM64 x14 and x15 (the JIT's write-barrier convention).
     */
    WRITE_BARRIER_DST, WRITE_BARRIER_REF,
    /** The frame register the frame offsets are relative to (x64 RBP, ARM64 FP). */
    FRAME,
    /** The stack pointer, base of the outgoing stack arguments (x64 RSP, ARM64 SP). */
    STACK,
    /** The integer argument registers in argument order; {@link #argument} picks one. */
    ARG0, ARG1, ARG2, ARG3, ARG4, ARG5, ARG6, ARG7;

    private static final Reg[] VALUES = values();

    /** The register of argument position {@code position} (below the back end's argument register count). */
    public static Reg argument(int position) {
        if (position < 0 || position > ARG7.ordinal() - ARG0.ordinal()) {
            throw new IllegalArgumentException("no argument register for position " + position);
        }
        return VALUES[ARG0.ordinal() + position];
    }

    /** The argument position of an ARG role; -1 for the other roles. */
    public int argumentPosition() {
        return ordinal() >= ARG0.ordinal() ? ordinal() - ARG0.ordinal() : -1;
    }
}
