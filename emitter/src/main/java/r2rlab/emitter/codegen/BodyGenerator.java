package r2rlab.emitter.codegen;

import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTEXT0;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTEXT1;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTINUATION;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_SCRATCH;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.ir.AwaitPoint;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.ContinuationLayout;
import r2rlab.emitter.ir.EhClause;
import r2rlab.emitter.ir.Funclet;
import r2rlab.emitter.ir.Insn;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.CallKind;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.gcinfo.GcSlot;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ContinuationFlags;
import r2rlab.format.r2r.CorElementType;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.ExceptionClause;
import r2rlab.format.r2r.ExceptionObject;
import r2rlab.format.r2r.LabObject;
import r2rlab.format.r2r.ReadyToRunHelper;

/**
 * Generates one body of a {@link BodyPlan} (backend-spec.md) from the back end's {@link CodePrimitives}: the
 * instruction dispatch over the IR, the await and return sequences, the suspension, dispatch and resume blocks of
 * an async variant, the Task thunk and the resumption stub, and the exception handling: try regions, the funclets
 * ({@code symbol + "$funclet" + i}, laid out after the main code) and the EH clauses over them. When B4 splits the
 * body, the suspension, dispatch and resume blocks go into the cold part ({@code symbol + "$cold"}) and the funclets
 * follow it in the cold section; branches and addresses between the parts are relocations against
 * the other part's symbol whose addends become the target's offset when the parts are finished. A back end
 * subclasses it with its assembler {@code A} (one per part), label type {@code L} and register type {@code R}.
 */
public abstract class BodyGenerator<A, L, R> implements CodePrimitives<L> {
    /** The code and relocations of a finished part. */
    public record Assembled(byte[] code, List<Relocation> relocations) {
    }

    /** A branch in {@code from} to {@code target} in the other part, through the relocation at {@code relocation}. */
    private record CrossRef<A, L>(A from, int relocation, L target) {
    }

    /** A call site of {@code part}: the offset of its return address, the tracked slots live there. */
    private record SafePoint<A>(A part, int offset, List<GcSlot> live) {
    }

    /** An EH clause: flags, the try region (labels of {@code tryPart}), the handler funclet's index. */
    private record Clause<A, L>(int flags, A tryPart, L tryStart, L tryEnd, int funclet) {
    }

    /** The type a Task-returning method's result has in the language: Int64 (Task&lt;long&gt;). */
    private static final SignatureType RESULT_TYPE = new SignatureType.Primitive(CorElementType.I8);

    protected final BodyPlan plan;
    protected final MethodIr ir;
    protected final CodegenContext ctx;
    private final String symbol;
    private final String coldSymbol;
    /** True for an async variant. */
    private final boolean async;
    protected final A hot;
    /** The cold part: {@link #hot} itself unless the body is split. */
    private final A cold;
    /** The part being emitted into. */
    protected A a;
    /** One label per IR label, in the hot part. */
    private final List<L> labels;
    private final Function<A, L> newLabel;
    private final BiConsumer<A, L> bind;
    private final ToIntFunction<A> offset;
    private final ToIntFunction<L> position;
    private final List<CrossRef<A, L>> crossRefs = new ArrayList<>();
    /** The await sites of an async variant (set by {@link #emitMethod}). */
    private AwaitSites<L> sites;
    private final Supplier<A> newAssembler;
    /** The funclet parts in layout order. */
    private final List<A> funclets = new ArrayList<>();
    /** The start and end label of each IR try region, in the region's part. */
    private final List<L> regionStarts = new ArrayList<>();
    private final List<L> regionEnds = new ArrayList<>();
    private final List<Clause<A, L>> clauses = new ArrayList<>();
    /** Prolog size of each part that has a prolog (the main code, the funclets). */
    private final Map<A, Integer> prologSizes = new IdentityHashMap<>();
    private List<CodeFragment> fragments;
    private List<ExceptionClause> exceptionClauses;
    /** The call sites in emission order (every call but the write barriers'). */
    private final List<SafePoint<A>> safePoints = new ArrayList<>();
    /**
     * The tracked frame slots (offsets) that hold references at the safepoints being emitted: the scratch slot while it
     * holds the continuation a suspension block fills; a Task thunk's ExecutionAndSyncBlockStore from Push on, and its
     * Task slot at Pop.
     */
    private final List<Integer> liveFrameReferences = new ArrayList<>();
    private BodyGcInfo gcInfo;

    /**
     * {@code newAssembler} makes a part; {@code newLabel}, {@code bind}, {@code offset} and {@code position} are the
     * assembler's labels: a new label of a part, binding it at the part's current offset, that offset, and a bound
     * label's offset (negative while unbound).
     */
    protected BodyGenerator(BodyPlan plan, CodegenContext ctx, String symbol, Supplier<A> newAssembler,
                            Function<A, L> newLabel, BiConsumer<A, L> bind, ToIntFunction<A> offset,
                            ToIntFunction<L> position) {
        this.plan = plan;
        this.ir = plan.ir();
        this.ctx = ctx;
        this.symbol = symbol;
        this.coldSymbol = BodyPlan.coldSymbol(symbol);
        this.async = plan.isAsyncVariant();
        this.newLabel = newLabel;
        this.bind = bind;
        this.offset = offset;
        this.position = position;
        this.newAssembler = newAssembler;
        this.hot = newAssembler.get();
        this.cold = plan.isHotColdSplit() ? newAssembler.get() : hot;
        this.a = hot;
        if (plan.usesIrCode()) {
            for (int f = 0; f < ir.funclets().size(); f++) {
                funclets.add(newAssembler.get());
            }
            this.labels = new ArrayList<>(ir.labelCount());
            for (int l = 0; l < ir.labelCount(); l++) {
                labels.add(newLabel.apply(part(ir.labelPart(l))));
            }
            for (int r = 0; r < ir.regionParts().size(); r++) {
                A owner = part(ir.regionPart(r));
                regionStarts.add(newLabel.apply(owner));
                regionEnds.add(newLabel.apply(owner));
            }
        } else {
            this.labels = plan.irLabels(() -> newLabel.apply(hot));
        }
    }

    // ------------------------------------------------------------------------------------------
    // What the architecture adds to its primitives

    /** Resolves the labels of {@code part}; no code is added to it afterwards. */
    protected abstract Assembled finish(A part);

    /** The raw unwind record of {@code part} ({@code codeLength} bytes of code). */
    protected abstract byte[] unwindInfo(A part, int codeLength);

    /**
     * Where {@code part} ({@code codeLength} bytes of code) is split into unwind fragments, as the JIT's
     * UnwindInfo::Split does when one unwind record cannot cover it: the start offsets of the fragments after the
     * first, ascending; none (the default) when one record covers the part.
     */
    protected List<Integer> fragmentStarts(A part, int codeLength) {
        return List.of();
    }

    /**
     * The raw unwind record of the unwind fragment of {@code part} at {@code [start, start + length)}, {@code start > 0}
     * (a back end that splits parts in {@link #fragmentStarts} writes it).
     */
    protected byte[] fragmentUnwindInfo(A part, int start, int length) {
        throw new UnsupportedOperationException("unwind fragments");
    }

    /** The register playing {@code role}. */
    protected abstract R reg(Reg role);

    /** The hardware number of {@code register}, as GcInfo names registers (x64 0 RAX ... 15 R15, ARM64 X0 ... X30). */
    protected abstract int registerNumber(R register);

    /** Whether the body addresses its frame through {@link Reg#FRAME} (false: the x64 resumption stub, as the JIT's). */
    protected boolean hasFramePointer() {
        return true;
    }

    /** The outgoing argument and scratch area below the frame (bytes), as a fat GcInfo header records it. */
    protected abstract int outgoingArea();

    // ------------------------------------------------------------------------------------------
    // Parts and labels

    /** The main code ({@link MethodIr#MAIN}) or funclet {@code index}. */
    private A part(int index) {
        return index == MethodIr.MAIN ? hot : funclets.get(index);
    }

    /** Whether {@code part} is a funclet (its prolog and unwind record are the funclet's). */
    protected final boolean isFunclet(A part) {
        return funclets.contains(part);
    }

    /** The symbol of the funclet at {@code index} of a body whose code is {@code symbol}. */
    public static String funcletSymbol(String symbol, int index) {
        return symbol + "$funclet" + index;
    }

    /** The symbol of part {@code part}. */
    private String symbolOf(A part) {
        if (part == hot) {
            return symbol;
        }
        if (part == cold) {
            return coldSymbol;
        }
        for (int i = 0; i < funclets.size(); i++) {
            if (funclets.get(i) == part) {
                return funcletSymbol(symbol, i);
            }
        }
        throw new IllegalArgumentException("not a part of " + symbol);
    }

    /** A new label in the part being generated. */
    private L newLabel() {
        return newLabel.apply(a);
    }

    /** Binds {@code label} (of the part being generated) here. */
    private void bind(L label) {
        bind.accept(a, label);
    }

    /** The current offset in the part being generated. */
    private int offset() {
        return offset.applyAsInt(a);
    }

    /** Offset of a bound label in its part. */
    public final int offsetOf(L label) {
        int at = position.applyAsInt(label);
        if (at < 0) {
            throw new IllegalStateException("label not bound");
        }
        return at;
    }

    /** The await sites of an async variant (after {@link #emitMethod}). */
    public final AwaitSites<L> awaitSites() {
        return sites;
    }

    /** The symbol of the part holding the suspension blocks (the cold part when split). */
    public final String suspensionSymbol() {
        return symbolOf(cold);
    }

    /** Jump to {@code target}, a label of part {@code owner}. */
    private void jumpTo(L target, A owner) {
        if (owner == a) {
            jump(target);
        } else {
            crossRefs.add(new CrossRef<>(a, jumpToSymbol(symbolOf(owner)), target));
        }
    }

    /** Branch to {@code target}, a label of part {@code owner}, when {@code r} is non-zero. */
    private void branchIfNonZero(Reg r, L target, A owner) {
        if (owner == a) {
            branch(r, false, target);
        } else {
            crossRefs.add(new CrossRef<>(a, branchIfNonZeroToSymbol(r, symbolOf(owner)), target));
        }
    }

    /** {@code dst} = the address of {@code target}, a label of another part {@code owner} (a catch funclet's resume address). */
    private void loadLabelAddress(Reg dst, L target, A owner) {
        for (int relocation : loadCodeAddress(dst, symbolOf(owner))) {
            crossRefs.add(new CrossRef<>(a, relocation, target));
        }
    }

    /** A new funclet part, after the others. */
    private A newFunclet() {
        A f = newAssembler.get();
        funclets.add(f);
        return f;
    }

    /** Starts generating funclet {@code f}: its prolog. */
    private void beginFunclet(A f) {
        a = f;
        enterFunclet();
        prologSizes.put(f, offset());
    }

    // ------------------------------------------------------------------------------------------
    // Bodies

    /**
     * A method or async variant body in the contract's order: prolog; for an async variant the normal entry (saving
     * the continuation argument and, when resumable, jumping to the dispatch block); the instructions; then, for a
     * resumable async variant, into the cold part (the same part unless split): the suspension blocks in
     * AwaitPoint.index order, the dispatch block, the resume blocks in the same order.
     */
    public final void emitMethod() {
        if (async) {
            sites = AwaitSites.collect(ir, () -> newLabel.apply(hot), () -> newLabel.apply(cold));
        }
        prolog();
        if (async) {
            asyncEntry(BodyPlan.continuationPosition(ir.method()), plan.isResumable() ? sites.dispatchBlock() : null);
        }
        for (Insn i : ir.insns()) {
            insn(i);
        }
        if (plan.isResumable()) {
            a = cold;
            for (AwaitSites.Site<L> s : sites.inIndexOrder()) {
                suspensionBlock(s);
            }
            dispatchBlock(sites.dispatchBlock(), sites.inIndexOrder());
            for (AwaitSites.Site<L> s : sites.inIndexOrder()) {
                resumeBlock(s);
            }
        }
        for (int f = 0; f < ir.funclets().size(); f++) {
            funclet(ir.funclets().get(f), funclets.get(f));
        }
        a = hot;
        for (EhClause c : ir.clauses()) {
            int flags = c.kind() == Funclet.Kind.CATCH ? ExceptionClause.R2R_SYSTEM_EXCEPTION : ExceptionClause.FAULT;
            clauses.add(new Clause<>(flags, part(ir.regionPart(c.region())), regionStarts.get(c.region()), regionEnds.get(c.region()),
                    c.funclet()));
        }
    }

    /**
     * One funclet of the IR: a catch funclet keeps the exception object it is called with (first argument register)
     * in its slot and returns, in the result register, the address where the catch block runs (ZipFile's OpenAsync,
     * 0x71DD-0x71E1); a fault funclet is the finally block's code.
     */
    private void funclet(Funclet f, A part) {
        beginFunclet(part);
        if (f.kind() == Funclet.Kind.CATCH) {
            storeFrame(slot(f.exceptionSlot()), Reg.argument(0));
            loadLabelAddress(Reg.RESULT, labels.get(f.resumeLabel()), part(ir.labelPart(f.resumeLabel())));
        } else {
            for (Insn i : f.insns()) {
                insn(i);
            }
        }
        leaveFuncletAndReturn();
    }

    /**
     * The Task-returning method, as the real ones are (ZipFile's OpenAsync, 0x5970): ExecutionAndSyncBlockStore.Push
     * on a struct in the frame; in a try region, the variant through its cell with a null continuation, and when it
     * completed {@code Task.FromResult<long>(result)} (or {@code Task.get_CompletedTask} for a void method), when it
     * suspended {@code AsyncHelpers.FinalizeTaskReturningThunk<long>()} (non-generic for void), which takes the
     * suspended chain from the runtime's thread state, not as an argument; then Pop, and the Task returned. A catch
     * (System.Exception) over the call and the completed path turns an exception into
     * {@code AsyncHelpers.TaskFromException<long>(exception)} and resumes at Pop; a fault funclet over both paths runs
     * Pop on the way out of anything else (the finally, whose normal path is the inline Pop). Instantiated over a value
     * type these are exact instantiations: no generic dictionary argument.
     */
    public final void emitTaskThunk() {
        MethodDecl m = ir.method();
        prolog();
        int task = fixed(BodyPlan.FIXED_TASK);
        int store = Math.min(fixed(BodyPlan.FIXED_SYNC_BLOCK_STORE),
                fixed(BodyPlan.FIXED_SYNC_BLOCK_STORE + BodyPlan.SYNC_BLOCK_STORE_SLOTS - 1));
        addressOf(Reg.ARG0, store);
        callThroughCell(ctx.coreLibCell(CoreLibMethod.EXECUTION_AND_SYNC_BLOCK_STORE_PUSH));
        safePoint();
        List<Integer> storeSlots = new ArrayList<>();
        for (int k = 0; k < BodyPlan.SYNC_BLOCK_STORE_SLOTS; k++) {
            storeSlots.add(fixed(BodyPlan.FIXED_SYNC_BLOCK_STORE + k));
        }
        liveFrameReferences.addAll(storeSlots);
        L tryStart = newLabel();
        L catchEnd = newLabel();
        L faultEnd = newLabel();
        L suspended = newLabel();
        L done = newLabel();
        bind(tryStart);
        passAsyncArguments(m, parameterSlots(m));
        callThroughCell(ctx.methodCell(m, true));
        safePoint(returned(m));
        branch(Reg.CONTINUATION_RETURN, false, suspended);
        if (m.returnsValue()) {
            transfer(Reg.ARG0, Reg.RESULT);
            callThroughCell(ctx.coreLibCell(CoreLibMethod.TASK_FROM_RESULT, resultType(m)));
        } else {
            callThroughCell(ctx.coreLibCell(CoreLibMethod.TASK_GET_COMPLETED_TASK));
        }
        safePoint(Reg.RESULT);
        storeFrame(task, Reg.RESULT);
        jump(done);
        bind(catchEnd);
        bind(suspended);
        callForResult(m, CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK_OF_T, CoreLibMethod.FINALIZE_TASK_RETURNING_THUNK);
        storeFrame(task, Reg.RESULT);
        bind(faultEnd);
        bind(done);
        addressOf(Reg.ARG0, store);
        callThroughCell(ctx.coreLibCell(CoreLibMethod.EXECUTION_AND_SYNC_BLOCK_STORE_POP));
        liveFrameReferences.add(task); // every path to Pop stored the Task
        safePoint();
        liveFrameReferences.remove(Integer.valueOf(task));
        loadFrame(Reg.RESULT, task);
        leaveFrameAndReturn();

        A catchFunclet = newFunclet();
        beginFunclet(catchFunclet);
        callForResult(m, CoreLibMethod.TASK_FROM_EXCEPTION_OF_T, CoreLibMethod.TASK_FROM_EXCEPTION);
        storeFrame(task, Reg.RESULT);
        loadLabelAddress(Reg.RESULT, done, hot);
        leaveFuncletAndReturn();
        A faultFunclet = newFunclet();
        beginFunclet(faultFunclet);
        addressOf(Reg.ARG0, store);
        callThroughCell(ctx.coreLibCell(CoreLibMethod.EXECUTION_AND_SYNC_BLOCK_STORE_POP));
        safePoint();
        leaveFuncletAndReturn();
        liveFrameReferences.clear();
        a = hot;
        clauses.add(new Clause<>(ExceptionClause.R2R_SYSTEM_EXCEPTION, hot, tryStart, catchEnd, 0));
        clauses.add(new Clause<>(ExceptionClause.FAULT, hot, tryStart, faultEnd, 1));
    }

    /** A call of {@code ofT<long>} for a method that returns a value, of its non-generic form {@code plain} for a void one. */
    private void callForResult(MethodDecl m, CoreLibMethod ofT, CoreLibMethod plain) {
        callThroughCell(m.returnsValue() ? ctx.coreLibCell(ofT, resultType(m)) : ctx.coreLibCell(plain));
        safePoint(Reg.RESULT);
    }

    /**
     * The T of a Task-returning method's Task&lt;T&gt;: Int64, or the class it returns (an exact instantiation, where
     * crossgen2 would share the code over __Canon with a generic dictionary argument).
     */
    private SignatureType resultType(MethodDecl m) {
        if (!m.returnsReference()) {
            return RESULT_TYPE;
        }
        LabObject o = m.returns().type.object;
        return o == null ? new SignatureType.Primitive(CorElementType.OBJECT) : ctx.typeSignature(o);
    }

    /**
     * The resumption stub {@code object(object continuation, ref byte result)}: calls the async variant with the
     * continuation (after 'this' for an instance method) and zeroed arguments; stores the result through the byref
     * unless the call suspended again, and returns the continuation the call returned. Under B1 it calls through the
     * variant's MethodEntry cell, so a tier-up redirects it.
     */
    public final void emitResumptionStub() {
        MethodDecl m = ir.method();
        enterFrame();
        prologSizes.put(hot, offset());
        transfer(Reg.STUB_RESULT_BYREF, Reg.ARG1);
        int contPos = BodyPlan.continuationPosition(m);
        if (contPos != 0) {
            transfer(Reg.argument(contPos), Reg.ARG0);
        }
        BodyPlan.forEachUserArgumentPosition(m, this::argZero);
        if (ctx.has(Defect.B1_STUB_CALLS_THROUGH_CELL)) {
            callThroughCell(ctx.methodCell(m, true));
        } else {
            callDirect(ctx.bodySymbol(m, CodeBodyKind.ASYNC_VARIANT, ir.version()));
        }
        safePoint(returned(m));
        transfer(Reg.STUB_CONTINUATION, Reg.CONTINUATION_RETURN);
        L done = newLabel();
        branch(Reg.STUB_CONTINUATION, false, done);
        if (m.returnsReference()) {
            // The result byref may point outside the heap: CheckedWriteBarrier, as the real stubs store a reference.
            transfer(Reg.WRITE_BARRIER_DST, Reg.STUB_RESULT_BYREF);
            transfer(Reg.WRITE_BARRIER_REF, Reg.RESULT);
            callWriteBarrier(ctx.helperCell(ReadyToRunHelper.CheckedWriteBarrier.id));
        } else if (m.returnsValue()) {
            store(Reg.STUB_RESULT_BYREF, 0, Reg.RESULT);
        }
        bind(done);
        transfer(Reg.RESULT, Reg.STUB_CONTINUATION);
        leaveFrameAndReturn();
    }

    /**
     * The finished fragments: the main code, then the funclets, which the image lays out contiguously after it; when
     * split, the cold part comes between them and it and the funclets after it go to the cold section.
     */
    public final List<CodeFragment> fragments() {
        finishAll();
        return fragments;
    }

    /** The EH clauses, inner first, with offsets from the body's start: a funclet's is the main code's length plus the funclets before it. */
    public final List<ExceptionClause> clauses() {
        finishAll();
        return exceptionClauses;
    }

    /** The GcInfo facts of the body (after the parts are finished). */
    public final BodyGcInfo gcInfo() {
        finishAll();
        return gcInfo;
    }

    /**
     * The frame slots that hold references throughout, reported untracked: the IR's reference slots, and the fixed
     * slots of an async variant (the continuation argument, the two contexts). The scratch slot holds a reference only
     * in the suspension blocks, a Task thunk's slots from Push and at Pop: they are tracked there.
     */
    private List<GcSlot> untrackedSlots() {
        List<Integer> offsets = new ArrayList<>(zeroInitialisedSlots());
        BitSet refs = ir.referenceSlots();
        for (int s = refs.nextSetBit(0); s >= 0 && s < plan.frameSlots() && s < ir.paramCount(); s = refs.nextSetBit(s + 1)) {
            offsets.add(slot(s));
        }
        if (async) {
            offsets.addAll(List.of(fixed(FIXED_CONTINUATION), fixed(FIXED_CONTEXT0), fixed(FIXED_CONTEXT1)));
        }
        List<GcSlot> out = new ArrayList<>();
        for (int off : offsets) {
            out.add(GcSlot.ofStack(GcSlot.FRAMEREG_REL, off, 0, true));
        }
        return out;
    }

    /**
     * The untracked reference slots nothing stores before the first call, which the prolog zeroes (as the JIT
     * initialises its untracked GC locals): the IR's reference locals.
     */
    private List<Integer> zeroInitialisedSlots() {
        List<Integer> offsets = new ArrayList<>();
        BitSet refs = ir.referenceSlots();
        for (int s = refs.nextSetBit(Math.max(0, ir.paramCount())); s >= 0 && s < plan.frameSlots(); s = refs.nextSetBit(s + 1)) {
            offsets.add(slot(s));
        }
        return offsets;
    }

    private void finishAll() {
        if (fragments != null) {
            return;
        }
        List<CodeFragment> out = new ArrayList<>();
        int base = addFragments(out, hot, CodeFragment.Kind.MAIN);
        int coldBase = base;
        if (cold != hot) {
            // The cold part runs in the hot part's frame and has no prolog of its own. As the JIT splits a body with EH
            // (hot-cold-splitting.md): the cold main part first, then every funclet, all in the cold section, so a
            // handler's offset from the method start is the hot size plus its distance into the cold section.
            int before = out.size();
            int length = addFragments(out, cold, CodeFragment.Kind.COLD);
            if (out.size() - before > 1) {
                // r2rlab's HotColdMap pairs one cold runtime function with its hot one
                throw new EmitException(String.format("%s: a cold part of 0x%X bytes, past what one unwind record covers, is not"
                        + " written (r2rlab splits only main code and funclets into unwind fragments)", ir.method().fullName(), length));
            }
            base += length;
        }
        int[] funcletStarts = new int[funclets.size()];
        int[] funcletEnds = new int[funclets.size()];
        for (int f = 0; f < funclets.size(); f++) {
            funcletStarts[f] = base;
            base += addFragments(out, funclets.get(f), CodeFragment.Kind.FUNCLET);
            funcletEnds[f] = base;
        }
        // GcInfo offsets count from the method start over the main code, the cold part, then the funclets.
        List<BodyGcInfo.SafePoint> sites = new ArrayList<>();
        for (SafePoint<A> p : safePoints) {
            int partBase = p.part() == hot ? 0 : p.part() == cold ? coldBase : funcletStarts[funclets.indexOf(p.part())];
            sites.add(new BodyGcInfo.SafePoint(partBase + p.offset(), p.live()));
        }
        boolean tailCalls = plan.usesIrCode() && ir.allInsns().stream().anyMatch(i -> i instanceof Insn.TailCall);
        gcInfo = new BodyGcInfo(base, hasFramePointer(), outgoingArea(), !funclets.isEmpty(), tailCalls, sites, untrackedSlots());
        List<ExceptionClause> eh = new ArrayList<>();
        for (Clause<A, L> c : clauses) {
            int partBase = c.tryPart() == hot ? 0 : funcletStarts[funclets.indexOf(c.tryPart())];
            eh.add(new ExceptionClause(c.flags(), partBase + offsetOf(c.tryStart()), partBase + offsetOf(c.tryEnd()),
                    funcletStarts[c.funclet()], funcletEnds[c.funclet()], 0));
        }
        fragments = List.copyOf(out);
        exceptionClauses = List.copyOf(eh);
    }

    /**
     * Adds {@code part}'s runtime functions to {@code out}: one of {@code kind}, or, when one unwind record cannot cover
     * the part, its unwind fragments (the first of {@code kind}, the others {@link CodeFragment.Kind#FRAGMENT}s laid
     * out right after it, each with its own relocations); returns the part's code length.
     */
    private int addFragments(List<CodeFragment> out, A part, CodeFragment.Kind kind) {
        Assembled code = finish(part);
        byte[] bytes = code.code();
        List<Relocation> relocations = new ArrayList<>();
        for (Relocation r : code.relocations()) {
            relocations.add(withCrossPartAddend(part, r));
        }
        List<Integer> starts = fragmentStarts(part, bytes.length);
        if (starts.isEmpty()) {
            out.add(new CodeFragment(symbolOf(part), kind, bytes, relocations, unwindInfo(part, bytes.length),
                    prologSizes.getOrDefault(part, 0)));
            return bytes.length;
        }
        List<Integer> bounds = new ArrayList<>();
        bounds.add(0);
        bounds.addAll(starts);
        bounds.add(bytes.length);
        for (int k = 0; k + 1 < bounds.size(); k++) {
            int start = bounds.get(k);
            int end = bounds.get(k + 1);
            List<Relocation> own = new ArrayList<>();
            for (Relocation r : relocations) {
                if (r.offset() >= start && r.offset() < end) {
                    own.add(new Relocation(r.offset() - start, r.type(), r.symbol(), r.addend()));
                }
            }
            byte[] piece = Arrays.copyOfRange(bytes, start, end);
            out.add(k == 0
                    ? new CodeFragment(symbolOf(part), kind, piece, own, fragmentUnwindInfo(part, 0, end), prologSizes.getOrDefault(part, 0))
                    : new CodeFragment(CodeFragment.fragmentSymbol(symbolOf(part), k), CodeFragment.Kind.FRAGMENT, piece, own,
                            fragmentUnwindInfo(part, start, end - start), 0));
        }
        return bytes.length;
    }

    /** A branch into the other part: the relocation against that part's symbol gets the target's offset as addend. */
    private Relocation withCrossPartAddend(A part, Relocation r) {
        for (CrossRef<A, L> x : crossRefs) {
            if (x.from() == part && x.relocation() == r.offset()) {
                return new Relocation(r.offset(), r.type(), r.symbol(), offsetOf(x.target()));
            }
        }
        return r;
    }

    // ------------------------------------------------------------------------------------------
    // Frame and arguments

    private int slot(int i) {
        return slotOffset(i);
    }

    private int fixed(int f) {
        return fixedOffset(f);
    }

    /** The frame, then every incoming argument stored into its parameter slot. */
    private void prolog() {
        enterFrame();
        prologSizes.put(hot, offset());
        int registers = argumentRegisters();
        for (int p = 0; p < ir.paramCount(); p++) {
            int pos = plan.parameterPosition(p);
            if (pos < registers) {
                storeFrame(slot(p), Reg.argument(pos));
            } else {
                loadFrame(Reg.ACCUMULATOR, incomingArgumentOffset(pos - registers));
                storeFrame(slot(p), Reg.ACCUMULATOR);
            }
        }
        for (int offset : zeroInitialisedSlots()) {
            storeZero(Reg.FRAME, offset);
        }
    }

    /** Argument {@code pos} = the value of IR slot {@code slot}. */
    private void argFromSlot(int pos, int slot) {
        int registers = argumentRegisters();
        if (pos < registers) {
            loadFrame(Reg.argument(pos), slot(slot));
        } else {
            loadFrame(Reg.ACCUMULATOR, slot(slot));
            store(Reg.STACK, outgoingArgumentOffset(pos - registers), Reg.ACCUMULATOR);
        }
    }

    /** Argument {@code pos} = 0 (null). */
    private void argZero(int pos) {
        int registers = argumentRegisters();
        if (pos < registers) {
            zero(Reg.argument(pos));
        } else {
            storeZero(Reg.STACK, outgoingArgumentOffset(pos - registers));
        }
    }

    private void passArguments(List<Integer> argSlots) {
        for (int k = 0; k < argSlots.size(); k++) {
            argFromSlot(k, argSlots.get(k));
        }
    }

    /** Arguments of a call of {@code callee}'s async variant: the user arguments and a null continuation. */
    private void passAsyncArguments(MethodDecl callee, List<Integer> argSlots) {
        int contPos = BodyPlan.continuationPosition(callee);
        for (int k = 0; k < argSlots.size(); k++) {
            argFromSlot(BodyPlan.argumentPosition(k, contPos), argSlots.get(k));
        }
        argZero(contPos);
    }

    /** The slots of {@code m}'s parameters, in order (a Task thunk passes them on as they are). */
    private static List<Integer> parameterSlots(MethodDecl m) {
        List<Integer> params = new ArrayList<>();
        for (int p = 0; p < m.params().size(); p++) {
            params.add(p);
        }
        return params;
    }

    private void loadFrame(Reg dst, int offset) {
        load(dst, Reg.FRAME, offset);
    }

    private void storeFrame(int offset, Reg src) {
        store(Reg.FRAME, offset, src);
    }

    /** {@code dst} = {@code src}, no code when both roles are the same register. */
    private void transfer(Reg dst, Reg src) {
        if (!reg(dst).equals(reg(src))) {
            move(dst, src);
        }
    }

    /** A helper call; every one but the write barriers' is a safepoint (the allocators return the new object). */
    private void callHelper(ReadyToRunHelper h) {
        callThroughCell(ctx.helperCell(h.id));
        if (h == ReadyToRunHelper.AllocContinuation || h == ReadyToRunHelper.NewObject) {
            safePoint(Reg.RESULT);
        } else if (h != ReadyToRunHelper.WriteBarrier && h != ReadyToRunHelper.CheckedWriteBarrier) {
            safePoint();
        }
    }

    /** The registers a call of {@code callee}'s async variant returns references in: the continuation, and its result if a reference. */
    private static Reg[] returned(MethodDecl callee) {
        return callee != null && callee.returnsReference() ? new Reg[] {Reg.CONTINUATION_RETURN, Reg.RESULT} : new Reg[] {Reg.CONTINUATION_RETURN};
    }

    /**
     * Records the call just emitted as a safepoint at its return address, with the tracked slots live there: the
     * stub's result byref (interior, callee-saved), the scratch slot while it holds the continuation being filled,
     * and the registers {@code returned} in which the call returns references (GcInfo v4 lists them).
     */
    private void safePoint(Reg... returned) {
        List<GcSlot> live = new ArrayList<>();
        if (plan.kind() == CodeBodyKind.RESUMPTION_STUB) {
            live.add(GcSlot.ofRegister(registerNumber(reg(Reg.STUB_RESULT_BYREF)), GcSlot.INTERIOR));
        }
        for (int offset : liveFrameReferences) {
            live.add(GcSlot.ofStack(GcSlot.FRAMEREG_REL, offset, 0, false));
        }
        for (Reg r : returned) {
            live.add(GcSlot.ofRegister(registerNumber(reg(r)), 0));
        }
        safePoints.add(new SafePoint<>(a, offset(), live));
    }

    /**
     * RestoreContexts or RestoreContextsOnSuspension({@code resumed}, context 0, context 1), where "resumed" is
     * whether this invocation was entered with a continuation: {@code incoming continuation != null}, recomputed from
     * its frame slot as the real variants do.
     */
    private void restoreContexts(CoreLibMethod method) {
        flagIfNonZero(Reg.ARG0, fixed(FIXED_CONTINUATION));
        loadFrame(Reg.ARG1, fixed(FIXED_CONTEXT0));
        loadFrame(Reg.ARG2, fixed(FIXED_CONTEXT1));
        callContextHelper(ctx.coreLibCell(method));
        safePoint();
    }

    /** WriteBarrier: the word at {@code object + offset} = {@code value}; the object is the continuation in the scratch slot. */
    private void writeBarrierIntoContinuation(int offset, Reg value) {
        transfer(Reg.WRITE_BARRIER_REF, value);
        loadFrame(Reg.WRITE_BARRIER_DST, fixed(FIXED_SCRATCH));
        addressOfField(Reg.WRITE_BARRIER_DST, Reg.WRITE_BARRIER_DST, offset);
        callWriteBarrier(ctx.helperCell(ReadyToRunHelper.WriteBarrier.id));
    }

    // ------------------------------------------------------------------------------------------
    // Async variant: entry, suspension, dispatch and resume blocks (the real sequence: docs/emulator.md)

    /**
     * Normal entry of an async variant: clears the two context slots, saves the continuation argument (at
     * {@code contPos}) in its home slot, jumps to {@code dispatchBlock} when it is non-null ({@code null}: not
     * resumable, no jump), and calls CaptureContexts(&amp;context 0, &amp;context 1). A resumed invocation does not
     * capture: its context slots stay null.
     */
    private void asyncEntry(int contPos, L dispatchBlock) {
        Reg cont = Reg.argument(contPos);
        storeZero(Reg.FRAME, fixed(FIXED_CONTEXT0));
        storeZero(Reg.FRAME, fixed(FIXED_CONTEXT1));
        storeFrame(fixed(FIXED_CONTINUATION), cont);
        if (dispatchBlock != null) {
            branchIfNonZero(cont, dispatchBlock, cold);
        }
        addressOf(Reg.ARG0, fixed(FIXED_CONTEXT0));
        addressOf(Reg.ARG1, fixed(FIXED_CONTEXT1));
        callContextHelper(ctx.coreLibCell(CoreLibMethod.CAPTURE_CONTEXTS));
        safePoint();
    }

    /**
     * The suspension of one await, in the real images' order: the continuation is the incoming one when this
     * invocation was resumed (reused: prev.Next = it, through WriteBarrier), else a new one from AllocContinuation(prev,
     * MethodTable of the ContinuationLayout cell), prev being the callee's continuation (CONTINUATION_RETURN);
     * ResumeInfo; Flags and State in one 64-bit store; the frame slots; CaptureExecutionContext() into the
     * ExecutionContext slot through WriteBarrier; RestoreContextsOnSuspension(resumed, contexts); return the
     * continuation with a zero result.
     */
    private void suspensionBlock(AwaitSites.Site<L> site) {
        ContinuationLayout layout = ir.continuation();
        AwaitPoint p = site.point();
        bind(site.suspensionBlock());
        L allocate = newLabel();
        L filled = newLabel();
        loadFrame(Reg.WRITE_BARRIER_REF, fixed(FIXED_CONTINUATION));
        branch(Reg.WRITE_BARRIER_REF, true, allocate);
        storeFrame(fixed(FIXED_SCRATCH), Reg.WRITE_BARRIER_REF);
        addressOfField(Reg.WRITE_BARRIER_DST, Reg.CONTINUATION_RETURN, ContinuationLayout.OBJECT.next());
        callWriteBarrier(ctx.helperCell(ReadyToRunHelper.WriteBarrier.id));
        jump(filled);
        bind(allocate);
        transfer(Reg.ARG0, Reg.CONTINUATION_RETURN);
        loadCell(Reg.ARG1, ctx.continuationLayoutCell(ir));
        callHelper(ReadyToRunHelper.AllocContinuation);
        storeFrame(fixed(FIXED_SCRATCH), Reg.RESULT);
        bind(filled);
        liveFrameReferences.add(fixed(FIXED_SCRATCH));
        loadFrame(Reg.RESULT, fixed(FIXED_SCRATCH));
        storeAddress(Reg.RESULT, ContinuationLayout.OBJECT.resumeInfo(), ctx.resumeInfoSymbol(ir.method(), ir.version()),
                (long) ContinuationLayout.OBJECT.resumeInfoSize() * p.index());
        int flags = layout.flags(site.insn().calleeReturnsValue(), referenceResult(site.insn()), flagsSplit());
        store64(Reg.RESULT, ContinuationLayout.OBJECT.flags(), (flags & 0xFFFFFFFFL) | (long) p.state() << 32);
        // The slots live across this await: integers with plain stores, references through WriteBarrier (which
        // trashes the continuation's register: it is reloaded from the scratch slot for the next plain store).
        BitSet saved = layout.savedSlots(p.index());
        boolean inRegister = true;
        for (int s = saved.nextSetBit(0); s >= 0; s = saved.nextSetBit(s + 1)) {
            if (layout.isReference(s)) {
                loadFrame(Reg.WRITE_BARRIER_REF, slot(s));
                writeBarrierIntoContinuation(layout.slotOffset(s), Reg.WRITE_BARRIER_REF);
                inRegister = false;
            } else {
                if (!inRegister) {
                    loadFrame(Reg.RESULT, fixed(FIXED_SCRATCH));
                    inRegister = true;
                }
                copyToField(Reg.RESULT, layout.slotOffset(s), slot(s));
            }
        }
        callContextHelper(ctx.coreLibCell(CoreLibMethod.CAPTURE_EXECUTION_CONTEXT));
        safePoint(Reg.RESULT);
        writeBarrierIntoContinuation(layout.executionContextOffset(), Reg.RESULT);
        restoreContexts(CoreLibMethod.RESTORE_CONTEXTS_ON_SUSPENSION);
        liveFrameReferences.clear();
        loadFrame(Reg.CONTINUATION_RETURN, fixed(FIXED_SCRATCH));
        zero(Reg.RESULT);
        leaveFrameAndReturn();
    }

    /** Whether the awaited callee returns a reference (read from, and stored in, the reference Result slot). */
    private static boolean referenceResult(Insn.Await w) {
        return w.target() != null && w.target().returnsReference();
    }

    /** The split Flags are written with: the runtime's, or CoreLib main's under FLAGS_SPLIT_CORELIB_MAIN. */
    private ContinuationFlags flagsSplit() {
        return ctx.has(Defect.FLAGS_SPLIT_CORELIB_MAIN) ? ContinuationFlags.CORELIB_MAIN : ContinuationLayout.FLAGS_SPLIT;
    }

    /** Entered with a continuation: jumps to the resume block of its State. */
    private void dispatchBlock(L dispatchBlock, List<AwaitSites.Site<L>> ordered) {
        bind(dispatchBlock);
        loadFrame(Reg.ACCUMULATOR, fixed(FIXED_CONTINUATION));
        load32(Reg.ACCUMULATOR, Reg.ACCUMULATOR, ContinuationLayout.OBJECT.state());
        for (AwaitSites.Site<L> site : ordered) {
            branchIfEqual32(Reg.ACCUMULATOR, site.point().state(), site.resumeBlock());
        }
        trap();
    }

    /**
     * One state's resumption, in the real images' order: RestoreExecutionContext(the ExecutionContext slot); the
     * frame reloaded from the continuation; the Exception slot read and cleared (a reused continuation must not
     * rethrow it), ThrowExact when it held one; the result read; back to the await's resume point.
     */
    private void resumeBlock(AwaitSites.Site<L> site) {
        ContinuationLayout layout = ir.continuation();
        bind(site.resumeBlock());
        loadFrame(Reg.ACCUMULATOR, fixed(FIXED_CONTINUATION));
        load(Reg.ARG0, Reg.ACCUMULATOR, layout.executionContextOffset());
        callContextHelper(ctx.coreLibCell(CoreLibMethod.RESTORE_EXECUTION_CONTEXT));
        safePoint();
        loadFrame(Reg.ACCUMULATOR, fixed(FIXED_CONTINUATION));
        BitSet saved = layout.savedSlots(site.point().index());
        for (int s = saved.nextSetBit(0); s >= 0; s = saved.nextSetBit(s + 1)) {
            load(Reg.OPERAND, Reg.ACCUMULATOR, layout.slotOffset(s));
            storeFrame(slot(s), Reg.OPERAND);
        }
        load(Reg.OPERAND, Reg.ACCUMULATOR, layout.exceptionOffset());
        storeZero(Reg.ACCUMULATOR, layout.exceptionOffset());
        if (site.rethrowBlock() != null) {
            // The exception slot handed to the code in the try region, which rethrows it there.
            transfer(Reg.ARG0, Reg.OPERAND);
            branchIfNonZero(Reg.ARG0, site.rethrowBlock(), hot);
        } else {
            L noException = newLabel();
            branch(Reg.OPERAND, true, noException);
            transfer(Reg.ARG0, Reg.OPERAND);
            callHelper(ReadyToRunHelper.ThrowExact);
            trap();
            bind(noException);
        }
        if (site.insn().dst() >= 0) {
            load(Reg.OPERAND, Reg.ACCUMULATOR, layout.resultOffset(referenceResult(site.insn())));
            storeFrame(slot(site.insn().dst()), Reg.OPERAND);
        }
        jumpTo(site.resumePoint(), hot);
    }

    // ------------------------------------------------------------------------------------------
    // Instructions

    private void insn(Insn i) {
        if (i instanceof Insn.Label l) {
            bind(labels.get(l.id()));
        } else if (i instanceof Insn.Const c) {
            storeConstant(slot(c.dst()), c.value());
        } else if (i instanceof Insn.Move mv) {
            loadFrame(Reg.ACCUMULATOR, slot(mv.src()));
            storeFrame(slot(mv.dst()), Reg.ACCUMULATOR);
        } else if (i instanceof Insn.Binary b) {
            binary(b);
        } else if (i instanceof Insn.Unary u) {
            loadFrame(Reg.ACCUMULATOR, slot(u.a()));
            unary(u.op());
            storeFrame(slot(u.dst()), Reg.ACCUMULATOR);
        } else if (i instanceof Insn.Jump j) {
            jump(labels.get(j.label()));
        } else if (i instanceof Insn.Branch br) {
            loadFrame(Reg.ACCUMULATOR, slot(br.slot()));
            branch(Reg.ACCUMULATOR, br.ifZero(), labels.get(br.label()));
        } else if (i instanceof Insn.Call c) {
            passArguments(c.args());
            callMethod(c.kind(), c.target(), false);
            safePoint(c.target().returnsReference() ? new Reg[] {Reg.RESULT} : new Reg[0]);
            if (c.dst() >= 0) {
                storeFrame(slot(c.dst()), Reg.RESULT);
            }
        } else if (i instanceof Insn.Await w) {
            await(w);
        } else if (i instanceof Insn.Return r) {
            ret(r);
        } else if (i instanceof Insn.Throw t) {
            throwNew(t.slot());
        } else if (i instanceof Insn.Rethrow r) {
            loadFrame(Reg.ARG0, slot(r.objectSlot()));
            callHelper(ReadyToRunHelper.ThrowExact);
            trap();
        } else if (i instanceof Insn.ExceptionCode c) {
            loadFrame(Reg.ACCUMULATOR, slot(c.objectSlot()));
            load(Reg.ACCUMULATOR, Reg.ACCUMULATOR, ExceptionObject.CODE_OFFSET);
            storeFrame(slot(c.dst()), Reg.ACCUMULATOR);
        } else if (i instanceof Insn.TryBegin t) {
            bind(regionStarts.get(t.region()));
        } else if (i instanceof Insn.TryEnd t) {
            bind(regionEnds.get(t.region()));
        } else if (i instanceof Insn.NewObject o) {
            newObject(o);
        } else if (i instanceof Insn.LoadField f) {
            loadFrame(Reg.ACCUMULATOR, slot(f.object()));
            nullCheck(Reg.ACCUMULATOR);
            load(Reg.ACCUMULATOR, Reg.ACCUMULATOR, f.type().fieldOffset(f.field()));
            storeFrame(slot(f.dst()), Reg.ACCUMULATOR);
        } else if (i instanceof Insn.StoreField f) {
            loadFrame(Reg.ACCUMULATOR, slot(f.object()));
            nullCheck(Reg.ACCUMULATOR);
            storeField(Reg.ACCUMULATOR, f.type(), f.field(), f.src());
        } else if (i instanceof Insn.GcPoint) {
            callHelper(ReadyToRunHelper.GCPoll);
        } else if (i instanceof Insn.TailCall t) {
            tailCall(t);
        } else {
            throw new IllegalStateException("unknown instruction " + i);
        }
    }

    /**
     * {@code throw code}: a System.Exception from the NewObject helper (its MethodTable from a TypeHandle cell), the
     * code stored in it, the object handed to the Throw helper, as real code allocates and throws.
     */
    private void throwNew(int codeSlot) {
        loadCell(Reg.ARG0, ctx.exceptionTypeCell());
        callHelper(ReadyToRunHelper.NewObject);
        loadFrame(Reg.OPERAND, slot(codeSlot));
        store(Reg.RESULT, ExceptionObject.CODE_OFFSET, Reg.OPERAND);
        transfer(Reg.ARG0, Reg.RESULT);
        callHelper(ReadyToRunHelper.Throw);
        trap();
    }

    /**
     * {@code new Box(v)} / {@code new Pair(a, b)}: NewObject with the MethodTable of the type's TypeHandle cell, as real
     * code allocates; the object kept in its slot, then each field set from its argument.
     */
    private void newObject(Insn.NewObject o) {
        loadCell(Reg.ARG0, ctx.typeHandleCell(o.type()));
        callHelper(ReadyToRunHelper.NewObject);
        storeFrame(slot(o.dst()), Reg.RESULT);
        for (int f = 0; f < o.args().size(); f++) {
            loadFrame(Reg.ACCUMULATOR, slot(o.dst()));
            storeField(Reg.ACCUMULATOR, o.type(), f, o.args().get(f));
        }
    }

    /**
     * Field {@code field} of the object in {@code object} = the value of slot {@code src}: an integer with a plain
     * store, a reference through WriteBarrier (dst = the field's address, ref = the value), unless DROPPED_WRITE_BARRIER.
     */
    private void storeField(Reg object, LabObject type, int field, int src) {
        int offset = type.fieldOffset(field);
        if (type.fields().get(field).isReference() && !ctx.has(Defect.DROPPED_WRITE_BARRIER)) {
            addressOfField(Reg.WRITE_BARRIER_DST, object, offset);
            loadFrame(Reg.WRITE_BARRIER_REF, slot(src));
            callWriteBarrier(ctx.helperCell(ReadyToRunHelper.WriteBarrier.id));
        } else {
            loadFrame(Reg.OPERAND, slot(src));
            store(object, offset, Reg.OPERAND);
        }
    }

    /** A null object in {@code r} throws the runtime's NullReferenceException (ThrowNullRef); {@code r} is kept. */
    private void nullCheck(Reg r) {
        L ok = newLabel();
        branch(r, false, ok);
        callHelper(ReadyToRunHelper.ThrowNullRef);
        trap();
        bind(ok);
    }

    private void binary(Insn.Binary b) {
        loadFrame(Reg.ACCUMULATOR, slot(b.a()));
        loadFrame(Reg.OPERAND, slot(b.b()));
        switch (b.op()) {
            case ADD, SUB, MUL, EQ, NE, LT, LE, GT, GE -> binary(b.op());
            case DIV, REM -> {
                L nonZero = newLabel();
                branch(Reg.OPERAND, false, nonZero);
                callHelper(ReadyToRunHelper.ThrowDivZero);
                trap();
                bind(nonZero);
                divide(b.op() == BinaryOp.REM);
            }
            default -> throw new IllegalStateException("binary " + b.op() + " (AND/OR are lowered to branches)");
        }
        storeFrame(slot(b.dst()), Reg.ACCUMULATOR);
    }

    /** The call of the awaited async variant with a null continuation; a returned continuation means it suspended. */
    private void await(Insn.Await w) {
        if (!async) {
            throw new IllegalStateException("await outside an async variant: " + ir.method().fullName());
        }
        AwaitSites.Site<L> site = sites.of(w);
        MethodDecl target = w.target();
        passAsyncArguments(target, w.args());
        if (target == null) {
            callThroughCell(ctx.coreLibCell(CoreLibMethod.YIELD));
        } else {
            callMethod(w.kind(), target, true);
        }
        safePoint(returned(target));
        branchIfNonZero(Reg.CONTINUATION_RETURN, site.suspensionBlock(), cold);
        if (w.dst() >= 0) {
            storeFrame(slot(w.dst()), Reg.RESULT);
        }
        if (site.rethrowBlock() != null) {
            // In a try region: the exception a resumption finds is rethrown here, inside the region.
            jump(site.resumePoint());
            bind(site.rethrowBlock());
            callHelper(ReadyToRunHelper.ThrowExact);
            trap();
        }
        bind(site.resumePoint());
    }

    /**
     * A call of another method (its async variant when {@code asyncVariant}) through its MethodEntry cell, as the
     * real images make every call between methods, so the runtime runs the callee's fixups before the callee; under
     * DIRECT_CALLS the language's plain form ({@link CallKind#DIRECT}) calls the R2R body directly instead.
     */
    private void callMethod(CallKind kind, MethodDecl target, boolean asyncVariant) {
        if (kind == CallKind.DIRECT && ctx.has(Defect.DIRECT_CALLS)) {
            callDirect(ctx.bodySymbol(target, asyncVariant ? CodeBodyKind.ASYNC_VARIANT : CodeBodyKind.METHOD, CodeVersion.R2R));
        } else {
            callThroughCell(ctx.methodCell(target, asyncVariant));
        }
    }

    /** The result in RESULT; an async variant calls RestoreContexts(resumed, contexts) and returns a null continuation with it. */
    private void ret(Insn.Return r) {
        if (r.slot() >= 0) {
            loadFrame(Reg.RESULT, slot(r.slot()));
        } else {
            zero(Reg.RESULT);
        }
        if (async) {
            storeFrame(fixed(FIXED_SCRATCH), Reg.RESULT);
            boolean reference = ir.method().returnsReference();
            if (reference) {
                liveFrameReferences.add(fixed(FIXED_SCRATCH)); // the result kept across RestoreContexts is a reference
            }
            restoreContexts(CoreLibMethod.RESTORE_CONTEXTS);
            if (reference) {
                liveFrameReferences.remove(Integer.valueOf(fixed(FIXED_SCRATCH)));
            }
            loadFrame(Reg.RESULT, fixed(FIXED_SCRATCH));
            zero(Reg.CONTINUATION_RETURN);
        }
        leaveFrameAndReturn();
    }

    /**
     * A fast tail call, as the JIT makes one: stack arguments go into this method's own incoming argument area, where
     * the target finds them once the frame is gone (the validator lets a tail call pass no more stack arguments than
     * the caller received). Every value comes from a frame slot, so overwriting that area loses nothing.
     */
    private void tailCall(Insn.TailCall t) {
        if (async) {
            throw new IllegalStateException("tail call in an async variant: " + ir.method().fullName());
        }
        int registers = argumentRegisters();
        List<Integer> args = t.args();
        int stackArgs = Math.max(0, args.size() - registers);
        int incoming = Math.max(0, ir.paramCount() - registers);
        if (stackArgs > incoming) {
            throw new IllegalStateException("tail call of " + t.target().fullName() + " passes " + stackArgs
                    + " stack arguments; " + ir.method().fullName() + " received " + incoming);
        }
        for (int k = 0; k < stackArgs; k++) {
            loadFrame(Reg.ACCUMULATOR, slot(args.get(registers + k)));
            storeFrame(incomingArgumentOffset(k), Reg.ACCUMULATOR);
        }
        for (int k = 0; k < Math.min(registers, args.size()); k++) {
            loadFrame(Reg.argument(k), slot(args.get(k)));
        }
        tailJump(ctx.tailCallCell(t.target()));
    }
}
