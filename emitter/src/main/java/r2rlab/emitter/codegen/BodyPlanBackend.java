package r2rlab.emitter.codegen;

import java.util.ArrayList;
import java.util.List;
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
        BodyGenerator<?, L, ?> g = generator(BodyPlan.method(ir), ctx, sym);
        g.emitMethod();
        return new CompiledBody(ir.method(), CodeBodyKind.METHOD, ir.version(), g.fragments(), List.of(), g.clauses(), g.gcInfo());
    }

    @Override
    public final CompiledBody compileAsyncVariant(MethodIr ir, CodegenContext ctx) {
        requireAsync(ir, "compileAsyncVariant");
        String sym = ctx.bodySymbol(ir.method(), CodeBodyKind.ASYNC_VARIANT, ir.version());
        BodyPlan plan = BodyPlan.asyncVariant(ir, ctx);
        BodyGenerator<?, L, ?> g = generator(plan, ctx, sym);
        g.emitMethod();
        List<CodeFragment> frags = g.fragments();
        List<ObjectNode> data = new ArrayList<>();
        if (plan.isResumable()) {
            data.add(g.awaitSites().resumeInfo(ir, ctx, g.suspensionSymbol(), g::offsetOf));
        }
        return new CompiledBody(ir.method(), CodeBodyKind.ASYNC_VARIANT, ir.version(), frags, data, g.clauses(), g.gcInfo());
    }

    @Override
    public final CompiledBody compileTaskThunk(MethodIr ir, CodegenContext ctx) {
        MethodDecl m = ir.method();
        requireAsync(ir, "compileTaskThunk");
        String sym = ctx.bodySymbol(m, CodeBodyKind.TASK_RETURNING_THUNK, CodeVersion.R2R);
        BodyGenerator<?, L, ?> g = generator(BodyPlan.taskThunk(ir), ctx, sym);
        g.emitTaskThunk();
        return new CompiledBody(m, CodeBodyKind.TASK_RETURNING_THUNK, CodeVersion.R2R, g.fragments(), List.of(), g.clauses(), g.gcInfo());
    }

    @Override
    public final CompiledBody compileResumptionStub(MethodIr ir, CodegenContext ctx) {
        MethodDecl m = ir.method();
        requireAsync(ir, "compileResumptionStub");
        String sym = ctx.bodySymbol(m, CodeBodyKind.RESUMPTION_STUB, ir.version());
        BodyGenerator<?, L, ?> g = generator(BodyPlan.resumptionStub(ir), ctx, sym);
        g.emitResumptionStub();
        return new CompiledBody(m, CodeBodyKind.RESUMPTION_STUB, ir.version(), g.fragments(), List.of(), g.clauses(), g.gcInfo());
    }
}
