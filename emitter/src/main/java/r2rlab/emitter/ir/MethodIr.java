package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import r2rlab.emitter.scenario.MethodDecl;

/**
 * The lowered body of one method (for an async method: of its async variant) in one code version:
 * frame slots (parameters first, then locals, then temporaries), a flat instruction list, the
 * suspension points with the continuation layout they save into, and the exception handling: the
 * funclets (handlers) laid out after the main code, the EH clauses over the try regions, and which part
 * ({@link #MAIN} or a funclet's index) each label and each try region lies in; {@code referenceSlots} are the
 * frame slots that hold object references (what the GC info reports and the continuation's GC map marks).
 */
public record MethodIr(MethodDecl method, CodeVersion version, List<String> slotNames, int paramCount, List<Insn> insns,
                       int labelCount, List<AwaitPoint> awaitPoints, ContinuationLayout continuation,
                       List<Funclet> funclets, List<EhClause> clauses, List<Integer> labelParts, List<Integer> regionParts,
                       BitSet referenceSlots) {
    /** The part of a label or region in the main code (not a funclet). */
    public static final int MAIN = -1;

    public MethodIr {
        slotNames = List.copyOf(slotNames);
        insns = List.copyOf(insns);
        awaitPoints = List.copyOf(awaitPoints);
        funclets = List.copyOf(funclets);
        clauses = List.copyOf(clauses);
        labelParts = List.copyOf(labelParts);
        regionParts = List.copyOf(regionParts);
        referenceSlots = (BitSet) referenceSlots.clone();
        if (labelParts.size() != labelCount) {
            throw new IllegalArgumentException("a part for every label: " + labelParts.size() + " for " + labelCount);
        }
    }

    /** The frame slots holding object references (a copy: records expose their components). */
    @Override
    public BitSet referenceSlots() {
        return (BitSet) referenceSlots.clone();
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

    /** {@link #MAIN}, or the index of the funclet whose code binds label {@code label}. */
    public int labelPart(int label) {
        return labelParts.get(label);
    }

    /** {@link #MAIN}, or the index of the funclet whose code holds try region {@code region}. */
    public int regionPart(int region) {
        return regionParts.get(region);
    }

    /** Every instruction: the main code's, then each funclet's. */
    public List<Insn> allInsns() {
        if (funclets.isEmpty()) {
            return insns;
        }
        List<Insn> all = new ArrayList<>(insns);
        funclets.forEach(f -> all.addAll(f.insns()));
        return all;
    }
}
