package r2rlab.emitter.ir;

import java.util.List;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.CallKind;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.UnaryOp;
import r2rlab.format.r2r.LabObject;

/**
 * One instruction of the lowered, architecture-neutral body. Every value lives in a frame slot
 * (an int); labels are ints. Backends expand each instruction into machine code. {@code line} is
 * the scenario line it came from.
 */
public sealed interface Insn {
    int line();

    record Label(int id, int line) implements Insn {
    }

    record Const(int dst, long value, int line) implements Insn {
    }

    record Move(int dst, int src, int line) implements Insn {
    }

    /** dst = a op b. DIV and REM by zero call the ThrowDivZero helper; AND and OR never appear (lowered to branches). */
    record Binary(BinaryOp op, int dst, int a, int b, int line) implements Insn {
    }

    record Unary(UnaryOp op, int dst, int a, int line) implements Insn {
    }

    record Jump(int label, int line) implements Insn {
    }

    /** Jump when the slot holds zero ({@code ifZero}) or non-zero. */
    record Branch(int slot, boolean ifZero, int label, int line) implements Insn {
    }

    /** A synchronous call; dst is -1 when the result is not used or there is none. */
    record Call(CallKind kind, MethodDecl target, List<Integer> args, int dst, int line) implements Insn {
    }

    /**
     * An await: a call of the target's async variant (or of the runtime's yield point when target is
     * null) with a null continuation, then the suspension check for {@code state}; dst is -1 for no value.
     * {@code inTry}: the await lies in a try region, so the exception its resumption finds in the continuation is
     * rethrown inside that region (the JIT's async transformation), not in the resume block.
     */
    record Await(AwaitPoint point, CallKind kind, MethodDecl target, List<Integer> args, int dst, boolean inTry, int line)
            implements Insn {
        /** Whether the awaited callee returns a value (the runtime's yield point does not), whether or not it is used. */
        public boolean calleeReturnsValue() {
            return target != null && target.returnsValue();
        }
    }

    /** Return; slot is -1 in a void method. */
    record Return(int slot, int line) implements Insn {
    }

    /**
     * Throw a new exception carrying the code in {@code slot}: a System.Exception allocated by the NewObject helper,
     * the code stored in it, the object passed to the Throw helper.
     */
    record Throw(int slot, int line) implements Insn {
    }

    /** Rethrow the exception object held in {@code objectSlot} through ThrowExact (a bare {@code throw}). */
    record Rethrow(int objectSlot, int line) implements Insn {
    }

    /** dst = the code of the exception object held in {@code objectSlot}. */
    record ExceptionCode(int dst, int objectSlot, int line) implements Insn {
    }

    /** The start of try region {@code region}: the code up to its TryEnd, in the same part, is protected. */
    record TryBegin(int region, int line) implements Insn {
    }

    /** The end (exclusive) of try region {@code region}. */
    record TryEnd(int region, int line) implements Insn {
    }

    /**
     * dst = a new object of {@code type} from the NewObject helper (its MethodTable from a TypeHandle cell), its fields
     * set from {@code args} in order: integers with plain stores, references through the WriteBarrier helper.
     */
    record NewObject(int dst, LabObject type, List<Integer> args, int line) implements Insn {
        public NewObject {
            args = List.copyOf(args);
        }
    }

    /** dst = field {@code field} of the {@code type} object in {@code object}; a null object throws (ThrowNullRef). */
    record LoadField(int dst, int object, LabObject type, int field, int line) implements Insn {
    }

    /**
     * Field {@code field} of the {@code type} object in {@code object} = {@code src}: a reference through the
     * WriteBarrier helper, an integer with a plain store; a null object throws (ThrowNullRef).
     */
    record StoreField(int object, LabObject type, int field, int src, int line) implements Insn {
    }

    /** A GC-safe point: a call of the GCPoll helper through its cell, where the runtime may walk the stack. */
    record GcPoint(int line) implements Insn {
    }

    /** A tail jump through an import cell: the frame is torn down, then the target is entered with the args. */
    record TailCall(MethodDecl target, List<Integer> args, int line) implements Insn {
    }
}
