package r2rlab.emitter.ir;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.CallKind;
import r2rlab.emitter.scenario.Expr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.ReturnKind;
import r2rlab.emitter.scenario.Stmt;
import r2rlab.emitter.scenario.VarType;
import r2rlab.format.r2r.LabObject;

/**
 * Lowers a validated scenario method body to {@link MethodIr}; the same for every architecture.
 *
 * <p>Exception handling is lowered as the JIT and Roslyn lay it out (docs/scenario-format.md gives the language's
 * meaning): a try block is a try region of the code that holds it; a catch is a CATCH funclet that keeps the exception
 * object and resumes at the catch block, which runs in that same code after the try region; a finally block without
 * anything that can throw or suspend (no call, await, throw, division or nested try) is a FAULT funclet (the
 * dispatcher's second pass runs it) and an inline copy on every normal way out of the try block (falling through, and
 * each {@code return}, whose value is computed first), as the JIT clones finally blocks; any other finally block is
 * lowered as Roslyn lowers one that awaits: a catch-all keeps the exception, the finally block runs in the method's
 * code (where it may suspend or throw) and the exception is rethrown after it. So no funclet ever throws or calls
 * managed code. A try with both clauses is a try/catch inside a try/finally.
 */
public final class Lowering {
    private final MethodDecl method;
    private final CodeVersion version;
    private final List<String> slots = new ArrayList<>();
    private final Map<String, Integer> named = new HashMap<>();
    /** The type of each variable by name, as {@link #named} its slot. */
    private final Map<String, VarType> varTypes = new HashMap<>();
    private final List<Insn> insns = new ArrayList<>();
    private final List<AwaitPoint> awaits = new ArrayList<>();
    private final int awaitCount;
    private int labels;
    /** The instruction list being lowered into: the main code's, or a funclet's. */
    private List<Insn> out = insns;
    /** {@link MethodIr#MAIN} or the funclet being lowered. */
    private int part = MethodIr.MAIN;
    private final List<Integer> labelParts = new ArrayList<>();
    private final List<Integer> regionParts = new ArrayList<>();
    private final List<Funclet> funclets = new ArrayList<>();
    private final List<EhClause> clauses = new ArrayList<>();
    private final BitSet referenceSlots = new BitSet();
    /** Try regions open around the main code being lowered (an await there is in a try). */
    private int openTrys;
    /** The try/finally statements whose finally block a {@code return} here must run, innermost first. */
    private Deque<Protect> protects = new ArrayDeque<>();
    /** The exception object slots of the catch blocks around the code being lowered, innermost first. */
    private final Deque<Integer> caught = new ArrayDeque<>();
    /** Where a {@code return} that runs finally blocks keeps its value (allocated on first use). */
    private int returnSlot = -1;

    /** A try/finally being lowered: where a return in its try block goes to run the finally block (made on first use). */
    private final class Protect {
        int returnLabel = -1;

        int returnLabel() {
            if (returnLabel < 0) {
                returnLabel = label();
            }
            return returnLabel;
        }
    }

    private Lowering(MethodDecl method, CodeVersion version) {
        this.method = method;
        this.version = version;
        for (int i = 0; i < method.params().size(); i++) {
            String p = method.params().get(i);
            named.put(p, slots.size());
            varTypes.put(p, method.paramTypes().get(i));
            if (method.paramTypes().get(i).isReference()) {
                referenceSlots.set(slots.size());
            }
            slots.add(p);
        }
        this.awaitCount = countAwaits(method.body());
    }

    public static MethodIr lower(MethodDecl method, CodeVersion version) {
        Lowering l = new Lowering(method, version);
        l.block(method.body());
        // A void method (or any path the validator lets fall off the end) returns.
        Insn last = l.insns.isEmpty() ? null : l.insns.get(l.insns.size() - 1);
        for (int i = 0; i < l.labelParts.size(); i++) {
            if (l.labelParts.get(i) == null) {
                l.labelParts.set(i, MethodIr.MAIN); // never bound, never jumped to
            }
        }
        if (!(last instanceof Insn.Return) && !(last instanceof Insn.TailCall)) {
            int endLine = method.body().isEmpty() ? method.line() : method.body().get(method.body().size() - 1).line();
            if (method.returns() != ReturnKind.VOID) {
                int zero = method.returnsReference() ? l.referenceTemp() : l.temp();
                l.insns.add(new Insn.Const(zero, 0, endLine));
                l.insns.add(new Insn.Return(zero, endLine));
            } else {
                l.insns.add(new Insn.Return(-1, endLine));
            }
        }
        boolean hasResult = false;
        boolean hasReferenceResult = false;
        for (Insn i : l.insns) {
            if (i instanceof Insn.Await w && w.calleeReturnsValue()) {
                hasResult |= !w.target().returnsReference();
                hasReferenceResult |= w.target().returnsReference();
            }
        }
        ContinuationLayout layout = null;
        if (method.isAsync()) {
            List<BitSet> saved = Liveness.liveAcrossAwaits(l.insns, l.funclets, l.labels, l.slots.size());
            layout = new ContinuationLayout(l.slots.size(), hasResult, hasReferenceResult, version, l.referenceSlots, saved);
        }
        return new MethodIr(method, version, l.slots, method.params().size(), l.insns, l.labels, l.awaits, layout, l.funclets,
                l.clauses, l.labelParts, l.regionParts, l.referenceSlots);
    }

    private int temp() {
        slots.add("$t" + slots.size());
        return slots.size() - 1;
    }

    /** A temporary holding a reference. */
    private int referenceTemp() {
        int t = temp();
        referenceSlots.set(t);
        return t;
    }

    /** A temporary for a value of type {@code type} (null: no value). */
    private int temp(VarType type) {
        return type != null && type.isReference() ? referenceTemp() : temp();
    }

    /** A slot holding an exception object: a reference the continuation's GC map marks. */
    private int exceptionTemp() {
        slots.add("$ex" + slots.size());
        referenceSlots.set(slots.size() - 1);
        return slots.size() - 1;
    }

    private int label() {
        labelParts.add(null);
        return labels++;
    }

    /** Binds {@code label} here, in the part being lowered. */
    private void bind(int label, int line) {
        out.add(new Insn.Label(label, line));
        labelParts.set(label, part);
    }

    private void emit(Insn i) {
        out.add(i);
    }

    private void block(List<Stmt> stmts) {
        for (Stmt s : stmts) {
            stmt(s);
        }
    }

    private void stmt(Stmt s) {
        int line = s.line();
        if (s instanceof Stmt.VarDecl v) {
            VarType type = v.type() != null ? v.type() : typeOf(v.init());
            int value = expr(v.init());
            int slot = slots.size();
            named.put(v.name(), slot);
            varTypes.put(v.name(), type);
            if (v.type() != null ? v.type().isReference() : referenceSlots.get(value)) {
                referenceSlots.set(slot);
            }
            slots.add(v.name());
            emit(new Insn.Move(slot, value, line));
        } else if (s instanceof Stmt.FieldAssign f) {
            int object = expr(f.object());
            LabObject type = objectType(f.object());
            int value = expr(f.value());
            emit(new Insn.StoreField(object, type, type.fieldIndex(f.field()), value, line));
        } else if (s instanceof Stmt.Assign a) {
            emit(new Insn.Move(slotOf(a.name()), expr(a.value()), line));
        } else if (s instanceof Stmt.If i) {
            int cond = expr(i.cond());
            int elseLabel = label();
            int end = label();
            emit(new Insn.Branch(cond, true, elseLabel, line));
            block(i.then());
            emit(new Insn.Jump(end, line));
            bind(elseLabel, line);
            block(i.otherwise());
            bind(end, line);
        } else if (s instanceof Stmt.While w) {
            int top = label();
            int end = label();
            bind(top, line);
            int cond = expr(w.cond());
            emit(new Insn.Branch(cond, true, end, line));
            block(w.body());
            emit(new Insn.Jump(top, line));
            bind(end, line);
        } else if (s instanceof Stmt.Return r) {
            returnStmt(r);
        } else if (s instanceof Stmt.Throw t) {
            if (t.isRethrow()) {
                emit(new Insn.Rethrow(caught.peek(), line));
            } else {
                emit(new Insn.Throw(expr(t.code()), line));
            }
        } else if (s instanceof Stmt.Try t) {
            tryStmt(t);
        } else if (s instanceof Stmt.GcPoint) {
            emit(new Insn.GcPoint(line));
        } else if (s instanceof Stmt.ExprStmt e) {
            effect(e.expr());
        } else if (s instanceof Stmt.TailCall t) {
            emit(new Insn.TailCall(t.target(), args(t.args()), line));
        } else {
            throw new IllegalStateException("unknown statement " + s);
        }
    }

    /**
     * A return: straight out, or, inside the try block of try/finally statements, the value first (so a finally block
     * cannot change it) and then to the innermost one's return path, which runs its finally block and goes on out.
     */
    private void returnStmt(Stmt.Return r) {
        int line = r.line();
        int value = r.value() == null ? -1 : expr(r.value());
        if (protects.isEmpty()) {
            emit(new Insn.Return(value, line));
            return;
        }
        if (value >= 0) {
            emit(new Insn.Move(returnSlot(), value, line));
        }
        emit(new Insn.Jump(protects.peek().returnLabel(), line));
    }

    private int returnSlot() {
        if (returnSlot < 0) {
            returnSlot = method.returnsReference() ? referenceTemp() : temp();
        }
        return returnSlot;
    }

    /** After a finally block on a return's path: the next enclosing finally block's return path, or the return. */
    private void leaveForReturn(int line) {
        if (!protects.isEmpty()) {
            emit(new Insn.Jump(protects.peek().returnLabel(), line));
        } else {
            emit(new Insn.Return(method.returnsValue() ? returnSlot() : -1, line));
        }
    }

    private void tryStmt(Stmt.Try t) {
        if (t.finallyClause() == null) {
            tryCatch(t.body(), t.catchClause(), t.line());
        } else if (t.catchClause() == null) {
            tryFinally(() -> block(t.body()), t.finallyClause(), t.line());
        } else {
            tryFinally(() -> tryCatch(t.body(), t.catchClause(), t.line()), t.finallyClause(), t.line());
        }
    }

    /** A new try region around what {@code body} lowers, in the part being lowered. */
    private int tryRegion(Runnable body, int line) {
        int region = regionParts.size();
        regionParts.add(part);
        emit(new Insn.TryBegin(region, line));
        boolean main = part == MethodIr.MAIN;
        if (main) {
            openTrys++;
        }
        body.run();
        if (main) {
            openTrys--;
        }
        emit(new Insn.TryEnd(region, line));
        return region;
    }

    /** A CATCH funclet keeping the exception object in {@code exceptionSlot} and resuming at {@code resume}, with its clause. */
    private void catchClause(int region, int exceptionSlot, int resume) {
        clauses.add(new EhClause(Funclet.Kind.CATCH, region, funclets.size()));
        funclets.add(new Funclet(Funclet.Kind.CATCH, List.of(), exceptionSlot, resume));
    }

    /** try { body } catch e { handler }: the catch block runs after the try region, reached from the catch funclet. */
    private void tryCatch(List<Stmt> body, Stmt.Catch handler, int line) {
        int exception = exceptionTemp();
        int resume = label();
        int after = label();
        int region = tryRegion(() -> block(body), line);
        catchClause(region, exception, resume);
        emit(new Insn.Jump(after, line));
        bind(resume, handler.line());
        if (handler.variable() != null) {
            int code = slots.size();
            named.put(handler.variable(), code);
            varTypes.put(handler.variable(), VarType.INT);
            slots.add(handler.variable());
            emit(new Insn.ExceptionCode(code, exception, handler.line()));
        }
        caught.push(exception);
        block(handler.body());
        caught.pop();
        bind(after, line);
    }

    /** try { protectedPart } finally { handler }: cloned into a FAULT funclet, or Roslyn's lowering when it awaits. */
    private void tryFinally(Runnable protectedPart, Stmt.Finally handler, int line) {
        int fl = handler.line();
        if (cannotThrow(handler.body())) {
            Protect p = new Protect();
            protects.push(p);
            int region = tryRegion(protectedPart, line);
            protects.pop();
            clauses.add(new EhClause(Funclet.Kind.FAULT, region, funclets.size()));
            faultFunclet(handler.body());
            block(handler.body());
            if (p.returnLabel >= 0) {
                int done = label();
                emit(new Insn.Jump(done, fl));
                bind(p.returnLabel, fl);
                block(handler.body());
                leaveForReturn(fl);
                bind(done, fl);
            }
            return;
        }
        int exception = exceptionTemp();
        int pending = temp();
        emit(new Insn.Const(exception, 0, line));
        emit(new Insn.Const(pending, 0, line));
        int after = label();
        Protect p = new Protect();
        protects.push(p);
        int region = tryRegion(protectedPart, line);
        protects.pop();
        catchClause(region, exception, after);
        if (p.returnLabel >= 0) {
            emit(new Insn.Jump(after, fl));
            bind(p.returnLabel, fl);
            emit(new Insn.Const(pending, 1, fl));
        }
        bind(after, fl);
        block(handler.body());
        int noException = label();
        emit(new Insn.Branch(exception, true, noException, fl));
        emit(new Insn.Rethrow(exception, fl));
        bind(noException, fl);
        if (p.returnLabel >= 0) {
            int go = label();
            emit(new Insn.Branch(pending, true, go, fl));
            leaveForReturn(fl);
            bind(go, fl);
        }
    }

    /** Whether {@code stmts} can neither throw nor suspend: no call, await, throw, division, tail call or try. */
    private static boolean cannotThrow(List<Stmt> stmts) {
        for (Stmt s : stmts) {
            boolean ok;
            if (s instanceof Stmt.VarDecl v) {
                ok = cannotThrow(v.init());
            } else if (s instanceof Stmt.Assign a) {
                ok = cannotThrow(a.value());
            } else if (s instanceof Stmt.If i) {
                ok = cannotThrow(i.cond()) && cannotThrow(i.then()) && cannotThrow(i.otherwise());
            } else if (s instanceof Stmt.While w) {
                ok = cannotThrow(w.cond()) && cannotThrow(w.body());
            } else if (s instanceof Stmt.ExprStmt x) {
                ok = cannotThrow(x.expr());
            } else {
                ok = s instanceof Stmt.GcPoint;
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean cannotThrow(Expr e) {
        if (e instanceof Expr.Unary u) {
            return cannotThrow(u.operand());
        } else if (e instanceof Expr.Binary b) {
            List<Expr.Binary> chain = b.leftChain(); // a loop, not recursion: a long sum nests deep
            return cannotThrow(chain.get(0).left()) && chain.stream().allMatch(x -> x.op() != BinaryOp.DIV && x.op() != BinaryOp.REM
                    && cannotThrow(x.right()));
        }
        // A call, an await, an allocation (a helper call) and a field access (a null object throws) can throw.
        return !(e instanceof Expr.Call) && !(e instanceof Expr.Await) && !(e instanceof Expr.New) && !(e instanceof Expr.Field);
    }

    /** The finally block lowered into a FAULT funclet of its own (it cannot throw or suspend, no return can be in it). */
    private void faultFunclet(List<Stmt> body) {
        int index = funclets.size();
        funclets.add(null);
        List<Insn> savedOut = out;
        int savedPart = part;
        Deque<Protect> savedProtects = protects;
        out = new ArrayList<>();
        part = index;
        protects = new ArrayDeque<>();
        block(body);
        funclets.set(index, new Funclet(Funclet.Kind.FAULT, out, -1, -1));
        out = savedOut;
        part = savedPart;
        protects = savedProtects;
    }

    /** An expression evaluated for its effect only: calls and awaits get no destination. */
    private void effect(Expr e) {
        if (e instanceof Expr.Call c) {
            emit(new Insn.Call(c.kind(), c.target(), args(c.args()), -1, c.line()));
        } else if (e instanceof Expr.Await a) {
            await(a, -1);
        } else {
            expr(e);
        }
    }

    private List<Integer> args(List<Expr> args) {
        List<Integer> out = new ArrayList<>(args.size());
        for (Expr a : args) {
            out.add(expr(a));
        }
        return out;
    }

    private int slotOf(String name) {
        Integer s = named.get(name);
        if (s == null) {
            throw new IllegalStateException("unresolved variable " + name + " in " + method.fullName());
        }
        return s;
    }

    private void await(Expr.Await a, int dst) {
        int index = awaits.size();
        int state = version == CodeVersion.R2R ? index : awaitCount - 1 - index;
        AwaitPoint p = new AwaitPoint(index, state);
        awaits.add(p);
        List<Integer> args = args(a.args());
        emit(new Insn.Await(p, a.isYield() ? CallKind.DIRECT : a.kind(), a.target(), args, dst, openTrys > 0, a.line()));
    }

    private int expr(Expr e) {
        int line = e.line();
        if (e instanceof Expr.IntLit lit) {
            int t = temp();
            emit(new Insn.Const(t, lit.value(), line));
            return t;
        } else if (e instanceof Expr.VarRef v) {
            return slotOf(v.name());
        } else if (e instanceof Expr.This) {
            return slotOf("this");
        } else if (e instanceof Expr.Null) {
            int t = referenceTemp();
            emit(new Insn.Const(t, 0, line));
            return t;
        } else if (e instanceof Expr.New n) {
            List<Integer> args = args(n.args());
            int t = referenceTemp();
            emit(new Insn.NewObject(t, n.type().object, args, line));
            return t;
        } else if (e instanceof Expr.Field f) {
            int object = expr(f.object());
            LabObject type = objectType(f.object());
            int field = type.fieldIndex(f.field());
            int t = type.fields().get(field).isReference() ? referenceTemp() : temp();
            emit(new Insn.LoadField(t, object, type, field, line));
            return t;
        } else if (e instanceof Expr.Unary u) {
            int a = expr(u.operand());
            int t = temp();
            emit(new Insn.Unary(u.op(), t, a, line));
            return t;
        } else if (e instanceof Expr.Binary b) {
            return binary(b);
        } else if (e instanceof Expr.Call c) {
            List<Integer> args = args(c.args());
            int t = temp(c.target().returns().type);
            emit(new Insn.Call(c.kind(), c.target(), args, t, line));
            return t;
        } else if (e instanceof Expr.Await a) {
            int t = temp(a.target().returns().type);
            await(a, t);
            return t;
        }
        throw new IllegalStateException("unknown expression " + e);
    }

    /** The object type of a Box or Pair expression (the validator checked it is one). */
    private LabObject objectType(Expr e) {
        VarType t = typeOf(e);
        if (t == null || t.object == null) {
            throw new IllegalStateException("not a Box or Pair expression in " + method.fullName() + ": " + e);
        }
        return t.object;
    }

    /** The type of a validated expression (null for a void call or await). */
    private VarType typeOf(Expr e) {
        if (e instanceof Expr.Null) {
            return VarType.NULL;
        } else if (e instanceof Expr.This) {
            return VarType.OBJECT;
        } else if (e instanceof Expr.New n) {
            return n.type();
        } else if (e instanceof Expr.Field f) {
            LabObject outer = objectType(f.object());
            LabObject ref = outer.fields().get(outer.fieldIndex(f.field())).referenceType();
            return ref == null ? VarType.INT : VarType.of(ref);
        } else if (e instanceof Expr.VarRef v) {
            return varTypes.get(v.name());
        } else if (e instanceof Expr.Call c) {
            return c.target().returns().type;
        } else if (e instanceof Expr.Await a) {
            return a.target() == null ? null : a.target().returns().type;
        }
        return VarType.INT;
    }

    /**
     * A chain of binary operators, lowered with a loop over its left operands ({@link Expr.Binary#leftChain}) in the
     * order a recursive walk would take: a short-circuit operator takes its result slot and end label before its left
     * operand is lowered, every other operator its slot after both operands.
     */
    private int binary(Expr.Binary top) {
        List<Expr.Binary> chain = top.leftChain();
        int[] shortCircuitSlot = new int[chain.size()];
        int[] shortCircuitEnd = new int[chain.size()];
        for (int i = chain.size() - 1; i >= 0; i--) {
            if (isShortCircuit(chain.get(i))) {
                shortCircuitSlot[i] = temp();
                shortCircuitEnd[i] = label();
            }
        }
        int left = expr(chain.get(0).left());
        for (int i = 0; i < chain.size(); i++) {
            Expr.Binary b = chain.get(i);
            int line = b.line();
            if (isShortCircuit(b)) {
                // Short-circuit: the right operand (which may call or await) runs only when needed.
                int t = shortCircuitSlot[i];
                emit(new Insn.Const(t, b.op() == BinaryOp.AND ? 0 : 1, line));
                emit(new Insn.Branch(left, b.op() == BinaryOp.AND, shortCircuitEnd[i], line));
                int right = expr(b.right());
                int zero = temp();
                emit(new Insn.Const(zero, 0, line));
                emit(new Insn.Binary(BinaryOp.NE, t, right, zero, line));
                bind(shortCircuitEnd[i], line);
                left = t;
            } else {
                int r = expr(b.right());
                int t = temp();
                emit(new Insn.Binary(b.op(), t, left, r, line));
                left = t;
            }
        }
        return left;
    }

    private static boolean isShortCircuit(Expr.Binary b) {
        return b.op() == BinaryOp.AND || b.op() == BinaryOp.OR;
    }

    private static int countAwaits(List<Stmt> stmts) {
        int n = 0;
        for (Stmt s : stmts) {
            if (s instanceof Stmt.VarDecl v) {
                n += countAwaits(v.init());
            } else if (s instanceof Stmt.Assign a) {
                n += countAwaits(a.value());
            } else if (s instanceof Stmt.FieldAssign f) {
                n += countAwaits(f.object()) + countAwaits(f.value());
            } else if (s instanceof Stmt.If i) {
                n += countAwaits(i.cond()) + countAwaits(i.then()) + countAwaits(i.otherwise());
            } else if (s instanceof Stmt.While w) {
                n += countAwaits(w.cond()) + countAwaits(w.body());
            } else if (s instanceof Stmt.Return r) {
                n += r.value() == null ? 0 : countAwaits(r.value());
            } else if (s instanceof Stmt.Throw t && t.code() != null) {
                n += countAwaits(t.code());
            } else if (s instanceof Stmt.Try t) {
                n += countAwaits(t.body());
                n += t.catchClause() == null ? 0 : countAwaits(t.catchClause().body());
                n += t.finallyClause() == null ? 0 : countAwaits(t.finallyClause().body());
            } else if (s instanceof Stmt.ExprStmt x) {
                n += countAwaits(x.expr());
            } else if (s instanceof Stmt.TailCall t) {
                n += t.args().stream().mapToInt(Lowering::countAwaits).sum();
            }
        }
        return n;
    }

    private static int countAwaits(Expr e) {
        if (e instanceof Expr.Unary u) {
            return countAwaits(u.operand());
        } else if (e instanceof Expr.Binary b) {
            List<Expr.Binary> chain = b.leftChain();
            return countAwaits(chain.get(0).left()) + chain.stream().mapToInt(x -> countAwaits(x.right())).sum();
        } else if (e instanceof Expr.Call c) {
            return c.args().stream().mapToInt(Lowering::countAwaits).sum();
        } else if (e instanceof Expr.Await a) {
            return 1 + a.args().stream().mapToInt(Lowering::countAwaits).sum();
        } else if (e instanceof Expr.New n) {
            return n.args().stream().mapToInt(Lowering::countAwaits).sum();
        } else if (e instanceof Expr.Field f) {
            return countAwaits(f.object());
        }
        return 0;
    }
}
