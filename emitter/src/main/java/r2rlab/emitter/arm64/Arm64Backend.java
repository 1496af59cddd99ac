package r2rlab.emitter.arm64;

import r2rlab.emitter.codegen.Backend;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTEXT0;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTEXT1;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_CONTINUATION;
import static r2rlab.emitter.codegen.BodyPlan.FIXED_SCRATCH;

import java.util.ArrayList;
import java.util.List;

import r2rlab.emitter.Defect;
import r2rlab.emitter.arm64.Arm64Assembler.Label;
import r2rlab.emitter.arm64.Arm64Assembler.PairMode;
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
import r2rlab.format.BlobBuilder;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.RelocType;
import r2rlab.format.pe.Relocation;
import r2rlab.format.r2r.ReadyToRunHelper;

/**
 * The ARM64 back end (backend-spec.md). Every IR value lives in an 8-byte frame slot addressed from FP (x29).
 *
 * <p>Frame of a method, async variant or Task thunk ({@code F} = frame size, a multiple of 16; {@code O} =
 * outgoing stack-argument area, a multiple of 16, 0 unless a call passes more than 8 arguments):
 * <pre>
 *   [fp+F+8k]              incoming stack argument k (argument position 8+k)
 *   [fp+16+8(S+f)]         async variant only: fixed slot f (BodyPlan.FIXED_*; S = slotCount)
 *   [fp+16+8i]             IR slot i (params first), i in 0..S-1
 *   [fp+8]                 saved LR
 *   [fp+0]                 saved FP                     &lt;- fp
 *   [sp+8k] = [fp-O+8k]    outgoing stack argument k    &lt;- sp (when O &gt; 0)
 * </pre>
 * Prolog ({@code F <= 512}): {@code stp fp, lr, [sp, #-F]!; mov fp, sp; [sub sp, sp, #O]} with unwind codes
 * save_fplr_x(-F), set_fp, [alloc(O)]. Larger frames: {@code sub sp, sp, #(F-16); stp fp, lr, [sp, #-16]!;
 * mov fp, sp; [sub sp, sp, #O]} (alloc, save_fplr_x(-16), set_fp, [alloc]). Epilog: {@code [add sp, sp, #O];
 * ldp fp, lr, [sp], #F; ret} (or {@code ldp fp, lr, [sp], #16; add sp, sp, #(F-16)}); every epilog is described
 * by an epilog scope. The raw unwind record has the X bit clear; {@link #withHandlerFlag} sets it.
 *
 * <p>The resumption stub: {@code stp fp, lr, [sp, #-32]!; mov fp, sp; stp x19, x20, [sp, #16]; [sub sp, sp, #O]}
 * (x19 = the result byref, x20 = the returned continuation).
 *
 * <p>Scratch registers: x9, x10, x12 (x11 = cell address and x16 = call target of the cell protocol).
 */
public final class Arm64Backend extends BodyPlanBackend<Label> {
    /** Integer argument registers x0..x7. */
    public static final int ARG_REGISTERS = 8;

    /** The register returning the continuation of an async variant. */
    public static final Register CONTINUATION_RETURN = Register.X2;

    private static final Register S0 = Register.X9;
    private static final Register S1 = Register.X10;
    private static final Register S2 = Register.X12;

    @Override
    public Machine machine() {
        return Machine.ARM64;
    }

    /** FP-relative offset of IR slot {@code slot}. */
    public static int slotOffset(int slot) {
        return 16 + 8 * slot;
    }

    /** FP-relative offset of fixed slot {@code fixed} (BodyPlan.FIXED_*) of a frame with {@code slotCount} IR slots. */
    public static int fixedOffset(int slotCount, int fixed) {
        return 16 + 8 * (slotCount + fixed);
    }

    /** Frame size F for {@code slots} 8-byte slots above the saved FP/LR pair. */
    public static int frameSize(int slots) {
        return align16(16 + 8 * slots);
    }

    static Register arg(int position) {
        return Register.x(position);
    }

    static int align16(int n) {
        return (n + 15) & ~15;
    }

    // ------------------------------------------------------------------------------------------
    // Bodies

    @Override
    protected BodyGenerator<Arm64Assembler, Label> generator(BodyPlan plan, CodegenContext ctx, String symbol) {
        return new Gen(plan, ctx, symbol);
    }

    @Override
    public CompiledBody compileResumptionStub(MethodIr ir, CodegenContext ctx) {
        MethodDecl m = ir.method();
        requireAsync(ir, "compileResumptionStub");
        String sym = ctx.bodySymbol(m, BodyKind.RESUMPTION_STUB, ir.version());
        int out = align16(8 * Math.max(0, BodyPlan.asyncVariantArguments(m) - ARG_REGISTERS));
        int contPos = BodyPlan.continuationPosition(m);

        Arm64Assembler a = new Arm64Assembler();
        FrameShape frame = new FrameShape(32, out, true);
        List<UnwindCode> prologCodes = frame.emitProlog(a);
        int prolog = a.offset();
        a.mov(Register.X19, Register.X1);               // result byref
        if (contPos != 0) {
            a.mov(arg(contPos), Register.X0);          // continuation after 'this'
        }
        BodyPlan.forEachUserArgumentPosition(m, pos -> {
            if (pos < ARG_REGISTERS) {
                a.mov(arg(pos), Register.XZR);
            } else {
                a.str(Register.XZR, Register.SP, 8 * (pos - ARG_REGISTERS));
            }
        });
        if (ctx.has(Defect.B1_STUB_CALLS_THROUGH_CELL)) {
            a.callThroughCell(ctx.methodCell(m, true));
        } else {
            a.bl(ctx.bodySymbol(m, BodyKind.ASYNC_VARIANT, ir.version()));
        }
        a.mov(Register.X20, CONTINUATION_RETURN);
        Label done = a.newLabel();
        a.cbnz(Register.X20, done);
        if (m.returnsValue()) {
            a.str(Register.X0, Register.X19, 0);
        }
        a.bind(done);
        a.mov(Register.X0, Register.X20);
        int epilogStart = a.offset();
        List<UnwindCode> epilogCodes = frame.emitEpilog(a);
        a.ret();
        AssembledCode code = a.finish();
        byte[] unwind = Arm64UnwindInfo.builder(code.code().length)
                .prolog(prologCodes.toArray(new UnwindCode[0]))
                .epilog(epilogStart, epilogCodes.toArray(new UnwindCode[0]))
                .exceptionDataPresent(false)
                .build();
        CodeFragment f = new CodeFragment(sym, code.code(), code.relocations(), unwind, prolog);
        return new CompiledBody(m, BodyKind.RESUMPTION_STUB, ir.version(), List.of(f), List.of());
    }

    // ------------------------------------------------------------------------------------------
    // Thunks

    /**
     * r2r-format.md §6.2, with the two DIR64 literals placed AFTER the code so that {@code symbol} is the
     * code's first instruction (40 bytes, 8-aligned):
     * <pre>
     *  0: movz x9, #importSection
     *  4: ldr  x10, #+20          ; literal at 24 = &amp;Module cell
     *  8: ldr  x10, [x10]          ; Module*
     * 12: ldr  x12, #+20          ; literal at 32 = &amp;helper cell
     * 16: ldr  x12, [x12]
     * 20: br   x12
     * 24: .quad moduleCell        (DIR64)
     * 32: .quad helperCell        (DIR64)
     * </pre>
     * x11 is not touched. {@code existingIndirectionCell} has no ARM64 meaning (the caller's x11 always
     * holds the cell) and is ignored.
     */
    @Override
    public ObjectNode delayLoadThunk(String symbol, int importSection, String moduleCell, String helperCell,
                                     boolean existingIndirectionCell) {
        if (importSection < 0 || importSection > 0xFFFF) {
            throw new IllegalArgumentException("import section index out of range: " + importSection);
        }
        // As crossgen2's ARM64 DelayLoadHelper thunk (r2r-format.md §6.2): the Module cell's address
        // in an 8-byte slot just before the entry, then the code, then the helper cell's address.
        Arm64Assembler a = new Arm64Assembler();
        a.movz(Register.X9, importSection, 0);          // entry (+8)
        a.emit(ldrLiteral(Register.X10, -12));          // +12: the slot at +0
        a.ldr(Register.X10, Register.X10, 0);           // x10 = Module*
        a.emit(ldrLiteral(Register.X12, 12));           // +20: the literal at +32
        a.ldr(Register.X12, Register.X12, 0);
        a.br(Register.X12);                             // x11 still holds the cell the caller set
        BlobBuilder b = new BlobBuilder();
        b.pointer64(moduleCell, 0);
        b.bytes(a.finish().code());
        b.pointer64(helperCell, 0);
        return ObjectNode.of(Backend.thunkNodeSymbol(symbol), SectionKind.TEXT, 8, b);
    }

    /** The entry follows the Module cell's 8-byte slot. */
    @Override
    public int delayLoadThunkEntryOffset() {
        return 8;
    }

    /** {@code ldr xt, label} (literal): 0x58000000 | imm19 << 5 | Rt with imm19 = byteOffset / 4. */
    static int ldrLiteral(Register rt, int byteOffset) {
        if (byteOffset % 4 != 0) {
            throw new IllegalArgumentException("literal offset not 4-aligned: " + byteOffset);
        }
        return 0x58000000 | ((byteOffset / 4) & 0x7FFFF) << 5 | rt.encoding();
    }

    /** {@code adrp x16, cell; ldr x16, [x16, :lo12:cell]; br x16} (12 bytes). */
    @Override
    public ObjectNode jumpThunk(String symbol, String cell) {
        Arm64Assembler a = new Arm64Assembler();
        a.adrp(Register.X16, cell);
        a.ldrLo12(Register.X16, Register.X16, cell);
        a.br(Register.X16);
        AssembledCode c = a.finish();
        return new ObjectNode(symbol, SectionKind.TEXT, 8, c.code(), c.relocations());
    }

    /** Sets the X bit (bit 20 of the header word = bit 4 of byte 2). */
    @Override
    public byte[] withHandlerFlag(byte[] unwindInfo) {
        byte[] out = unwindInfo.clone();
        out[2] |= 0x10;
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // Frame shape: prolog and epilog instructions with their unwind codes

    /** A frame of {@code size} bytes (FP/LR at its bottom), optional x19/x20 at [fp+16], and {@code out} below FP. */
    static final class FrameShape {
        final int size;
        final int out;
        final boolean saveX19X20;

        FrameShape(int size, int out, boolean saveX19X20) {
            if (size < 16 || size % 16 != 0 || out < 0 || out % 16 != 0) {
                throw new IllegalArgumentException("bad frame " + size + "/" + out);
            }
            if (saveX19X20 && size < 32) {
                throw new IllegalArgumentException("no room for x19/x20");
            }
            this.size = size;
            this.out = out;
            this.saveX19X20 = saveX19X20;
        }

        /** Emits the prolog; returns its unwind codes in instruction order. */
        List<UnwindCode> emitProlog(Arm64Assembler a) {
            List<UnwindCode> codes = new ArrayList<>();
            if (size <= 512) {
                a.stp(Register.FP, Register.LR, Register.SP, -size, PairMode.PRE_INDEX);
                codes.add(UnwindCode.saveFpLrX(-size));
            } else {
                subSp(a, size - 16, codes);
                a.stp(Register.FP, Register.LR, Register.SP, -16, PairMode.PRE_INDEX);
                codes.add(UnwindCode.saveFpLrX(-16));
            }
            a.mov(Register.FP, Register.SP);
            codes.add(UnwindCode.setFp());
            if (saveX19X20) {
                a.stp(Register.X19, Register.X20, Register.SP, 16, PairMode.SIGNED_OFFSET);
                codes.add(UnwindCode.saveRegp(19, 16));
            }
            if (out > 0) {
                subSp(a, out, codes);
            }
            return codes;
        }

        /** Emits the epilog without the final ret/br; returns its unwind codes in instruction order. */
        List<UnwindCode> emitEpilog(Arm64Assembler a) {
            List<UnwindCode> codes = new ArrayList<>();
            if (out > 0) {
                addSp(a, out, codes);
            }
            if (saveX19X20) {
                a.ldp(Register.X19, Register.X20, Register.SP, 16, PairMode.SIGNED_OFFSET);
                codes.add(UnwindCode.saveRegp(19, 16));
            }
            if (size <= 512) {
                a.ldp(Register.FP, Register.LR, Register.SP, size, PairMode.POST_INDEX);
                codes.add(UnwindCode.saveFpLrX(-size));
            } else {
                a.ldp(Register.FP, Register.LR, Register.SP, 16, PairMode.POST_INDEX);
                codes.add(UnwindCode.saveFpLrX(-16));
                addSp(a, size - 16, codes);
            }
            return codes;
        }

        private static void subSp(Arm64Assembler a, int n, List<UnwindCode> codes) {
            int hi = n & ~0xFFF;
            int lo = n & 0xFFF;
            check(n);
            if (hi != 0) {
                a.sub(Register.SP, Register.SP, hi >> 12, true);
                codes.add(UnwindCode.alloc(hi));
            }
            if (lo != 0) {
                a.sub(Register.SP, Register.SP, lo, false);
                codes.add(UnwindCode.alloc(lo));
            }
        }

        private static void addSp(Arm64Assembler a, int n, List<UnwindCode> codes) {
            int hi = n & ~0xFFF;
            int lo = n & 0xFFF;
            check(n);
            if (lo != 0) {
                a.add(Register.SP, Register.SP, lo, false);
                codes.add(UnwindCode.alloc(lo));
            }
            if (hi != 0) {
                a.add(Register.SP, Register.SP, hi >> 12, true);
                codes.add(UnwindCode.alloc(hi));
            }
        }

        private static void check(int n) {
            if (n <= 0 || n % 16 != 0 || n >= 32768) {
                throw new UnsupportedOperationException("stack allocation not supported: " + n);
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Code generation of one FP-framed body

    private static final class Gen extends BodyGenerator<Arm64Assembler, Label> {
        record Epilog(Arm64Assembler asm, int start, List<UnwindCode> codes) {
        }

        record CrossRef(Arm64Assembler from, int instruction, Label target) {
        }

        final int slots;
        final FrameShape frame;
        final List<CrossRef> crossRefs = new ArrayList<>();
        final List<Epilog> epilogs = new ArrayList<>();
        List<UnwindCode> prologCodes;
        int prologSize;

        Gen(BodyPlan plan, CodegenContext ctx, String symbol) {
            super(plan, ctx, symbol, Arm64Assembler::new, Arm64Assembler::newLabel);
            this.slots = plan.frameSlots();
            // a Task thunk's only call is of its async variant (and RestoreContexts' 3 arguments stay the floor)
            int maxArgs = plan.kind() == BodyKind.TASK_THUNK
                    ? Math.max(RuntimeMethod.RESTORE_CONTEXTS.params, BodyPlan.asyncVariantArguments(ir.method()))
                    : plan.bodyCallArguments();
            int out = align16(8 * Math.max(0, maxArgs - ARG_REGISTERS));
            this.frame = new FrameShape(frameSize(slots + plan.fixedSlots()), out, false);
        }

        int slot(int i) {
            return slotOffset(i);
        }

        int fixedSlot(int f) {
            return fixedOffset(slots, f);
        }

        // ---- prolog / epilog

        @Override
        public void prolog() {
            prologCodes = frame.emitProlog(a);
            prologSize = a.offset();
            for (int p = 0; p < ir.paramCount(); p++) {
                int pos = plan.parameterPosition(p);
                if (pos < ARG_REGISTERS) {
                    a.str(arg(pos), Register.FP, slot(p));
                } else {
                    a.ldr(S0, Register.FP, frame.size + 8 * (pos - ARG_REGISTERS));
                    a.str(S0, Register.FP, slot(p));
                }
            }
        }

        /** The epilog and {@code ret}, recorded as an epilog scope. */
        void epilogAndRet() {
            int start = a.offset();
            List<UnwindCode> codes = frame.emitEpilog(a);
            a.ret();
            epilogs.add(new Epilog(a, start, codes));
        }

        // ---- helpers

        @Override
        public void argFromSlot(int pos, int slot) {
            if (pos < ARG_REGISTERS) {
                a.ldr(arg(pos), Register.FP, slot(slot));
            } else {
                a.ldr(S0, Register.FP, slot(slot));
                a.str(S0, Register.SP, 8 * (pos - ARG_REGISTERS));
            }
        }

        @Override
        public void argZero(int pos) {
            if (pos < ARG_REGISTERS) {
                a.mov(arg(pos), Register.XZR);
            } else {
                a.str(Register.XZR, Register.SP, 8 * (pos - ARG_REGISTERS));
            }
        }

        void callHelper(ReadyToRunHelper h) {
            a.callThroughCell(ctx.helperCell(h.id));
        }

        /** CAPTURE_CONTEXTS / RESTORE_CONTEXTS: the x11 protocol, or x16 only with B2_HELPER_CALL_WITHOUT_X11. */
        void callContextHelper(RuntimeMethod rm) {
            String cell = ctx.runtimeMethodCell(rm);
            if (ctx.has(Defect.B2_HELPER_CALL_WITHOUT_X11)) {
                a.adrp(Register.X16, cell);
                a.ldrLo12(Register.X16, Register.X16, cell);
                a.blr(Register.X16);
            } else {
                a.callThroughCell(cell);
            }
        }

        void addFp(Register rd, int offset) {
            a.add(rd, Register.FP, offset);
        }

        /** {@code b target} where target is a label of {@code owner}. */
        void jumpTo(Label target, Arm64Assembler owner) {
            if (owner == a) {
                a.b(target);
            } else {
                crossRefs.add(new CrossRef(a, a.offset(), target));
                a.b(symbolOf(owner));
            }
        }

        /** {@code cbnz reg, target} where target is a label of {@code owner}; inverted around a {@code b} across fragments. */
        void cbnzTo(Register reg, Label target, Arm64Assembler owner) {
            if (owner == a) {
                a.cbnz(reg, target);
            } else {
                Label skip = a.newLabel();
                a.cbz(reg, skip);
                jumpTo(target, owner);
                a.bind(skip);
            }
        }

        void restoreContexts(boolean suspended) {
            a.movz(Register.X0, suspended ? 1 : 0, 0);
            a.ldr(Register.X1, Register.FP, fixedSlot(FIXED_CONTEXT0));
            a.ldr(Register.X2, Register.FP, fixedSlot(FIXED_CONTEXT1));
            callContextHelper(RuntimeMethod.RESTORE_CONTEXTS);
        }

        // ---- bodies

        @Override
        public void asyncEntry(int continuationPosition, Label dispatchBlock) {
            Register cont = arg(continuationPosition);
            a.str(cont, Register.FP, fixedSlot(FIXED_CONTINUATION));
            if (dispatchBlock != null) {
                cbnzTo(cont, dispatchBlock, cold);
            }
            addFp(Register.X0, fixedSlot(FIXED_CONTEXT0));
            addFp(Register.X1, fixedSlot(FIXED_CONTEXT1));
            callContextHelper(RuntimeMethod.CAPTURE_CONTEXTS);
        }

        @Override
        public void dispatchBlock(Label dispatchBlock, List<AwaitSites.Site<Label>> ordered) {
            a.bind(dispatchBlock);
            a.str(Register.XZR, Register.FP, fixedSlot(FIXED_CONTEXT0));
            a.str(Register.XZR, Register.FP, fixedSlot(FIXED_CONTEXT1));
            a.ldr(S0, Register.FP, fixedSlot(FIXED_CONTINUATION));
            a.ldr(S0.as32(), S0, ContinuationLayout.OFFSET_STATE);
            for (AwaitSites.Site<Label> site : ordered) {
                int state = site.point().state();
                if (state >= 0 && state < 4096) {
                    a.cmp(S0.as32(), state);
                } else {
                    a.mov(S1.as32(), state);
                    a.cmp(S0.as32(), S1.as32());
                }
                a.bCond(Condition.EQ, site.resumeBlock());
            }
            a.brk(0);
        }

        @Override
        public void suspensionBlock(AwaitSites.Site<Label> site) {
            ContinuationLayout layout = ir.continuation();
            AwaitPoint p = site.point();
            a.bind(site.suspensionBlock());
            a.mov(Register.X0, CONTINUATION_RETURN);
            String layoutCell = ctx.continuationLayoutCell(ir);
            a.adrp(Register.X1, layoutCell);
            a.ldrLo12(Register.X1, Register.X1, layoutCell);
            callHelper(ReadyToRunHelper.AllocContinuation);
            String resumeInfo = ctx.resumeInfoSymbol(ir.method(), ir.version());
            long addend = (long) ContinuationLayout.RESUME_INFO_SIZE * p.index();
            a.adrp(S0, resumeInfo, addend);
            a.addLo12(S0, S0, resumeInfo, addend);
            a.str(S0, Register.X0, ContinuationLayout.OFFSET_RESUME_INFO);
            a.mov(S0.as32(), p.state());
            a.str(S0.as32(), Register.X0, ContinuationLayout.OFFSET_STATE);
            a.mov(S0.as32(), ContinuationLayout.FLAGS);
            a.str(S0.as32(), Register.X0, ContinuationLayout.OFFSET_FLAGS);
            for (int s = 0; s < slots; s++) {
                a.ldr(S0, Register.FP, slot(s));
                a.str(S0, Register.X0, layout.slotOffset(s));
            }
            a.str(Register.X0, Register.FP, fixedSlot(FIXED_SCRATCH));
            restoreContexts(true);
            a.ldr(CONTINUATION_RETURN, Register.FP, fixedSlot(FIXED_SCRATCH));
            a.mov(Register.X0, Register.XZR);
            epilogAndRet();
        }

        @Override
        public void resumeBlock(AwaitSites.Site<Label> site) {
            ContinuationLayout layout = ir.continuation();
            a.bind(site.resumeBlock());
            a.ldr(S0, Register.FP, fixedSlot(FIXED_CONTINUATION));
            for (int s = 0; s < slots; s++) {
                a.ldr(S1, S0, layout.slotOffset(s));
                a.str(S1, Register.FP, slot(s));
            }
            Label noException = a.newLabel();
            a.ldr(S1, S0, layout.exceptionOffset());
            a.cbz(S1, noException);
            a.mov(Register.X0, S1);
            callHelper(ReadyToRunHelper.ThrowExact);
            a.brk(0);
            a.bind(noException);
            if (site.insn().dst() >= 0) {
                a.ldr(S1, S0, layout.resultOffset());
                a.str(S1, Register.FP, slot(site.insn().dst()));
            }
            jumpTo(site.resumePoint(), hot);
        }

        @Override
        public void emitTaskThunk() {
            MethodDecl m = ir.method();
            prolog();
            plan.passTaskThunkArguments(this);
            a.callThroughCell(ctx.methodCell(m, true));
            Label suspended = a.newLabel();
            Label done = a.newLabel();
            a.cbnz(CONTINUATION_RETURN, suspended);
            if (!m.returnsValue()) {
                a.mov(Register.X0, Register.XZR);
            }
            a.callThroughCell(ctx.runtimeMethodCell(RuntimeMethod.TASK_FROM_RESULT));
            a.b(done);
            a.bind(suspended);
            a.mov(Register.X0, CONTINUATION_RETURN);
            a.callThroughCell(ctx.runtimeMethodCell(RuntimeMethod.FINALIZE_TASK_RETURNING_THUNK));
            a.bind(done);
            epilogAndRet();
        }

        @Override
        public void insn(Insn i) {
            if (i instanceof Insn.Label l) {
                a.bind(labels.get(l.id()));
            } else if (i instanceof Insn.Const c) {
                a.mov(S0, c.value());
                a.str(S0, Register.FP, slot(c.dst()));
            } else if (i instanceof Insn.Move mv) {
                a.ldr(S0, Register.FP, slot(mv.src()));
                a.str(S0, Register.FP, slot(mv.dst()));
            } else if (i instanceof Insn.Binary b) {
                binary(b);
            } else if (i instanceof Insn.Unary u) {
                a.ldr(S0, Register.FP, slot(u.a()));
                switch (u.op()) {
                    case NEG -> a.neg(S0, S0);
                    case NOT -> {
                        a.cmp(S0, 0);
                        a.cset(S0, Condition.EQ);
                    }
                    default -> throw new IllegalStateException("unary " + u.op());
                }
                a.str(S0, Register.FP, slot(u.dst()));
            } else if (i instanceof Insn.Jump j) {
                a.b(labels.get(j.label()));
            } else if (i instanceof Insn.Branch br) {
                a.ldr(S0, Register.FP, slot(br.slot()));
                if (br.ifZero()) {
                    a.cbz(S0, labels.get(br.label()));
                } else {
                    a.cbnz(S0, labels.get(br.label()));
                }
            } else if (i instanceof Insn.Call c) {
                for (int k = 0; k < c.args().size(); k++) {
                    argFromSlot(k, c.args().get(k));
                }
                if (c.kind() == CallKind.DIRECT) {
                    a.bl(ctx.bodySymbol(c.target(), BodyKind.METHOD, CodeVersion.R2R));
                } else {
                    a.callThroughCell(ctx.methodCell(c.target(), false));
                }
                if (c.dst() >= 0) {
                    a.str(Register.X0, Register.FP, slot(c.dst()));
                }
            } else if (i instanceof Insn.Await w) {
                await(w);
            } else if (i instanceof Insn.Return r) {
                ret(r);
            } else if (i instanceof Insn.Throw t) {
                a.ldr(Register.X0, Register.FP, slot(t.slot()));
                callHelper(ReadyToRunHelper.Throw);
                a.brk(0);
            } else if (i instanceof Insn.GcPoint) {
                callHelper(ReadyToRunHelper.GCPoll);
            } else if (i instanceof Insn.TailCall t) {
                tailCall(t);
            } else {
                throw new IllegalStateException("unknown instruction " + i);
            }
        }

        void tailCall(Insn.TailCall t) {
            if (async) {
                throw new IllegalStateException("tail call in an async variant: " + ir.method().fullName());
            }
            if (t.args().size() > ARG_REGISTERS) {
                throw new UnsupportedOperationException("ARM64 tail call with stack arguments: " + t.target().fullName());
            }
            for (int k = 0; k < t.args().size(); k++) {
                argFromSlot(k, t.args().get(k));
            }
            String cell = ctx.tailCallCell(t.target());
            int start = a.offset();
            List<UnwindCode> codes = new ArrayList<>(frame.emitEpilog(a));
            Register base = ctx.has(Defect.B2_JMP_EPILOG_X16) ? Register.X16 : Register.X11;
            a.adrp(base, cell);
            a.addLo12(base, base, cell);
            a.ldr(Register.X16, base, 0);
            a.br(Register.X16);
            // adrp/add/ldr need no unwinding; the final br stands where a ret would (end).
            codes.add(UnwindCode.nop());
            codes.add(UnwindCode.nop());
            codes.add(UnwindCode.nop());
            epilogs.add(new Epilog(a, start, codes));
        }

        void binary(Insn.Binary b) {
            a.ldr(S0, Register.FP, slot(b.a()));
            a.ldr(S1, Register.FP, slot(b.b()));
            switch (b.op()) {
                case ADD -> a.add(S0, S0, S1);
                case SUB -> a.sub(S0, S0, S1);
                case MUL -> a.mul(S0, S0, S1);
                case DIV, REM -> {
                    Label nonZero = a.newLabel();
                    a.cbnz(S1, nonZero);
                    callHelper(ReadyToRunHelper.ThrowDivZero);
                    a.brk(0);
                    a.bind(nonZero);
                    if (b.op() == BinaryOp.REM) {
                        a.sdiv(S2, S0, S1);
                        a.mul(S2, S2, S1);
                        a.sub(S0, S0, S2);
                    } else {
                        a.sdiv(S0, S0, S1);
                    }
                }
                case EQ -> compare(Condition.EQ);
                case NE -> compare(Condition.NE);
                case LT -> compare(Condition.LT);
                case LE -> compare(Condition.LE);
                case GT -> compare(Condition.GT);
                case GE -> compare(Condition.GE);
                default -> throw new IllegalStateException("binary " + b.op() + " (AND/OR are lowered to branches)");
            }
            a.str(S0, Register.FP, slot(b.dst()));
        }

        void compare(Condition c) {
            a.cmp(S0, S1);
            a.cset(S0, c);
        }

        void await(Insn.Await w) {
            if (!async) {
                throw new IllegalStateException("await outside an async variant: " + ir.method().fullName());
            }
            AwaitSites.Site<Label> site = sites.of(w);
            MethodDecl target = w.target();
            BodyPlan.passAsyncArguments(this, target, w.args());
            if (target == null) {
                a.callThroughCell(ctx.runtimeMethodCell(RuntimeMethod.YIELD));
            } else if (w.kind() == CallKind.DIRECT) {
                a.bl(ctx.bodySymbol(target, BodyKind.ASYNC_VARIANT, CodeVersion.R2R));
            } else {
                a.callThroughCell(ctx.methodCell(target, true));
            }
            cbnzTo(CONTINUATION_RETURN, site.suspensionBlock(), cold);
            if (w.dst() >= 0) {
                a.str(Register.X0, Register.FP, slot(w.dst()));
            }
            a.bind(site.resumePoint());
        }

        void ret(Insn.Return r) {
            if (r.slot() >= 0) {
                a.ldr(Register.X0, Register.FP, slot(r.slot()));
            } else {
                a.mov(Register.X0, Register.XZR);
            }
            if (async) {
                a.str(Register.X0, Register.FP, fixedSlot(FIXED_SCRATCH));
                restoreContexts(false);
                a.ldr(Register.X0, Register.FP, fixedSlot(FIXED_SCRATCH));
                a.mov(CONTINUATION_RETURN, Register.XZR);
            }
            epilogAndRet();
        }

        // ---- results

        List<Relocation> relocationsOf(Arm64Assembler asm, AssembledCode code) {
            List<Relocation> out = new ArrayList<>();
            for (Relocation r : code.relocations()) {
                Relocation fixedUp = r;
                for (CrossRef x : crossRefs) {
                    if (x.from() == asm && x.instruction() == r.offset()) {
                        if (!x.target().isBound()) {
                            throw new IllegalStateException("cross-fragment target not bound");
                        }
                        fixedUp = new Relocation(r.offset(), RelocType.IMAGE_REL_BASED_ARM64_BRANCH26, r.symbol(),
                                x.target().position());
                    }
                }
                out.add(fixedUp);
            }
            return out;
        }

        byte[] unwind(Arm64Assembler asm, int length) {
            Arm64UnwindInfo.Builder b = Arm64UnwindInfo.builder(length)
                    .prolog(prologCodes.toArray(new UnwindCode[0]))
                    .exceptionDataPresent(false);
            for (Epilog e : epilogs) {
                if (e.asm() == asm) {
                    b.epilog(e.start(), e.codes().toArray(new UnwindCode[0]));
                }
            }
            return b.build();
        }

        @Override
        public int offsetOf(Label label) {
            return label.position();
        }

        @Override
        public List<CodeFragment> fragments() {
            AssembledCode hotCode = hot.finish();
            List<CodeFragment> out = new ArrayList<>();
            byte[] hotBytes = hotCode.code();
            out.add(new CodeFragment(symbol, hotBytes, relocationsOf(hot, hotCode), unwind(hot, hotBytes.length), prologSize));
            if (cold != hot) {
                AssembledCode coldCode = cold.finish();
                byte[] coldBytes = coldCode.code();
                // The cold part runs in the hot part's frame and has no prolog: its record carries the same
                // prolog codes, so unwinding from it restores exactly what the hot prolog set up. (Its first
                // instructions are no unwind point: the first call in it is beyond 4 * codes bytes.)
                out.add(new CodeFragment(coldSymbol, coldBytes, relocationsOf(cold, coldCode), unwind(cold, coldBytes.length), 0));
            }
            return out;
        }
    }
}
