package r2rlab.emitter.x64;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.codegen.BodyGenerator;
import r2rlab.emitter.codegen.BodyPlan;
import r2rlab.emitter.codegen.BodyPlanBackend;
import r2rlab.emitter.codegen.CodegenContext;
import r2rlab.emitter.codegen.Reg;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.image.SectionKind;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.UnaryOp;
import r2rlab.format.pe.Machine;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.unwind.x64.UnwindCode;
import r2rlab.format.unwind.x64.X64UnwindInfo;

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
        return X64UnwindInfo.withFlags(unwindInfo, X64UnwindInfo.UNW_FLAG_EHANDLER | X64UnwindInfo.UNW_FLAG_UHANDLER);
    }

    static int align16(int n) {
        return (n + 15) & ~15;
    }

    // ------------------------------------------------------------------------------------------
    // Bodies: the primitives of one RBP-framed body or of a resumption stub

    @Override
    protected BodyGenerator<X64Assembler, X64Assembler.Label, Register> generator(BodyPlan plan, CodegenContext ctx,
                                                                                  String symbol) {
        return new Gen(plan, ctx, symbol);
    }

    private static final class Gen extends BodyGenerator<X64Assembler, X64Assembler.Label, Register> {
        private static final Map<BinaryOp, Condition> SET_IF = Map.of(BinaryOp.EQ, Condition.E, BinaryOp.NE, Condition.NE,
                BinaryOp.LT, Condition.L, BinaryOp.LE, Condition.LE, BinaryOp.GT, Condition.G, BinaryOp.GE, Condition.GE);

        final Register[] args;
        final int shadow;
        final int slots;
        final boolean stub;
        /** What the prolog allocates below the pushed registers. */
        final int frameSize;
        /** What a funclet's prolog allocates: the outgoing-argument area, keeping RSP 16-byte aligned at its calls. */
        final int funcletFrameSize;
        X64UnwindInfo prologInfo;
        /** The unwind record of each funclet, by its part. */
        final Map<X64Assembler, X64UnwindInfo> funcletInfo = new IdentityHashMap<>();

        Gen(BodyPlan plan, CodegenContext ctx, String symbol) {
            super(plan, ctx, symbol, X64Assembler::new, X64Assembler::newLabel, X64Assembler::bind, X64Assembler::offset,
                    X64Assembler.Label::position);
            boolean win = ctx.os() == TargetOs.WINDOWS;
            this.args = win ? WINDOWS_ARGS : SYSV_ARGS;
            this.shadow = win ? 32 : 0;
            this.slots = plan.frameSlots();
            this.stub = plan.kind() == CodeBodyKind.RESUMPTION_STUB;
            int variantArgs = BodyPlan.asyncVariantArguments(ir.method());
            if (stub) {
                // entry rsp = 8 mod 16; the two pushes keep it so
                this.frameSize = align16(shadow + 8 * Math.max(0, variantArgs - args.length)) + 8;
            } else {
                // every body's frame also fits the Task thunk's call of the async variant
                int maxStackArgs = Math.max(0, Math.max(plan.bodyCallArguments(), variantArgs) - args.length);
                this.frameSize = align16(8 * (slots + plan.fixedSlots()) + shadow + 8 * maxStackArgs);
            }
            this.funcletFrameSize = align16(shadow + 8 * Math.max(0, plan.bodyCallArguments() - args.length)) + 8;
        }

        @Override
        protected Register reg(Reg r) {
            return switch (r) {
                case RESULT, ACCUMULATOR -> Register.RAX;
                case CONTINUATION_RETURN, OPERAND -> Register.RCX;
                case STUB_RESULT_BYREF -> Register.RBX;
                case STUB_CONTINUATION -> Register.R12;
                case WRITE_BARRIER_DST -> args[0];
                case WRITE_BARRIER_REF -> args[1];
                case FRAME -> Register.RBP;
                case STACK -> Register.RSP;
                default -> args[r.argumentPosition()];
            };
        }

        @Override
        protected int registerNumber(Register register) {
            return register.encoding();
        }

        /** The stub addresses nothing through a frame register (push rbx; push r12; sub rsp, A), as the JIT's stubs. */
        @Override
        protected boolean hasFramePointer() {
            return !stub;
        }

        /** The shadow area and the stack arguments of the body's calls. */
        @Override
        protected int outgoingArea() {
            return shadow + 8 * Math.max(0, Math.max(plan.bodyCallArguments(), BodyPlan.asyncVariantArguments(ir.method())) - args.length);
        }

        // ---- frame

        @Override
        public int argumentRegisters() {
            return args.length;
        }

        @Override
        public int slotOffset(int slot) {
            return slotDisplacement(slot);
        }

        @Override
        public int fixedOffset(int fixed) {
            return fixedDisplacement(slots, fixed);
        }

        /** Above the return address and the Windows shadow area. */
        @Override
        public int incomingArgumentOffset(int k) {
            return 16 + shadow + 8 * k;
        }

        /** Above the Windows shadow area. */
        @Override
        public int outgoingArgumentOffset(int k) {
            return shadow + 8 * k;
        }

        /** {@code push rbp; mov rbp, rsp; sub rsp, N}, or the stub's {@code push rbx; push r12; sub rsp, A}. */
        @Override
        public void enterFrame() {
            PrologRecorder rec = new PrologRecorder();
            if (stub) {
                rec.push(a, Register.RBX);
                rec.push(a, Register.R12);
                rec.allocStack(a, frameSize);
            } else {
                rec.push(a, Register.RBP);
                rec.setFramePointer(a, Register.RBP, 0);
                if (frameSize > 0) {
                    rec.allocStack(a, frameSize);
                }
            }
            prologInfo = rec.build(0, a.offset());
        }

        @Override
        public void leaveFrameAndReturn() {
            if (stub) {
                a.addRsp(frameSize);
                a.pop(Register.R12);
                a.pop(Register.RBX);
            } else {
                leaveFrame();
            }
            a.ret();
        }

        /**
         * {@code sub rsp, N} only (UWOP_ALLOC_SMALL, no frame register, nothing saved: ZipFile's OpenAsync funclets,
         * 0x71D9): the runtime enters a funclet with the parent's RBP, through which it addresses the parent's slots.
         */
        @Override
        public void enterFunclet() {
            PrologRecorder rec = new PrologRecorder();
            rec.allocStack(a, funcletFrameSize);
            funcletInfo.put(a, rec.build(0, a.offset()));
        }

        @Override
        public void leaveFuncletAndReturn() {
            a.addRsp(funcletFrameSize);
            a.ret();
        }

        /** {@code lea dst, [rip+symbol]} (REL32). */
        @Override
        public List<Integer> loadCodeAddress(Reg dst, String symbol) {
            a.leaRipRelative(reg(dst), symbol, 0);
            return List.of(a.offset() - 4);
        }

        /** {@code lea rsp, [rbp+0]; pop rbp}: a Windows epilog form. */
        void leaveFrame() {
            a.lea(Register.RSP, Register.RBP, 0);
            a.pop(Register.RBP);
        }

        // ---- memory

        @Override
        public void load(Reg dst, Reg base, int offset) {
            a.load(reg(dst), reg(base), offset);
        }

        @Override
        public void load32(Reg dst, Reg base, int offset) {
            a.load32(reg(dst), reg(base), offset);
        }

        @Override
        public void store(Reg base, int offset, Reg src) {
            a.store(reg(base), offset, reg(src));
        }

        @Override
        public void storeZero(Reg base, int offset) {
            a.storeImm32(reg(base), offset, 0);
        }

        /** {@code mov qword ptr [base+offset], imm32} when the value fits sign-extended, else {@code movabs rcx, imm64} and a store. */
        @Override
        public void store64(Reg base, int offset, long value) {
            if (value == (int) value) {
                a.storeImm32(reg(base), offset, (int) value);
            } else {
                a.movImm64(Register.RCX, value);
                a.store(reg(base), offset, Register.RCX);
            }
        }

        /** A sign-extended imm32 when the value fits, else through RAX. */
        @Override
        public void storeConstant(int offset, long value) {
            if (value == (int) value) {
                a.storeImm32(Register.RBP, offset, (int) value);
            } else {
                a.movImm64(Register.RAX, value);
                a.store(Register.RBP, offset, Register.RAX);
            }
        }

        @Override
        public void copyToField(Reg object, int offset, int frameOffset) {
            a.load(Register.RCX, Register.RBP, frameOffset);
            a.store(reg(object), offset, Register.RCX);
        }

        @Override
        public void addressOf(Reg dst, int offset) {
            a.lea(reg(dst), Register.RBP, offset);
        }

        @Override
        public void addressOfField(Reg dst, Reg base, int offset) {
            a.lea(reg(dst), reg(base), offset);
        }

        /** {@code cmp qword ptr [rbp+offset], 0; setne dst8; movzx dst32, dst8}, as the real variants compute "resumed". */
        @Override
        public void flagIfNonZero(Reg dst, int offset) {
            a.cmpImm8(Register.RBP, offset, 0);
            a.setcc(Condition.NE, reg(dst));
            a.movzxByte(reg(dst), reg(dst));
        }

        // ---- registers

        /** {@code xor r32, r32}: shorter than a 64-bit move, and it clears the upper half. */
        @Override
        public void zero(Reg dst) {
            a.xor32(reg(dst), reg(dst));
        }

        @Override
        public void move(Reg dst, Reg src) {
            a.mov(reg(dst), reg(src));
        }

        // ---- RIP-relative: import cells and addresses in the image

        @Override
        public void loadCell(Reg dst, String cell) {
            a.loadRipRelative(reg(dst), cell);
        }

        @Override
        public void storeAddress(Reg object, int offset, String symbol, long addend) {
            a.leaRipRelative(Register.RCX, symbol, addend);
            a.store(reg(object), offset, Register.RCX);
        }

        /** {@code call [rip+cell]}: the delay-load helper finds the cell from the return address. */
        @Override
        public void callThroughCell(String cell) {
            a.callIndirectRip(cell);
        }

        // ---- arithmetic: RAX op= RCX

        @Override
        public void unary(UnaryOp op) {
            if (op == UnaryOp.NEG) {
                a.neg(Register.RAX);
            } else {
                a.test(Register.RAX, Register.RAX);
                a.setcc(Condition.E, Register.RAX);
                a.movzxByte(Register.RAX, Register.RAX);
            }
        }

        @Override
        public void binary(BinaryOp op) {
            switch (op) {
                case ADD -> a.add(Register.RAX, Register.RCX);
                case SUB -> a.sub(Register.RAX, Register.RCX);
                case MUL -> a.imul(Register.RAX, Register.RCX);
                default -> a.compareAndSet(SET_IF.get(op), Register.RAX, Register.RAX, Register.RCX);
            }
        }

        /** x / -1 without idiv: MIN / -1 would fault. */
        @Override
        public void divide(boolean remainder) {
            X64Assembler.Label divide = a.newLabel();
            X64Assembler.Label done = a.newLabel();
            a.cmp(Register.RCX, -1);
            a.jcc(Condition.NE, divide);
            if (remainder) {
                a.xor32(Register.RAX, Register.RAX);
            } else {
                a.neg(Register.RAX);
            }
            a.jmp(done);
            a.bind(divide);
            a.cqo();
            a.idiv(Register.RCX);
            if (remainder) {
                a.mov(Register.RAX, Register.RDX);
            }
            a.bind(done);
        }

        // ---- control flow

        @Override
        public void jump(X64Assembler.Label label) {
            a.jmp(label);
        }

        @Override
        public void branch(Reg r, boolean ifZero, X64Assembler.Label label) {
            a.test(reg(r), reg(r));
            a.jcc(ifZero ? Condition.E : Condition.NE, label);
        }

        @Override
        public void branchIfEqual32(Reg r, int value, X64Assembler.Label label) {
            a.cmp(reg(r), value);
            a.jcc(Condition.E, label);
        }

        @Override
        public int jumpToSymbol(String symbol) {
            a.jmp(symbol, 0);
            return a.offset() - 4;
        }

        @Override
        public int branchIfNonZeroToSymbol(Reg r, String symbol) {
            a.test(reg(r), reg(r));
            a.jcc(Condition.NE, symbol, 0);
            return a.offset() - 4;
        }

        @Override
        public void trap() {
            a.int3();
        }

        // ---- calls

        @Override
        public void callDirect(String symbol) {
            a.call(symbol);
        }

        @Override
        public void tailJump(String cell) {
            leaveFrame();
            a.leaRipRelative(Register.RAX, cell);
            a.jmpIndirect(Register.RAX, 0);
        }

        // ---- results

        @Override
        protected Assembled finish(X64Assembler part) {
            part.finish();
            return new Assembled(part.code(), part.relocations());
        }

        @Override
        protected byte[] unwindInfo(X64Assembler part, int codeLength) {
            if (part == hot) {
                return prologInfo.encode();
            }
            if (funcletInfo.containsKey(part)) {
                return funcletInfo.get(part).encode();
            }
            // The cold part runs in the hot part's frame: every code applies (offset 0), so unwinding from it
            // restores exactly what the hot prolog set up.
            List<UnwindCode> codes = new ArrayList<>();
            for (UnwindCode c : prologInfo.codes()) {
                codes.add(new UnwindCode(0, c.op(), c.opInfo(), c.size()));
            }
            return new X64UnwindInfo(0, 0, prologInfo.frameRegister(), prologInfo.frameOffset(), codes).encode();
        }
    }
}
