package r2rlab.emitter.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import r2rlab.emitter.Defect;
import r2rlab.emitter.ir.Insn;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.CoreLibMethod;

/**
 * The architecture-neutral plan of one frame-pointer-based body (backend-spec.md), computed once from its
 * {@link MethodIr}: which frame slots it has, where each parameter arrives under the async calling convention
 * (the hidden continuation argument after {@code this}), how many arguments its calls pass, whether the async
 * variant is resumable and whether defect B4 splits it into a hot and a cold part. {@link BodyGenerator} generates
 * the body from it.
 */
public final class BodyPlan {
    /** Fixed slots of an async variant, after the IR slots: the incoming continuation argument. */
    public static final int FIXED_CONTINUATION = 0;
    /** Fixed slot: context slot 0 (ExecutionContext), filled by CaptureContexts. */
    public static final int FIXED_CONTEXT0 = 1;
    /** Fixed slot: context slot 1 (SynchronizationContext), filled by CaptureContexts. */
    public static final int FIXED_CONTEXT1 = 2;
    /** Fixed slot: the return value / new continuation kept across RestoreContexts. */
    public static final int FIXED_SCRATCH = 3;
    /** How many fixed slots an async variant has. */
    public static final int ASYNC_FIXED_SLOTS = 4;

    /** Suffix of the cold part's symbol (B4_HOT_COLD_SPLIT). */
    public static final String COLD_SUFFIX = "$cold";

    private final MethodIr ir;
    private final CodeBodyKind kind;
    private final boolean hotColdSplit;

    private BodyPlan(MethodIr ir, CodeBodyKind kind, boolean hotColdSplit) {
        this.ir = ir;
        this.kind = kind;
        this.hotColdSplit = hotColdSplit;
    }

    /** A non-async method. */
    public static BodyPlan method(MethodIr ir) {
        return new BodyPlan(ir, CodeBodyKind.METHOD, false);
    }

    /** An async variant; hot/cold split under B4_HOT_COLD_SPLIT when it has suspension code at all. */
    public static BodyPlan asyncVariant(MethodIr ir, CodegenContext ctx) {
        return new BodyPlan(ir, CodeBodyKind.ASYNC_VARIANT, ctx.has(Defect.B4_HOT_COLD_SPLIT) && ir.needsResumptionStub());
    }

    /** The Task-returning thunk of an async method. */
    public static BodyPlan taskThunk(MethodIr ir) {
        return new BodyPlan(ir, CodeBodyKind.TASK_RETURNING_THUNK, false);
    }

    /** The resumption stub of an async variant that awaits: its own small frame, no IR slots. */
    public static BodyPlan resumptionStub(MethodIr ir) {
        return new BodyPlan(ir, CodeBodyKind.RESUMPTION_STUB, false);
    }

    public MethodIr ir() {
        return ir;
    }

    public CodeBodyKind kind() {
        return kind;
    }

    /** True for an async variant: continuation argument in, continuation returned, fixed slots. */
    public boolean isAsyncVariant() {
        return kind == CodeBodyKind.ASYNC_VARIANT;
    }

    /** An async variant that awaits: it has suspension, dispatch and resume blocks and a ResumeInfo table. */
    public boolean isResumable() {
        return isAsyncVariant() && ir.needsResumptionStub();
    }

    /** B4: the suspension, dispatch and resume blocks go into a second fragment {@link #coldSymbol}. */
    public boolean isHotColdSplit() {
        return hotColdSplit;
    }

    /** The cold part's symbol of a body whose code is {@code symbol}. */
    public static String coldSymbol(String symbol) {
        return symbol + COLD_SUFFIX;
    }

    /** IR slots in the frame: a Task thunk keeps only its parameters, a resumption stub none. */
    public int frameSlots() {
        return switch (kind) {
            case TASK_RETURNING_THUNK -> ir.paramCount();
            case RESUMPTION_STUB -> 0;
            default -> ir.slotCount();
        };
    }

    /** Fixed slots after the IR slots ({@link #ASYNC_FIXED_SLOTS} in an async variant). */
    public int fixedSlots() {
        return isAsyncVariant() ? ASYNC_FIXED_SLOTS : 0;
    }

    /**
     * The most arguments a call in the body passes: every Call, every Await (its arguments plus the
     * continuation), and at least RestoreContexts'.
     */
    public int bodyCallArguments() {
        int max = CoreLibMethod.RESTORE_CONTEXTS.params;
        for (Insn i : ir.insns()) {
            if (i instanceof Insn.Call c) {
                max = Math.max(max, c.args().size());
            } else if (i instanceof Insn.Await w) {
                max = Math.max(max, w.args().size() + 1);
            }
        }
        return max;
    }

    /** Arguments of a call of {@code m}'s async variant: its parameters and the continuation. */
    public static int asyncVariantArguments(MethodDecl m) {
        return m.params().size() + 1;
    }

    /**
     * Argument position of the hidden continuation argument of a call of {@code callee}'s async variant: after
     * {@code this} for an instance method, first otherwise ({@code callee == null}: the runtime's Yield, static).
     */
    public static int continuationPosition(MethodDecl callee) {
        return callee != null && !callee.isStatic() ? 1 : 0;
    }

    /** Argument position of user argument {@code k} when the continuation is at {@code continuationPosition}. */
    public static int argumentPosition(int k, int continuationPosition) {
        return k < continuationPosition ? k : k + 1;
    }

    /** Argument position of IR parameter {@code p} of this body: the async variant has the continuation after 'this'. */
    public int parameterPosition(int p) {
        if (!isAsyncVariant()) {
            return p;
        }
        return argumentPosition(p, continuationPosition(ir.method()));
    }

    /** Every argument position of {@code m}'s async variant except the continuation's, in order. */
    public static void forEachUserArgumentPosition(MethodDecl m, IntConsumer action) {
        int contPos = continuationPosition(m);
        int variantArgs = asyncVariantArguments(m);
        for (int pos = 0; pos < variantArgs; pos++) {
            if (pos != contPos) {
                action.accept(pos);
            }
        }
    }

    /** One label per IR label, allocated with {@code newLabel}. */
    public <L> List<L> irLabels(Supplier<L> newLabel) {
        List<L> out = new ArrayList<>(ir.labelCount());
        for (int l = 0; l < ir.labelCount(); l++) {
            out.add(newLabel.get());
        }
        return out;
    }
}
