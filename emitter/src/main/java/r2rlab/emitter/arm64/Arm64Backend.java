package r2rlab.emitter.arm64;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.arm64.Arm64Assembler.Label;
import r2rlab.emitter.arm64.Arm64Assembler.PairMode;
import r2rlab.emitter.codegen.Backend;
import r2rlab.emitter.codegen.BodyGenerator;
import r2rlab.emitter.codegen.BodyPlan;
import r2rlab.emitter.codegen.BodyPlanBackend;
import r2rlab.emitter.codegen.CodegenContext;
import r2rlab.emitter.codegen.Reg;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.image.SectionKind;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.UnaryOp;
import r2rlab.format.BlobBuilder;
import r2rlab.format.pe.Machine;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.unwind.arm64.Arm64UnwindInfo;
import r2rlab.format.unwind.arm64.UnwindCode;

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
 * Prolog ({@code F <= 504}): {@code stp fp, lr, [sp, #-F]!; mov fp, sp; [sub sp, sp, #O]} with unwind codes
 * save_fplr_x(-F), set_fp, [alloc(O)]. Larger frames: [the stack probe of F + O bytes,] {@code sub sp, sp,
 * #(F-16); stp fp, lr, [sp, #-16]!; mov fp, sp; [sub sp, sp, #O]} ([nop per probe instruction,] alloc,
 * save_fplr_x(-16), set_fp, [alloc]). Epilog: {@code [add sp, sp, #O];
 * ldp fp, lr, [sp], #F; ret} (or {@code ldp fp, lr, [sp], #16; add sp, sp, #(F-16)}); every epilog is described
 * by an epilog scope. The raw unwind record has the X bit clear; {@link #withHandlerFlag} sets it.
 *
 * <p>The resumption stub: {@code stp fp, lr, [sp, #-32]!; mov fp, sp; stp x19, x20, [sp, #16]; [sub sp, sp, #O]}
 * (x19 = the result byref, x20 = the returned continuation).
 *
 * <p>Scratch registers: x9, x10, x12 (x11 = cell address and x16 = call target of the cell protocol); x17 holds a
 * frame or field offset that does not fit a load's, store's or add's immediate field. A frame of a page or more is
 * probed page by page before SP moves, as the JIT does (x9, x10 in the prolog).
 */
public final class Arm64Backend extends BodyPlanBackend<Label> {
    /** Integer argument registers x0..x7. */
    public static final int ARG_REGISTERS = 8;

    /** The register returning the continuation of an async variant. */
    public static final Register CONTINUATION_RETURN = Register.X2;

    private static final Register S0 = Register.X9;
    private static final Register S1 = Register.X10;
    private static final Register S2 = Register.X12;
    /** Holds an offset too large for an instruction's immediate field (IP1, free between calls). */
    private static final Register OFFSET_SCRATCH = Register.X17;

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

    /** Sets the X bit. */
    @Override
    public byte[] withHandlerFlag(byte[] unwindInfo) {
        return Arm64UnwindInfo.withExceptionDataPresent(unwindInfo);
    }

    // ------------------------------------------------------------------------------------------
    // Frame shape: prolog and epilog instructions with their unwind codes

    /** A frame of {@code size} bytes (FP/LR at its bottom), optional x19/x20 at [fp+16], and {@code out} below FP. */
    static final class FrameShape {
        /** The largest frame {@code stp fp, lr, [sp, #-F]!} and {@code ldp fp, lr, [sp], #F} both encode (imm7 * 8). */
        static final int MAX_PAIR_FRAME = 504;
        /** The stack is touched page by page, top down, before a frame of a page or more is allocated. */
        static final int PAGE_SIZE = 0x1000;
        /** From this many bytes the probes are a loop rather than one load per page (as the JIT does). */
        static final int PROBE_LOOP_FROM = 3 * PAGE_SIZE;
        /** {@code sub sp, sp, #imm12, lsl #12} and {@code #imm12} together reach just below 16 MiB. */
        static final int MAX_ALLOCATION = (1 << 24) - 16;

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
            if ((long) size + out > MAX_ALLOCATION) {
                throw new EmitException("a frame of " + ((long) size + out) + " bytes: the ARM64 prolog allocates at most "
                        + MAX_ALLOCATION + " bytes");
            }
            this.size = size;
            this.out = out;
            this.saveX19X20 = saveX19X20;
        }

        /**
         * Emits the prolog; returns its unwind codes in instruction order. A frame past the pair's reach is
         * allocated first, its pages probed before SP moves, then FP/LR are pushed at its bottom.
         */
        List<UnwindCode> emitProlog(Arm64Assembler a) {
            List<UnwindCode> codes = new ArrayList<>();
            if (size <= MAX_PAIR_FRAME) {
                a.stp(Register.FP, Register.LR, Register.SP, -size, PairMode.PRE_INDEX);
                codes.add(UnwindCode.saveFpLrX(-size));
            } else {
                probe(a, size + out, codes);
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
            if (size <= MAX_PAIR_FRAME) {
                a.ldp(Register.FP, Register.LR, Register.SP, size, PairMode.POST_INDEX);
                codes.add(UnwindCode.saveFpLrX(-size));
            } else {
                a.ldp(Register.FP, Register.LR, Register.SP, 16, PairMode.POST_INDEX);
                codes.add(UnwindCode.saveFpLrX(-16));
                addSp(a, size - 16, codes);
            }
            return codes;
        }

        /**
         * The JIT's stack probe of a frame of {@code total} bytes, below the SP it has not moved yet: nothing under a
         * page; up to three pages {@code mov x9, #-k*page; ldr wzr, [sp, x9]} for each page; beyond, a loop over the
         * pages down to {@code -total}. Each instruction has a nop unwind code (nothing to undo).
         */
        private static void probe(Arm64Assembler a, int total, List<UnwindCode> codes) {
            if (total < PAGE_SIZE) {
                return;
            }
            int start = a.offset();
            Register offset = S0;
            if (total < PROBE_LOOP_FROM) {
                for (int at = PAGE_SIZE; at <= total; at += PAGE_SIZE) {
                    a.mov(offset, -at);
                    a.ldr(Register.WZR, Register.SP, offset);
                }
            } else {
                Register limit = S1;
                a.mov(offset, -PAGE_SIZE);
                a.mov(limit, -total);
                Label loop = a.newLabel();
                a.bind(loop);
                a.ldr(Register.WZR, Register.SP, offset);
                a.sub(offset, offset, PAGE_SIZE >> 12, true);
                a.cmp(limit, offset);
                a.bCond(Condition.LS, loop); // while limit <= offset (unsigned): that page is in the frame too
            }
            for (int at = start; at < a.offset(); at += 4) {
                codes.add(UnwindCode.nop());
            }
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
            if (n <= 0 || n % 16 != 0 || n > MAX_ALLOCATION) {
                throw new IllegalArgumentException("stack allocation of " + n + " bytes");
            }
        }
    }

    // ------------------------------------------------------------------------------------------
    // Bodies: the primitives of one FP-framed body or of a resumption stub

    @Override
    protected BodyGenerator<Arm64Assembler, Label, Register> generator(BodyPlan plan, CodegenContext ctx, String symbol) {
        return new Gen(plan, ctx, symbol, false);
    }

    /** cbz/cbnz and b.cond reach ±1 MiB: a body past that is generated again with far conditional branches. */
    @Override
    protected BodyGenerator<Arm64Assembler, Label, Register> farBranchGenerator(BodyPlan plan, CodegenContext ctx, String symbol) {
        return new Gen(plan, ctx, symbol, true);
    }

    private static final class Gen extends BodyGenerator<Arm64Assembler, Label, Register> {
        private static final Map<BinaryOp, Condition> SET_IF = Map.of(BinaryOp.EQ, Condition.EQ, BinaryOp.NE, Condition.NE,
                BinaryOp.LT, Condition.LT, BinaryOp.LE, Condition.LE, BinaryOp.GT, Condition.GT, BinaryOp.GE, Condition.GE);

        record Epilog(Arm64Assembler asm, int start, List<UnwindCode> codes) {
            /** Just past its last instruction: one per code, then the ret or br. */
            int end() {
                return start + 4 * (codes.size() + 1);
            }
        }

        final int slots;
        final FrameShape frame;
        final List<Epilog> epilogs = new ArrayList<>();
        List<UnwindCode> prologCodes;
        /** The prolog codes of each funclet, by its part. */
        final Map<Arm64Assembler, List<UnwindCode>> funcletCodes = new IdentityHashMap<>();

        /** Conditional branches to labels as the inverted branch over a {@code b} (±128 MiB), as the JIT's long jumps. */
        final boolean farBranches;

        Gen(BodyPlan plan, CodegenContext ctx, String symbol, boolean farBranches) {
            super(plan, ctx, symbol, Arm64Assembler::new, Arm64Assembler::newLabel, Arm64Assembler::bind,
                    Arm64Assembler::offset, Label::position);
            this.farBranches = farBranches;
            this.slots = plan.frameSlots();
            int variantArgs = BodyPlan.asyncVariantArguments(ir.method());
            // a Task thunk's only call is of its async variant (and RestoreContexts' 3 arguments stay the floor)
            int maxArgs = switch (plan.kind()) {
                case RESUMPTION_STUB -> variantArgs;
                case TASK_RETURNING_THUNK -> Math.max(CoreLibMethod.RESTORE_CONTEXTS.params, variantArgs);
                default -> plan.bodyCallArguments();
            };
            int out = align16(8 * Math.max(0, maxArgs - ARG_REGISTERS));
            this.frame = plan.kind() == CodeBodyKind.RESUMPTION_STUB
                    ? new FrameShape(32, out, true)
                    : new FrameShape(frameSize(slots + plan.fixedSlots()), out, false);
        }

        @Override
        protected Register reg(Reg r) {
            return switch (r) {
                case RESULT -> Register.X0;
                case CONTINUATION_RETURN -> CONTINUATION_RETURN;
                case ACCUMULATOR -> S0;
                case OPERAND -> S1;
                case STUB_RESULT_BYREF -> Register.X19;
                case STUB_CONTINUATION -> Register.X20;
                case WRITE_BARRIER_DST -> Register.X14;
                case WRITE_BARRIER_REF -> Register.X15;
                case FRAME -> Register.FP;
                case STACK -> Register.SP;
                default -> arg(r.argumentPosition());
            };
        }

        // ---- frame

        @Override
        public int argumentRegisters() {
            return ARG_REGISTERS;
        }

        @Override
        public int slotOffset(int slot) {
            return Arm64Backend.slotOffset(slot);
        }

        @Override
        public int fixedOffset(int fixed) {
            return Arm64Backend.fixedOffset(slots, fixed);
        }

        /** Above the whole frame. */
        @Override
        public int incomingArgumentOffset(int k) {
            return frame.size + 8 * k;
        }

        @Override
        public int outgoingArgumentOffset(int k) {
            return 8 * k;
        }

        @Override
        public void enterFrame() {
            prologCodes = frame.emitProlog(a);
        }

        /** The epilog and {@code ret}, recorded as an epilog scope. */
        @Override
        public void leaveFrameAndReturn() {
            int start = a.offset();
            List<UnwindCode> codes = frame.emitEpilog(a);
            a.ret();
            epilogs.add(new Epilog(a, start, codes));
        }

        /**
         * {@code stp fp, lr, [sp, #-16]!} and the outgoing area, without {@code mov fp, sp} (the ChessPuzzlesBot R2R
         * 16.0 funclets: the main body's saves minus set_fp): the runtime enters a funclet with the parent's FP,
         * through which it addresses the parent's slots.
         */
        @Override
        public void enterFunclet() {
            FrameShape shape = new FrameShape(16, frame.out, false);
            List<UnwindCode> codes = new ArrayList<>();
            a.stp(Register.FP, Register.LR, Register.SP, -16, PairMode.PRE_INDEX);
            codes.add(UnwindCode.saveFpLrX(-16));
            if (shape.out > 0) {
                FrameShape.subSp(a, shape.out, codes);
            }
            funcletCodes.put(a, codes);
        }

        /** The funclet's epilog and {@code ret}, recorded as an epilog scope. */
        @Override
        public void leaveFuncletAndReturn() {
            int start = a.offset();
            List<UnwindCode> codes = new ArrayList<>();
            if (frame.out > 0) {
                FrameShape.addSp(a, frame.out, codes);
            }
            a.ldp(Register.FP, Register.LR, Register.SP, 16, PairMode.POST_INDEX);
            codes.add(UnwindCode.saveFpLrX(-16));
            a.ret();
            epilogs.add(new Epilog(a, start, codes));
        }

        /** A page-relative pair {@code adrp dst, symbol; add dst, dst, :lo12:symbol}: two relocations. */
        @Override
        public List<Integer> loadCodeAddress(Reg dst, String symbol) {
            int adrp = a.offset();
            a.adrp(reg(dst), symbol, 0);
            int add = a.offset();
            a.addLo12(reg(dst), reg(dst), symbol, 0);
            return List.of(adrp, add);
        }

        // ---- memory

        /** Whether {@code offset} fits the unsigned scaled 12-bit offset of a load or store of {@code rt}. */
        private static boolean scaledImmediate(Register rt, int offset) {
            int scale = rt.is64() ? 8 : 4;
            return offset >= 0 && offset % scale == 0 && offset / scale <= 0xFFF;
        }

        /** {@code ldr rt, [base, #offset]}, or through x17 = offset when it does not fit (as the JIT materialises it). */
        private void ldrAt(Register rt, Register base, int offset) {
            access(true, rt, base, offset);
        }

        /** {@code str rt, [base, #offset]}, or through x17 = offset. */
        private void strAt(Register rt, Register base, int offset) {
            access(false, rt, base, offset);
        }

        private void access(boolean load, Register rt, Register base, int offset) {
            if (scaledImmediate(rt, offset)) {
                if (load) {
                    a.ldr(rt, base, offset);
                } else {
                    a.str(rt, base, offset);
                }
                return;
            }
            a.mov(OFFSET_SCRATCH, offset);
            if (load) {
                a.ldr(rt, base, OFFSET_SCRATCH);
            } else {
                a.str(rt, base, OFFSET_SCRATCH);
            }
        }

        @Override
        public void load(Reg dst, Reg base, int offset) {
            ldrAt(reg(dst), reg(base), offset);
        }

        @Override
        public void load32(Reg dst, Reg base, int offset) {
            ldrAt(reg(dst).as32(), reg(base), offset);
        }

        @Override
        public void store(Reg base, int offset, Reg src) {
            strAt(reg(src), reg(base), offset);
        }

        @Override
        public void storeZero(Reg base, int offset) {
            strAt(Register.XZR, reg(base), offset);
        }

        @Override
        public void store64(Reg base, int offset, long value) {
            a.mov(S0, value);
            strAt(S0, reg(base), offset);
        }

        @Override
        public void storeConstant(int offset, long value) {
            a.mov(S0, value);
            strAt(S0, Register.FP, offset);
        }

        @Override
        public void copyToField(Reg object, int offset, int frameOffset) {
            ldrAt(S0, Register.FP, frameOffset);
            strAt(S0, reg(object), offset);
        }

        /** {@code add rd, base, #offset} takes 12 bits; a larger offset goes through x17 (base is never SP here). */
        private void addAt(Register rd, Register base, int offset) {
            if (offset >= 0 && offset <= 0xFFF) {
                a.add(rd, base, offset);
            } else {
                a.mov(OFFSET_SCRATCH, offset);
                a.add(rd, base, OFFSET_SCRATCH);
            }
        }

        @Override
        public void addressOf(Reg dst, int offset) {
            addAt(reg(dst), Register.FP, offset);
        }

        @Override
        public void addressOfField(Reg dst, Reg base, int offset) {
            addAt(reg(dst), reg(base), offset);
        }

        /** {@code ldr x9, [fp, #offset]; cmp x9, #0; cset wDst, ne} (the load through x17 past the scaled range). */
        @Override
        public void flagIfNonZero(Reg dst, int offset) {
            ldrAt(S0, Register.FP, offset);
            a.cmp(S0, 0);
            a.cset(reg(dst).as32(), Condition.NE);
        }

        // ---- registers

        @Override
        public void move(Reg dst, Reg src) {
            a.mov(reg(dst), reg(src));
        }

        @Override
        public void zero(Reg dst) {
            a.mov(reg(dst), Register.XZR);
        }

        // ---- page-relative (ADRP) pairs: import cells and addresses in the image

        @Override
        public void loadCell(Reg dst, String cell) {
            a.adrp(reg(dst), cell);
            a.ldrLo12(reg(dst), reg(dst), cell);
        }

        /** A page-relative pair with the addend in both halves. */
        @Override
        public void storeAddress(Reg object, int offset, String symbol, long addend) {
            a.adrp(S0, symbol, addend);
            a.addLo12(S0, S0, symbol, addend);
            strAt(S0, reg(object), offset);
        }

        // ---- arithmetic: x9 op= x10

        @Override
        public void unary(UnaryOp op) {
            if (op == UnaryOp.NEG) {
                a.neg(S0, S0);
            } else {
                a.cmp(S0, 0);
                a.cset(S0, Condition.EQ);
            }
        }

        @Override
        public void binary(BinaryOp op) {
            switch (op) {
                case ADD -> a.add(S0, S0, S1);
                case SUB -> a.sub(S0, S0, S1);
                case MUL -> a.mul(S0, S0, S1);
                default -> {
                    a.cmp(S0, S1);
                    a.cset(S0, SET_IF.get(op));
                }
            }
        }

        /** sdiv wraps MIN / -1; the remainder is x - (x / y) * y. */
        @Override
        public void divide(boolean remainder) {
            if (remainder) {
                a.sdiv(S2, S0, S1);
                a.mul(S2, S2, S1);
                a.sub(S0, S0, S2);
            } else {
                a.sdiv(S0, S0, S1);
            }
        }

        // ---- control flow

        @Override
        public void jump(Label label) {
            a.b(label);
        }

        @Override
        public void branch(Reg r, boolean ifZero, Label label) {
            if (farBranches) {
                Label skip = a.newLabel();
                if (ifZero) {
                    a.cbnz(reg(r), skip);
                } else {
                    a.cbz(reg(r), skip);
                }
                a.b(label);
                a.bind(skip);
            } else if (ifZero) {
                a.cbz(reg(r), label);
            } else {
                a.cbnz(reg(r), label);
            }
        }

        /** {@code cmp} takes a 12-bit immediate; larger states go through x10. */
        @Override
        public void branchIfEqual32(Reg r, int value, Label label) {
            Register w = reg(r).as32();
            if (value >= 0 && value < 4096) {
                a.cmp(w, value);
            } else {
                a.mov(S1.as32(), value);
                a.cmp(w, S1.as32());
            }
            if (farBranches) {
                Label skip = a.newLabel();
                a.bCond(Condition.NE, skip);
                a.b(label);
                a.bind(skip);
            } else {
                a.bCond(Condition.EQ, label);
            }
        }

        @Override
        public int jumpToSymbol(String symbol) {
            int at = a.offset();
            a.b(symbol);
            return at;
        }

        /** {@code cbnz} has no relocation form: {@code cbz r, skip; b symbol; skip:}. */
        @Override
        public int branchIfNonZeroToSymbol(Reg r, String symbol) {
            Label skip = a.newLabel();
            a.cbz(reg(r), skip);
            int at = jumpToSymbol(symbol);
            a.bind(skip);
            return at;
        }

        @Override
        public void trap() {
            a.brk(0);
        }

        // ---- calls

        @Override
        public void callDirect(String symbol) {
            a.bl(symbol);
        }

        /** The x11 protocol: x11 = the cell, x16 = its target. */
        @Override
        public void callThroughCell(String cell) {
            a.callThroughCell(cell);
        }

        /** {@code adrp x12, cell; add x12, x12, :lo12:cell; ldr x12, [x12]; blr x12}, as the real images call WriteBarrier. */
        @Override
        public void callWriteBarrier(String cell) {
            a.adrp(Register.X12, cell);
            a.addLo12(Register.X12, Register.X12, cell);
            a.ldr(Register.X12, Register.X12, 0);
            a.blr(Register.X12);
        }

        /** The x11 protocol, or x16 only with B2_HELPER_CALL_WITHOUT_X11. */
        @Override
        public void callContextHelper(String cell) {
            if (ctx.has(Defect.B2_HELPER_CALL_WITHOUT_X11)) {
                a.adrp(Register.X16, cell);
                a.ldrLo12(Register.X16, Register.X16, cell);
                a.blr(Register.X16);
            } else {
                a.callThroughCell(cell);
            }
        }

        /** The epilog, then x11 = the cell (x16 under B2_JMP_EPILOG_X16), x16 = its target, {@code br x16}. */
        @Override
        public void tailJump(String cell) {
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

        // ---- results

        @Override
        protected Assembled finish(Arm64Assembler part) {
            AssembledCode code = part.finish();
            return new Assembled(code.code(), code.relocations());
        }

        /**
         * The prolog codes and the part's epilog scopes. The cold part runs in the hot part's frame and has no prolog: its
         * record carries the same prolog codes, so unwinding from it restores exactly what the hot prolog set up. (Its
         * first instructions are no unwind point: the first call in it is beyond 4 * codes bytes.)
         */
        @Override
        protected byte[] unwindInfo(Arm64Assembler part, int codeLength) {
            if (codeLength > Arm64UnwindInfo.MAX_FUNCTION_LENGTH) {
                throw new IllegalStateException("a part past one .xdata record is split into unwind fragments first");
            }
            return record(part, 0, codeLength, false);
        }

        /**
         * Split points as the JIT's emitter chooses them (emitSplit): each fragment as long as one record covers, its end
         * moved back to the start of an epilog it would cut (a prolog or an epilog is never split).
         */
        @Override
        protected List<Integer> fragmentStarts(Arm64Assembler part, int codeLength) {
            List<Integer> starts = new ArrayList<>();
            int start = 0;
            while (codeLength - start > Arm64UnwindInfo.MAX_FUNCTION_LENGTH) {
                int next = start + Arm64UnwindInfo.MAX_FUNCTION_LENGTH;
                for (Epilog e : epilogs) {
                    if (e.asm() == part && e.start() < next && next < e.end()) {
                        next = e.start();
                    }
                }
                starts.add(next);
                start = next;
            }
            return starts;
        }

        /**
         * The first fragment's record has the prolog; a later one has a phantom prolog (the prolog's codes after an end_c:
         * no prolog instruction is in it, and unwinding from it restores what the prolog set up) and the epilog scopes
         * that start in it, at offsets from its own start (UnwindFragmentInfo::SplitEpilogCodes).
         */
        @Override
        protected byte[] fragmentUnwindInfo(Arm64Assembler part, int start, int length) {
            return record(part, start, length, start > 0);
        }

        private byte[] record(Arm64Assembler part, int start, int length, boolean phantom) {
            List<UnwindCode> prolog = funcletCodes.getOrDefault(part, prologCodes);
            Arm64UnwindInfo.Builder b = Arm64UnwindInfo.builder(length)
                    .prolog(prolog.toArray(new UnwindCode[0]))
                    .phantomProlog(phantom)
                    .exceptionDataPresent(false);
            for (Epilog e : epilogs) {
                if (e.asm() == part && e.start() >= start && e.start() < start + length) {
                    b.epilog(e.start() - start, e.codes().toArray(new UnwindCode[0]));
                }
            }
            return b.build();
        }
    }
}
