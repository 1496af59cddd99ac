package r2rlab.emitter.ir;

import java.util.List;
import r2rlab.emitter.scenario.MethodDecl;

/**
 * The lowered body of one method (for an async method: of its async variant) in one code version:
 * frame slots (parameters first, then locals, then temporaries), a flat instruction list, and the
 * suspension points with the continuation layout they save into.
 */
public record MethodIr(MethodDecl method, CodeVersion version, List<String> slotNames, int paramCount, List<Insn> insns,
                       int labelCount, List<AwaitPoint> awaitPoints, ContinuationLayout continuation) {
    public MethodIr {
        slotNames = List.copyOf(slotNames);
        insns = List.copyOf(insns);
        awaitPoints = List.copyOf(awaitPoints);
    }

    public int slotCount() {
        return slotNames.size();
    }

    public boolean isAsync() {
        return method.isAsync();
    }

    /** An async variant that never awaits gets no resumption stub and no ResumptionStubEntryPoint fixup. */
    public boolean needsResumptionStub() {
        return !awaitPoints.isEmpty();
    }
}
