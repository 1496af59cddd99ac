package r2rlab.emitter.x64;

import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTEXT0;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTEXT1;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTINUATION;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_SCRATCH;

import java.util.ArrayList;
import java.util.List;

import r2rlab.emitter.Defect;
import r2rlab.emitter.codegen.AwaitSites;
import r2rlab.emitter.codegen.BodyKind;
import r2rlab.emitter.codegen.BodyGenerator;
import r2rlab.emitter.codegen.BodyPlan;
import r2rlab.emitter.codegen.BodyPlanBackend;
import r2rlab.emitter.codegen.CodeFragment;
import r2rlab.emitter.codegen.CodegenContext;
import r2rlab.emitter.codegen.CompiledBody;
import r2rlab.emitter.codegen.RuntimeMethod;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.image.SectionKind;
import r2rlab.emitter.ir.AwaitPoint;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.ContinuationLayout;
import r2rlab.emitter.ir.Insn;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.CallKind;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.ReadyToRunHelper;

/**
 * The x64 back end (backend-spec.md). Every IR value lives in an 8-byte frame slot addressed from RBP.
 *
 * <p>Frame of a method, async variant or Task thunk:
 * <pre>
 *   [rbp+16+shadow+8k]  incoming stack argument k (shadow = 32 on Windows, 0 on SysV)
 *   [rbp+8]             return address
 *   [rbp+0]             saved RBP
 *   [rbp-8(i+1)]        IR slot i (params first), i in 0..slotCount-1
 *   [rbp-8(S+f+1)]      async variant only: fixed slot f (BodyPlan.FIXED_*; S = slotCount): the incoming
 *                       continuation argument, context slots 0 and 1, scratch
 *   [rsp+shadow+8k]     outgoing stack argument k; [rsp+0..32) the Windows shadow area
 * </pre>
 * Prolog {@code push rbp; mov rbp, rsp; sub rsp, N} (N a multiple of 16, omitted when 0) with unwind codes
 * PUSH_NONVOL(RBP), SET_FPREG(RBP, 0), ALLOC(N); epilog {@code lea rsp, [rbp+0]; pop rbp; ret} (a Windows
 * epilog form). The resumption stub has no frame pointer: {@code push rbx; push r12; sub rsp, A}.
 */
public final class X64Backend extends BodyPlanBackend<X64Assembler.Label> {
    static final Register[] WINDOWS_ARGS = {Register.RCX, Register.RDX, Register.R8, Register.R9};
    static final Register[] SYSV_ARGS = {Register.RDI, Register.RSI, Register.RDX, Register.RCX, Register.R8, Register.R9};

    /** The register returning the continuation of an async variant (every OS). */
    public static final Register CONTINUATION_RETURN = Register.RCX;

    @Override
    public Machine machine() {
        return Machine.AMD64;
    }

    /** RBP-relative displacement of IR slot {@code slot}. */
    public static int slotDisplacement(int slot) {
        return -8 * (slot + 1);
    }

    /** RBP-relative displacement of fixed slot {@code fixed} (BodyPlan.FIXED_*) of a frame with {@code slotCount} IR slots. */
    public static int fixedDisplacement(int slotCount, int fixed) {
        return -8 * (slotCount + fixed + 1);
    }

    /** The integer argument registers of {@code os}. */
    public static List<Register> argumentRegisters(TargetOs os) {
        return List.of(os == TargetOs.WINDOWS ? WINDOWS_ARGS : SYSV_ARGS);
    }

    // ------------------------------------------------------------------------------------------
    // Bodies

    @Override
    protected BodyGenerator<X64Assembler, X64Assembler.Label> generator(BodyPlan plan, CodegenContext ctx, String symbol) {
        return new Gen(plan, ctx, symbol);
    }

    @Override
    public CompiledBody compileResumptionStub(MethodIr ir, CodegenContext ctx) {
        MethodDecl m = ir.method();
        requireAsync(ir, "compileResumptionStub");
        String sym = ctx.bodySymbol(m, BodyKind.RESUMPTION_STUB, ir.version());
        Register[] args = ctx.os() == TargetOs.WINDOWS ? WINDOWS_ARGS : SYSV_ARGS;
        int shadow = ctx.os() == TargetOs.WINDOWS ? 32 : 0;
        int stackArgs = Math.max(0, BodyPlan.asyncVariantArguments(m) - args.length);
        int alloc = align16(shadow + 8 * stackArgs) + 8; // entry rsp = 8 mod 16, two pushes keep it so
        int contPos = BodyPlan.continuationPosition(m);

        X64Assembler a = new X64Assembler();
        PrologRecorder rec = new PrologRecorder();
        rec.push(a, Register.RBX);
        rec.push(a, Register.R12);
        rec.allocStack(a, alloc);
        int prolog = a.offset();
        a.mov(Register.RBX, args[1]);               // result byref
        if (contPos != 0) {
            a.mov(args[contPos], args[0]);         // continuation after 'this'
        }
        BodyPlan.forEachUserArgumentPosition(m, pos -> {
            if (pos < args.length) {
                a.xor32(args[pos], args[pos]);
            } else {
                a.storeImm32(Register.RSP, shadow + 8 * (pos - args.length), 0);
            }
        });
        if (ctx.has(Defect.B1_STUB_CALLS_THROUGH_CELL)) {
            a.callIndirectRip(ctx.methodCell(m, true));
        } else {
            a.call(ctx.bodySymbol(m, BodyKind.ASYNC_VARIANT, ir.version()));
        }
        a.mov(Register.R12, CONTINUATION_RETURN);
        X64Assembler.Label done = a.newLabel();
        a.test(Register.R12, Register.R12);
        a.jcc(Condition.NE, done);
        if (m.returnsValue()) {
            a.store(Register.RBX, 0, Register.RAX);
        }
        a.bind(done);
        a.mov(Register.RAX, Register.R12);
        a.addRsp(alloc);
        a.pop(Register.R12);
        a.pop(Register.RBX);
        a.ret();
        byte[] unwind = rec.build(0, prolog).encode();
        CodeFragment f = new CodeFragment(sym, a.code(), a.relocations(), unwind, prolog);
        return new CompiledBody(m, BodyKind.RESUMPTION_STUB, ir.version(), List.of(f), List.of());
    }

    // ------------------------------------------------------------------------------------------
    // Thunks

    @Override
    public ObjectNode delayLoadThunk(String symbol, int importSection, String moduleCell, String helperCell,
                                     boolean existingIndirectionCell) {
        X64Assembler a = new X64Assembler();
        if (!existingIndirectionCell) {
            a.xor32(Register.RAX, Register.RAX);
        }
        a.pushImm8(importSection);
        a.pushRipRelative(moduleCell);
        a.jmpIndirectRip(helperCell);
        return new ObjectNode(symbol, SectionKind.TEXT, 16, a.code(), a.relocations());
    }

    @Override
    public ObjectNode jumpThunk(String symbol, String cell) {
        X64Assembler a = new X64Assembler();
        a.jmpIndirectRip(cell);
        return new ObjectNode(symbol, SectionKind.TEXT, 16, a.code(), a.relocations());
    }

    @Override
    public byte[] withHandlerFlag(byte[] unwindInfo) {
        byte[] out = unwindInfo.clone();
        out[0] |= (byte) ((X64UnwindInfo.UNW_FLAG_EHANDLER | X64UnwindInfo.UNW_FLAG_UHANDLER) << 3);
        return out;
    }

    static int align16(int n) {
        return (n + 15) & ~15;
    }

    // ------------------------------------------------------------------------------------------
    // Code generation of one RBP-framed body

    private static final class Gen extends BodyGenerator<X64Assembler, X64Assembler.Label> {
        final Register[] args;
        final int shadow;
        final int slots;
        final int fixed;
        final int frameSize;
        final List<CrossRef> crossRefs = new ArrayList<>();
        byte[] hotUnwind;
        int hotProlog;
        X64UnwindInfo hotInfo;

        record CrossRef(X64Assembler from, int field, X64Assembler.Label target) {
        }

        Gen(BodyPlan plan, CodegenContext ctx, String symbol) {
            super(plan, ctx, symbol, X64Assembler::new, X64Assembler::newLabel);
            boolean win = ctx.os() == TargetOs.WINDOWS;
            this.args = win ? WINDOWS_ARGS : SYSV_ARGS;
            this.shadow = win ? 32 : 0;
            this.slots = plan.frameSlots();
            this.fixed = plan.fixedSlots();
            // every body's frame also fits the Task thunk's call of the async variant
            int maxArgs = Math.max(plan.bodyCallArguments(), BodyPlan.asyncVariantArguments(ir.method()));
            int maxStackArgs = Math.max(0, maxArgs - args.length);
            this.frameSize = align16(8 * (slots + fixed) + shadow + 8 * maxStackArgs);
        }

        int slot(int i) {
            return slotDisplacement(i);
        }

        int fixedSlot(int f) {
            return fixedDisplacement(slots, f);
        }

        // ---- prolog / epilog

        @Override
        public void prolog() {
            PrologRecorder rec = new PrologRecorder();
            rec.push(a, Register.RBP);
            rec.setFramePointer(a, Register.RBP, 0);
            if (frameSize > 0) {
                rec.allocStack(a, frameSize);
            }
            hotProlog = a.offset();
            hotInfo = rec.build(0, hotProlog);
            hotUnwind = hotInfo.encode();
            for (int p = 0; p < ir.paramCount(); p++) {
                int pos = plan.parameterPosition(p);
                if (pos < args.length) {
                    a.store(Register.RBP, slot(p), args[pos]);
                } else {
                    a.load(Register.RAX, Register.RBP, 16 + shadow + 8 * (pos - args.length));
                    a.store(Register.RBP, slot(p), Register.RAX);
                }
            }
        }

        void epilog() {
            a.lea(Register.RSP, Register.RBP, 0);
            a.pop(Register.RBP);
        }

        // ---- helpers

        @Override
        public void argFromSlot(int pos, int slot) {
            if (pos < args.length) {
                a.load(args[pos], Register.RBP, slot(slot));
            } else {
                a.load(Register.RAX, Register.RBP, slot(slot));
                a.store(Register.RSP, shadow + 8 * (pos - args.length), Register.RAX);
            }
        }

        @Override
        public void argZero(int pos) {
            if (pos < args.length) {
                a.xor32(args[pos], args[pos]);
            } else {
                a.storeImm32(Register.RSP, shadow + 8 * (pos - args.length), 0);
            }
        }

        void moveToArg0(Register src) {
            if (args[0] != src) {
                a.mov(args[0], src);
            }
        }

        void callHelper(ReadyToRunHelper h) {
            a.callIndirectRip(ctx.helperCell(h.id));
        }

        void jccTo(Condition cc, X64Assembler.Label target, X64Assembler owner) {
            if (owner == a) {
                a.jcc(cc, target);
            } else {
                a.jcc(cc, symbolOf(owner), 0);
                crossRefs.add(new CrossRef(a, a.offset() - 4, target));
            }
        }

        void jmpTo(X64Assembler.Label target, X64Assembler owner) {
            if (owner == a) {
                a.jmp(target);
            } else {
                a.jmp(symbolOf(owner), 0);
                crossRefs.add(new CrossRef(a, a.offset() - 4, target));
            }
        }

        void restoreContexts(boolean suspended) {
            a.movImm32(args[0], suspended ? 1 : 0);
            a.load(args[1], Register.RBP, fixedSlot(FIXED_CONTEXT0));
            a.load(args[2], Register.RBP, fixedSlot(FIXED_CONTEXT1));
            a.callIndirectRip(ctx.runtimeMethodCell(RuntimeMethod.RESTORE_CONTEXTS));
        }

        // ---- bodies

        @Override
        public void asyncEntry(int continuationPosition, X64Assembler.Label dispatchBlock) {
            Register cont = args[continuationPosition];
            a.store(Register.RBP, fixedSlot(FIXED_CONTINUATION), cont);
            if (dispatchBlock != null) {
                a.test(cont, cont);
                jccTo(Condition.NE, dispatchBlock, cold);
            }
            a.lea(args[0], Register.RBP, fixedSlot(FIXED_CONTEXT0));
            a.lea(args[1], Register.RBP, fixedSlot(FIXED_CONTEXT1));
            a.callIndirectRip(ctx.runtimeMethodCell(RuntimeMethod.CAPTURE_CONTEXTS));
        }

        @Override
        public void dispatchBlock(X64Assembler.Label dispatchBlock, List<AwaitSites.Site<X64Assembler.Label>> ordered) {
            a.bind(dispatchBlock);
            a.storeImm32(Register.RBP, fixedSlot(FIXED_CONTEXT0), 0);
            a.storeImm32(Register.RBP, fixedSlot(FIXED_CONTEXT1), 0);
            a.load(Register.RAX, Register.RBP, fixedSlot(FIXED_CONTINUATION));
            a.load32(Register.RAX, Register.RAX, ContinuationLayout.OFFSET_STATE);
            for (AwaitSites.Site<X64Assembler.Label> site : ordered) {
                a.cmp(Register.RAX, site.point().state());
                a.jcc(Condition.E, site.resumeBlock());
            }
            a.int3();
        }

        @Override
        public void suspensionBlock(AwaitSites.Site<X64Assembler.Label> site) {
            ContinuationLayout layout = ir.continuation();
            AwaitPoint p = site.point();
            a.bind(site.suspensionBlock());
            moveToArg0(CONTINUATION_RETURN);
            a.loadRipRelative(args[1], ctx.continuationLayoutCell(ir));
            callHelper(ReadyToRunHelper.AllocContinuation);
            a.leaRipRelative(Register.RCX, ctx.resumeInfoSymbol(ir.method(), ir.version()),
                    (long) ContinuationLayout.RESUME_INFO_SIZE * p.index());
            a.store(Register.RAX, ContinuationLayout.OFFSET_RESUME_INFO, Register.RCX);
            a.store32Imm32(Register.RAX, ContinuationLayout.OFFSET_STATE, p.state());
            a.store32Imm32(Register.RAX, ContinuationLayout.OFFSET_FLAGS, ContinuationLayout.FLAGS);
            for (int s = 0; s < slots; s++) {
                a.load(Register.RCX, Register.RBP, slot(s));
                a.store(Register.RAX, layout.slotOffset(s), Register.RCX);
            }
            a.store(Register.RBP, fixedSlot(FIXED_SCRATCH), Register.RAX);
            restoreContexts(true);
            a.load(CONTINUATION_RETURN, Register.RBP, fixedSlot(FIXED_SCRATCH));
            a.xor32(Register.RAX, Register.RAX);
            epilog();
            a.ret();
        }

        @Override
        public void resumeBlock(AwaitSites.Site<X64Assembler.Label> site) {
            ContinuationLayout layout = ir.continuation();
            a.bind(site.resumeBlock());
            a.load(Register.RAX, Register.RBP, fixedSlot(FIXED_CONTINUATION));
            for (int s = 0; s < slots; s++) {
                a.load(Register.RCX, Register.RAX, layout.slotOffset(s));
                a.store(Register.RBP, slot(s), Register.RCX);
            }
            X64Assembler.Label noException = a.newLabel();
            a.load(Register.RCX, Register.RAX, layout.exceptionOffset());
            a.test(Register.RCX, Register.RCX);
            a.jcc(Condition.E, noException);
            moveToArg0(Register.RCX);
            callHelper(ReadyToRunHelper.ThrowExact);
            a.int3();
            a.bind(noException);
            if (site.insn().dst() >= 0) {
                a.load(Register.RCX, Register.RAX, layout.resultOffset());
                a.store(Register.RBP, slot(site.insn().dst()), Register.RCX);
            }
            jmpTo(site.resumePoint(), hot);
        }

        @Override
        public void emitTaskThunk() {
            MethodDecl m = ir.method();
            prolog();
            plan.passTaskThunkArguments(this);
            a.callIndirectRip(ctx.methodCell(m, true));
            X64Assembler.Label suspended = a.newLabel();
            X64Assembler.Label done = a.newLabel();
            a.test(CONTINUATION_RETURN, CONTINUATION_RETURN);
            a.jcc(Condition.NE, suspended);
            if (m.returnsValue()) {
                moveToArg0(Register.RAX);
            } else {
                a.xor32(args[0], args[0]);
            }
            a.callIndirectRip(ctx.runtimeMethodCell(RuntimeMethod.TASK_FROM_RESULT));
            a.jmp(done);
            a.bind(suspended);
            moveToArg0(CONTINUATION_RETURN);
            a.callIndirectRip(ctx.runtimeMethodCell(RuntimeMethod.FINALIZE_TASK_RETURNING_THUNK));
            a.bind(done);
            epilog();
            a.ret();
        }

        @Override
        public void insn(Insn i) {
            if (i instanceof Insn.Label l) {
                a.bind(labels.get(l.id()));
            } else if (i instanceof Insn.Const c) {
                long v = c.value();
                if (v == (int) v) {
                    a.storeImm32(Register.RBP, slot(c.dst()), (int) v);
                } else {
                    a.movImm64(Register.RAX, v);
                    a.store(Register.RBP, slot(c.dst()), Register.RAX);
                }
            } else if (i instanceof Insn.Move mv) {
                a.load(Register.RAX, Register.RBP, slot(mv.src()));
                a.store(Register.RBP, slot(mv.dst()), Register.RAX);
            } else if (i instanceof Insn.Binary b) {
                binary(b);
            } else if (i instanceof Insn.Unary u) {
                a.load(Register.RAX, Register.RBP, slot(u.a()));
                switch (u.op()) {
                    case NEG -> a.neg(Register.RAX);
                    case NOT -> {
                        a.test(Register.RAX, Register.RAX);
                        a.setcc(Condition.E, Register.RAX);
                        a.movzxByte(Register.RAX, Register.RAX);
                    }
                    default -> throw new IllegalStateException("unary " + u.op());
                }
                a.store(Register.RBP, slot(u.dst()), Register.RAX);
            } else if (i instanceof Insn.Jump j) {
                a.jmp(labels.get(j.label()));
            } else if (i instanceof Insn.Branch br) {
                a.load(Register.RAX, Register.RBP, slot(br.slot()));
                a.test(Register.RAX, Register.RAX);
                a.jcc(br.ifZero() ? Condition.E : Condition.NE, labels.get(br.label()));
            } else if (i instanceof Insn.Call c) {
                for (int k = 0; k < c.args().size(); k++) {
                    argFromSlot(k, c.args().get(k));
                }
                if (c.kind() == CallKind.DIRECT) {
                    a.call(ctx.bodySymbol(c.target(), BodyKind.METHOD, CodeVersion.R2R));
                } else {
                    a.callIndirectRip(ctx.methodCell(c.target(), false));
                }
                if (c.dst() >= 0) {
                    a.store(Register.RBP, slot(c.dst()), Register.RAX);
                }
            } else if (i instanceof Insn.Await w) {
                await(w);
            } else if (i instanceof Insn.Return r) {
                ret(r);
            } else if (i instanceof Insn.Throw t) {
                a.load(args[0], Register.RBP, slot(t.slot()));
                callHelper(ReadyToRunHelper.Throw);
                a.int3();
            } else if (i instanceof Insn.GcPoint) {
                callHelper(ReadyToRunHelper.GCPoll);
            } else if (i instanceof Insn.TailCall t) {
                if (async) {
                    throw new IllegalStateException("tail call in an async variant: " + ir.method().fullName());
                }
                if (t.args().size() > args.length) {
                    throw new UnsupportedOperationException("x64 tail call with stack arguments: " + t.target().fullName());
                }
                for (int k = 0; k < t.args().size(); k++) {
                    argFromSlot(k, t.args().get(k));
                }
                epilog();
                a.leaRipRelative(Register.RAX, ctx.tailCallCell(t.target()));
                a.jmpIndirect(Register.RAX, 0);
            } else {
                throw new IllegalStateException("unknown instruction " + i);
            }
        }

        void binary(Insn.Binary b) {
            a.load(Register.RAX, Register.RBP, slot(b.a()));
            a.load(Register.RCX, Register.RBP, slot(b.b()));
            switch (b.op()) {
                case ADD -> a.add(Register.RAX, Register.RCX);
                case SUB -> a.sub(Register.RAX, Register.RCX);
                case MUL -> a.imul(Register.RAX, Register.RCX);
                case DIV, REM -> {
                    boolean rem = b.op() == BinaryOp.REM;
                    X64Assembler.Label nonZero = a.newLabel();
                    X64Assembler.Label divide = a.newLabel();
                    X64Assembler.Label done = a.newLabel();
                    a.test(Register.RCX, Register.RCX);
                    a.jcc(Condition.NE, nonZero);
                    callHelper(ReadyToRunHelper.ThrowDivZero);
                    a.int3();
                    a.bind(nonZero);
                    // x / -1 without idiv: MIN / -1 would fault; wrap like ARM64 sdiv does
                    a.cmp(Register.RCX, -1);
                    a.jcc(Condition.NE, divide);
                    if (rem) {
                        a.xor32(Register.RAX, Register.RAX);
                    } else {
                        a.neg(Register.RAX);
                    }
                    a.jmp(done);
                    a.bind(divide);
                    a.cqo();
                    a.idiv(Register.RCX);
                    if (rem) {
                        a.mov(Register.RAX, Register.RDX);
                    }
                    a.bind(done);
                }
                case EQ -> a.compareAndSet(Condition.E, Register.RAX, Register.RAX, Register.RCX);
                case NE -> a.compareAndSet(Condition.NE, Register.RAX, Register.RAX, Register.RCX);
                case LT -> a.compareAndSet(Condition.L, Register.RAX, Register.RAX, Register.RCX);
                case LE -> a.compareAndSet(Condition.LE, Register.RAX, Register.RAX, Register.RCX);
                case GT -> a.compareAndSet(Condition.G, Register.RAX, Register.RAX, Register.RCX);
                case GE -> a.compareAndSet(Condition.GE, Register.RAX, Register.RAX, Register.RCX);
                default -> throw new IllegalStateException("binary " + b.op() + " (AND/OR are lowered to branches)");
            }
            a.store(Register.RBP, slot(b.dst()), Register.RAX);
        }

        void await(Insn.Await w) {
            if (!async) {
                throw new IllegalStateException("await outside an async variant: " + ir.method().fullName());
            }
            AwaitSites.Site<X64Assembler.Label> site = sites.of(w);
            MethodDecl target = w.target();
            BodyPlan.passAsyncArguments(this, target, w.args());
            if (target == null) {
                a.callIndirectRip(ctx.runtimeMethodCell(RuntimeMethod.YIELD));
            } else if (w.kind() == CallKind.DIRECT) {
                a.call(ctx.bodySymbol(target, BodyKind.ASYNC_VARIANT, CodeVersion.R2R));
            } else {
                a.callIndirectRip(ctx.methodCell(target, true));
            }
            a.test(CONTINUATION_RETURN, CONTINUATION_RETURN);
            jccTo(Condition.NE, site.suspensionBlock(), cold);
            if (w.dst() >= 0) {
                a.store(Register.RBP, slot(w.dst()), Register.RAX);
            }
            a.bind(site.resumePoint());
        }

        void ret(Insn.Return r) {
            if (r.slot() >= 0) {
                a.load(Register.RAX, Register.RBP, slot(r.slot()));
            } else {
                a.xor32(Register.RAX, Register.RAX);
            }
            if (async) {
                a.store(Register.RBP, fixedSlot(FIXED_SCRATCH), Register.RAX);
                restoreContexts(false);
                a.load(Register.RAX, Register.RBP, fixedSlot(FIXED_SCRATCH));
                a.xor32(CONTINUATION_RETURN, CONTINUATION_RETURN);
            }
            epilog();
            a.ret();
        }

        // ---- results

        List<Relocation> relocationsOf(X64Assembler asm) {
            List<Relocation> out = new ArrayList<>();
            for (Relocation r : asm.relocations()) {
                Relocation fixedUp = r;
                for (CrossRef x : crossRefs) {
                    if (x.from() == asm && x.field() == r.offset()) {
                        fixedUp = new Relocation(r.offset(), RelocType.IMAGE_REL_BASED_REL32, r.symbol(), x.target().position());
                    }
                }
                out.add(fixedUp);
            }
            return out;
        }

        @Override
        public int offsetOf(X64Assembler.Label label) {
            return label.position();
        }

        @Override
        public List<CodeFragment> fragments() {
            hot.finish();
            List<CodeFragment> out = new ArrayList<>();
            out.add(new CodeFragment(symbol, hot.code(), relocationsOf(hot), hotUnwind, hotProlog));
            if (cold != hot) {
                cold.finish();
                // The cold part runs in the hot part's frame: no prolog of its own, and every code applies,
                // so unwinding from it restores exactly what the hot prolog set up.
                List<UnwindCode> codes = new ArrayList<>();
                for (UnwindCode c : hotInfo.codes()) {
                    codes.add(new UnwindCode(0, c.op(), c.opInfo(), c.size()));
                }
                X64UnwindInfo coldInfo = new X64UnwindInfo(0, 0, hotInfo.frameRegister(), hotInfo.frameOffset(), codes);
                out.add(new CodeFragment(coldSymbol, cold.code(), relocationsOf(cold), coldInfo.encode(), 0));
            }
            return out;
        }
    }
}
