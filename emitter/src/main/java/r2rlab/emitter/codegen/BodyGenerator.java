package r2rlab.emitter.codegen;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

import r2rlab.emitter.ir.MethodIr;

/**
 * The architecture-neutral state of generating one body of a {@link BodyPlan}: the hot part and, when B4 splits
 * the body, the cold part ({@code symbol + "$cold"}) with the part being emitted into, the IR labels, and the await
 * sites of an async variant. A back end subclasses it with its assembler {@code A} and label type {@code L} and
 * selects the instructions ({@link BodyEmitter}).
 */
public abstract class BodyGenerator<A, L> implements BodyEmitter<L> {
    protected final BodyPlan plan;
    protected final MethodIr ir;
    protected final CodegenContext ctx;
    protected final String symbol;
    protected final String coldSymbol;
    /** True for an async variant. */
    protected final boolean async;
    protected final A hot;
    /** The cold part: {@link #hot} itself unless the body is split. */
    protected final A cold;
    /** The part being emitted into. */
    protected A a;
    /** One label per IR label, in the hot part. */
    protected final List<L> labels;
    /** The await sites of an async variant (set by {@link #emitMethod}). */
    protected AwaitSites<L> sites;
    private final Function<A, L> newLabel;

    protected BodyGenerator(BodyPlan plan, CodegenContext ctx, String symbol, Supplier<A> newAssembler,
                            Function<A, L> newLabel) {
        this.plan = plan;
        this.ir = plan.ir();
        this.ctx = ctx;
        this.symbol = symbol;
        this.coldSymbol = BodyPlan.coldSymbol(symbol);
        this.async = plan.isAsyncVariant();
        this.newLabel = newLabel;
        this.hot = newAssembler.get();
        this.cold = plan.isHotColdSplit() ? newAssembler.get() : hot;
        this.a = hot;
        this.labels = plan.irLabels(() -> newLabel.apply(hot));
    }

    /** The symbol of part {@code asm}. */
    protected final String symbolOf(A asm) {
        return asm == hot ? symbol : coldSymbol;
    }

    /** A method or async variant body in the order of {@link BodyPlan#emitBody}. */
    public final void emitMethod() {
        if (async) {
            sites = AwaitSites.collect(ir, () -> newLabel.apply(hot), () -> newLabel.apply(cold));
        }
        plan.emitBody(this, sites);
    }

    /** A Task thunk body. */
    public abstract void emitTaskThunk();

    /** The finished fragments: the hot part, then the cold part when split. */
    public abstract List<CodeFragment> fragments();

    @Override
    public final void selectPart(boolean coldPart) {
        a = coldPart ? cold : hot;
    }

    /** The await sites of an async variant (after {@link #emitMethod}). */
    public final AwaitSites<L> awaitSites() {
        return sites;
    }

    /** The symbol of the part holding the suspension blocks (the cold part when split). */
    public final String suspensionSymbol() {
        return symbolOf(cold);
    }

    /** Offset of a bound label in its part. */
    public abstract int offsetOf(L label);
}
