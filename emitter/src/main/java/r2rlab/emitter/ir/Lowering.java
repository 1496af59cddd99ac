package r2rlab.emitter.ir;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.CallKind;
import r2rlab.emitter.scenario.Expr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.ReturnKind;
import r2rlab.emitter.scenario.Stmt;

/** Lowers a validated scenario method body to {@link MethodIr}; the same for every architecture. */
public final class Lowering {
    private final MethodDecl method;
    private final CodeVersion version;
    private final List<String> slots = new ArrayList<>();
    private final Map<String, Integer> named = new HashMap<>();
    private final List<Insn> insns = new ArrayList<>();
    private final List<AwaitPoint> awaits = new ArrayList<>();
    private final int awaitCount;
    private int labels;

    private Lowering(MethodDecl method, CodeVersion version) {
        this.method = method;
        this.version = version;
        for (String p : method.params()) {
            named.put(p, slots.size());
            slots.add(p);
        }
        this.awaitCount = countAwaits(method.body());
    }

    public static MethodIr lower(MethodDecl method, CodeVersion version) {
        Lowering l = new Lowering(method, version);
        l.block(method.body());
        // A void method (or any path the validator lets fall off the end) returns.
        Insn last = l.insns.isEmpty() ? null : l.insns.get(l.insns.size() - 1);
        if (!(last instanceof Insn.Return) && !(last instanceof Insn.TailCall)) {
            int endLine = method.body().isEmpty() ? method.line() : method.body().get(method.body().size() - 1).line();
            if (method.returns() == ReturnKind.INT) {
                int zero = l.temp();
                l.insns.add(new Insn.Const(zero, 0, endLine));
                l.insns.add(new Insn.Return(zero, endLine));
            } else {
                l.insns.add(new Insn.Return(-1, endLine));
            }
        }
        boolean hasResult = false;
        for (Insn i : l.insns) {
            hasResult |= i instanceof Insn.Await w && w.calleeReturnsValue();
        }
        ContinuationLayout layout = method.isAsync() ? new ContinuationLayout(l.slots.size(), hasResult, version) : null;
        return new MethodIr(method, version, l.slots, method.params().size(), l.insns, l.labels, l.awaits, layout);
    }

    private int temp() {
        slots.add("$t" + slots.size());
        return slots.size() - 1;
    }

    private int label() {
        return labels++;
    }

    private void block(List<Stmt> stmts) {
        for (Stmt s : stmts) {
            stmt(s);
        }
    }

    private void stmt(Stmt s) {
        int line = s.line();
        if (s instanceof Stmt.VarDecl v) {
            int value = expr(v.init());
            int slot = slots.size();
            named.put(v.name(), slot);
            slots.add(v.name());
            insns.add(new Insn.Move(slot, value, line));
        } else if (s instanceof Stmt.Assign a) {
            insns.add(new Insn.Move(slotOf(a.name()), expr(a.value()), line));
        } else if (s instanceof Stmt.If i) {
            int cond = expr(i.cond());
            int elseLabel = label();
            int end = label();
            insns.add(new Insn.Branch(cond, true, elseLabel, line));
            block(i.then());
            insns.add(new Insn.Jump(end, line));
            insns.add(new Insn.Label(elseLabel, line));
            block(i.otherwise());
            insns.add(new Insn.Label(end, line));
        } else if (s instanceof Stmt.While w) {
            int top = label();
            int end = label();
            insns.add(new Insn.Label(top, line));
            int cond = expr(w.cond());
            insns.add(new Insn.Branch(cond, true, end, line));
            block(w.body());
            insns.add(new Insn.Jump(top, line));
            insns.add(new Insn.Label(end, line));
        } else if (s instanceof Stmt.Return r) {
            insns.add(new Insn.Return(r.value() == null ? -1 : expr(r.value()), line));
        } else if (s instanceof Stmt.Throw t) {
            insns.add(new Insn.Throw(expr(t.code()), line));
        } else if (s instanceof Stmt.GcPoint) {
            insns.add(new Insn.GcPoint(line));
        } else if (s instanceof Stmt.ExprStmt e) {
            effect(e.expr());
        } else if (s instanceof Stmt.TailCall t) {
            insns.add(new Insn.TailCall(t.target(), args(t.args()), line));
        } else {
            throw new IllegalStateException("unknown statement " + s);
        }
    }

    /** An expression evaluated for its effect only: calls and awaits get no destination. */
    private void effect(Expr e) {
        if (e instanceof Expr.Call c) {
            insns.add(new Insn.Call(c.kind(), c.target(), args(c.args()), -1, c.line()));
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
        insns.add(new Insn.Await(p, a.isYield() ? CallKind.DIRECT : a.kind(), a.target(), args, dst, a.line()));
    }

    private int expr(Expr e) {
        int line = e.line();
        if (e instanceof Expr.IntLit lit) {
            int t = temp();
            insns.add(new Insn.Const(t, lit.value(), line));
            return t;
        } else if (e instanceof Expr.VarRef v) {
            return slotOf(v.name());
        } else if (e instanceof Expr.This) {
            return slotOf("this");
        } else if (e instanceof Expr.Unary u) {
            int a = expr(u.operand());
            int t = temp();
            insns.add(new Insn.Unary(u.op(), t, a, line));
            return t;
        } else if (e instanceof Expr.Binary b) {
            return binary(b);
        } else if (e instanceof Expr.Call c) {
            List<Integer> args = args(c.args());
            int t = temp();
            insns.add(new Insn.Call(c.kind(), c.target(), args, t, line));
            return t;
        } else if (e instanceof Expr.Await a) {
            int t = temp();
            await(a, t);
            return t;
        }
        throw new IllegalStateException("unknown expression " + e);
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
                insns.add(new Insn.Const(t, b.op() == BinaryOp.AND ? 0 : 1, line));
                insns.add(new Insn.Branch(left, b.op() == BinaryOp.AND, shortCircuitEnd[i], line));
                int right = expr(b.right());
                int zero = temp();
                insns.add(new Insn.Const(zero, 0, line));
                insns.add(new Insn.Binary(BinaryOp.NE, t, right, zero, line));
                insns.add(new Insn.Label(shortCircuitEnd[i], line));
                left = t;
            } else {
                int r = expr(b.right());
                int t = temp();
                insns.add(new Insn.Binary(b.op(), t, left, r, line));
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
            } else if (s instanceof Stmt.If i) {
                n += countAwaits(i.cond()) + countAwaits(i.then()) + countAwaits(i.otherwise());
            } else if (s instanceof Stmt.While w) {
                n += countAwaits(w.cond()) + countAwaits(w.body());
            } else if (s instanceof Stmt.Return r) {
                n += r.value() == null ? 0 : countAwaits(r.value());
            } else if (s instanceof Stmt.Throw t) {
                n += countAwaits(t.code());
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
        }
        return 0;
    }
}
