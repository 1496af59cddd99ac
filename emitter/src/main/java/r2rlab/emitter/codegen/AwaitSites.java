package r2rlab.emitter.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.image.SectionKind;
import r2rlab.emitter.ir.AwaitPoint;
import r2rlab.emitter.ir.Insn;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.format.BlobBuilder;
import r2rlab.format.r2r.CodeBodyKind;

/**
 * The await points of an async variant with the labels of their code (backend-spec.md, compileAsyncVariant
 * 3-6): the resume point in the hot part, the suspension and resume blocks in the cold part, and the one dispatch
 * block. {@code L} is the back end's label type.
 */
public final class AwaitSites<L> {
    /** One Insn.Await and its labels. */
    public static final class Site<L> {
        private final Insn.Await insn;
        private final L resumePoint;
        private final L suspensionBlock;
        private final L resumeBlock;
        private final L rethrowBlock;

        Site(Insn.Await insn, L resumePoint, L suspensionBlock, L resumeBlock, L rethrowBlock) {
            this.insn = insn;
            this.resumePoint = resumePoint;
            this.suspensionBlock = suspensionBlock;
            this.resumeBlock = resumeBlock;
            this.rethrowBlock = rethrowBlock;
        }

        public Insn.Await insn() {
            return insn;
        }

        public AwaitPoint point() {
            return insn.point();
        }

        /** Bound right after the awaited call, in the hot part. */
        public L resumePoint() {
            return resumePoint;
        }

        /** In the cold part; its address is the state's DiagnosticIP. */
        public L suspensionBlock() {
            return suspensionBlock;
        }

        /** In the cold part: reloads the frame and jumps to the resume point. */
        public L resumeBlock() {
            return resumeBlock;
        }

        /**
         * For an await in a try region: in the hot part, inside the region, the ThrowExact of the exception the resume
         * block found in the continuation (ZipFile's OpenAsync, 0x700B); null otherwise.
         */
        public L rethrowBlock() {
            return rethrowBlock;
        }
    }

    private final Map<Integer, Site<L>> byIndex;
    private final List<Site<L>> inIndexOrder;
    private final L dispatchBlock;

    private AwaitSites(Map<Integer, Site<L>> byIndex, List<Site<L>> inIndexOrder, L dispatchBlock) {
        this.byIndex = byIndex;
        this.inIndexOrder = inIndexOrder;
        this.dispatchBlock = dispatchBlock;
    }

    /**
     * Collects the Await instructions of {@code ir} (each AwaitPoint exactly once), with labels from
     * {@code hotLabel} (resume points) and {@code coldLabel} (suspension, resume and dispatch blocks).
     */
    public static <L> AwaitSites<L> collect(MethodIr ir, Supplier<L> hotLabel, Supplier<L> coldLabel) {
        Map<Integer, Site<L>> byIndex = new HashMap<>();
        for (Insn i : ir.insns()) {
            if (i instanceof Insn.Await w) {
                Site<L> s = new Site<>(w, hotLabel.get(), coldLabel.get(), coldLabel.get(), w.inTry() ? hotLabel.get() : null);
                if (byIndex.put(w.point().index(), s) != null) {
                    throw new IllegalStateException("await point " + w.point().index() + " twice");
                }
            }
        }
        if (byIndex.size() != ir.awaitPoints().size()) {
            throw new IllegalStateException("await points and Await instructions disagree");
        }
        L dispatch = coldLabel.get();
        List<Site<L>> ordered = new ArrayList<>();
        for (AwaitPoint p : ir.awaitPoints()) {
            ordered.add(byIndex.get(p.index()));
        }
        return new AwaitSites<>(byIndex, List.copyOf(ordered), dispatch);
    }

    /** The site of an Await instruction. */
    public Site<L> of(Insn.Await w) {
        return byIndex.get(w.point().index());
    }

    /** The sites in AwaitPoint.index order (the order of the ResumeInfo records and of the cold blocks). */
    public List<Site<L>> inIndexOrder() {
        return inIndexOrder;
    }

    /** The dispatch block: entered when the continuation argument is non-null. */
    public L dispatchBlock() {
        return dispatchBlock;
    }

    /**
     * The ResumeInfo table of the async variant (backend-spec.md compileAsyncVariant 8): per AwaitPoint in index
     * order {Resume = the resumption stub, DiagnosticIP = {@code suspensionSymbol} + the suspension block's offset}.
     */
    public ObjectNode resumeInfo(MethodIr ir, CodegenContext ctx, String suspensionSymbol, ToIntFunction<L> offsetOf) {
        String stub = ctx.bodySymbol(ir.method(), CodeBodyKind.RESUMPTION_STUB, ir.version());
        BlobBuilder b = new BlobBuilder();
        for (Site<L> s : inIndexOrder) {
            b.pointer64(stub, 0);
            b.pointer64(suspensionSymbol, offsetOf.applyAsInt(s.suspensionBlock()));
        }
        return ObjectNode.of(ctx.resumeInfoSymbol(ir.method(), ir.version()), SectionKind.TEXT, 8, b);
    }
}
