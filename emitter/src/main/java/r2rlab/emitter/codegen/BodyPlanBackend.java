package r2rlab.emitter.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.r2r.CodeBodyKind;

/**
 * A back end whose bodies follow a {@link BodyPlan}: this class picks each body's symbol and plan and assembles the
 * {@link CompiledBody} (with the async variant's ResumeInfo table); the architecture supplies the
 * {@link BodyGenerator} with its primitives. {@code L} is its label type.
 */
public abstract class BodyPlanBackend<L> implements Backend {
    /** A generator for one body of {@code plan} whose code is {@code symbol}. */
    protected abstract BodyGenerator<?, L, ?> generator(BodyPlan plan, CodegenContext ctx, String symbol);

    /**
     * A generator whose conditional branches to labels reach any distance, for a body whose short ones could not
     * ({@link BranchOutOfRangeException}); null (the default) when every branch form of the architecture reaches.
     */
    protected BodyGenerator<?, L, ?> farBranchGenerator(BodyPlan plan, CodegenContext ctx, String symbol) {
        return null;
    }

    /** Generates and finishes a body with {@code build}, again with far branches when a short one cannot reach. */
    private CompiledBody build(BodyPlan plan, CodegenContext ctx, String symbol, Function<BodyGenerator<?, L, ?>, CompiledBody> build) {
        try {
            return build.apply(generator(plan, ctx, symbol));
        } catch (BranchOutOfRangeException e) {
            BodyGenerator<?, L, ?> far = farBranchGenerator(plan, ctx, symbol);
            if (far == null) {
                throw e;
            }
            return build.apply(far);
        }
    }

    /** Throws unless {@code ir} belongs to an async method ({@code operation} names the caller). */
    private static void requireAsync(MethodIr ir, String operation) {
        if (!ir.isAsync()) {
            throw new IllegalArgumentException(operation + " of non-async method " + ir.method().fullName());
        }
    }

    @Override
    public final CompiledBody compileMethod(MethodIr ir, CodegenContext ctx) {
        if (ir.isAsync()) {
            throw new IllegalArgumentException("compileMethod of async method " + ir.method().fullName());
        }
        String sym = ctx.bodySymbol(ir.method(), CodeBodyKind.METHOD, ir.version());
        return build(BodyPlan.method(ir), ctx, sym, g -> {
            g.emitMethod();
            return new CompiledBody(ir.method(), CodeBodyKind.METHOD, ir.version(), g.fragments(), List.of(), g.clauses(), g.gcInfo());
        });
    }

    @Override
    public final CompiledBody compileAsyncVariant(MethodIr ir, CodegenContext ctx) {
        requireAsync(ir, "compileAsyncVariant");
        String sym = ctx.bodySymbol(ir.method(), CodeBodyKind.ASYNC_VARIANT, ir.version());
        BodyPlan plan = BodyPlan.asyncVariant(ir, ctx);
        return build(plan, ctx, sym, g -> {
            g.emitMethod();
            List<CodeFragment> frags = g.fragments();
            List<ObjectNode> data = new ArrayList<>();
            if (plan.isResumable()) {
                data.add(resumeInfo(g, ir, ctx));
            }
            return new CompiledBody(ir.method(), CodeBodyKind.ASYNC_VARIANT, ir.version(), frags, data, g.clauses(), g.gcInfo());
        });
    }

    /** The ResumeInfo table of an async variant {@code g} generated (a method of its own: {@code g}'s wildcard types). */
    private static <A, L, R> ObjectNode resumeInfo(BodyGenerator<A, L, R> g, MethodIr ir, CodegenContext ctx) {
        return g.awaitSites().resumeInfo(ir, ctx, g.suspensionSymbol(), g::offsetOf);
    }

    @Override
    public final CompiledBody compileTaskThunk(MethodIr ir, CodegenContext ctx) {
        MethodDecl m = ir.method();
        requireAsync(ir, "compileTaskThunk");
        String sym = ctx.bodySymbol(m, CodeBodyKind.TASK_RETURNING_THUNK, CodeVersion.R2R);
        return build(BodyPlan.taskThunk(ir), ctx, sym, g -> {
            g.emitTaskThunk();
            return new CompiledBody(m, CodeBodyKind.TASK_RETURNING_THUNK, CodeVersion.R2R, g.fragments(), List.of(), g.clauses(), g.gcInfo());
        });
    }

    @Override
    public final CompiledBody compileResumptionStub(MethodIr ir, CodegenContext ctx) {
        MethodDecl m = ir.method();
        requireAsync(ir, "compileResumptionStub");
        String sym = ctx.bodySymbol(m, CodeBodyKind.RESUMPTION_STUB, ir.version());
        return build(BodyPlan.resumptionStub(ir), ctx, sym, g -> {
            g.emitResumptionStub();
            return new CompiledBody(m, CodeBodyKind.RESUMPTION_STUB, ir.version(), g.fragments(), List.of(), g.clauses(), g.gcInfo());
        });
    }
}
