package r2rlab.tests.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import r2rlab.emitter.scenario.CallKind;
import r2rlab.emitter.scenario.Expr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.Stmt;
import r2rlab.emitter.scenario.TypeDecl;
import r2rlab.emitter.scenario.VarType;

/**
 * A parsed scenario as a {@link Program}, for the interpreter to run hand-written scenarios and the examples. (The
 * generated programs never take this way: they reach r2rlab only as text.)
 */
final class ScenarioImport {
    private ScenarioImport() {
    }

    static Program program(Scenario s, List<Program.Root> roots) {
        List<Program.Type> types = new ArrayList<>();
        for (TypeDecl t : s.types()) {
            List<Program.Method> methods = new ArrayList<>();
            for (MethodDecl m : t.methods()) {
                List<String> params = new ArrayList<>();
                for (int i = m.isStatic() ? 0 : 1; i < m.params().size(); i++) { // "this" is implicit in the model too
                    VarType type = m.paramTypes().get(i);
                    params.add(type == VarType.INT ? m.params().get(i) : type.written + " " + m.params().get(i));
                }
                methods.add(new Program.Method(m.name(), m.isStatic(), m.isAsync(), params, m.returns().written(),
                        m.tier1(), block(m.body())));
            }
            types.add(new Program.Type(t.fullName(), methods));
        }
        return new Program(s.module(), types, roots);
    }

    /** The target a parsed method is called by. */
    static Program.Target target(MethodDecl m) {
        return new Program.Target(m.declaringType().fullName(), m.name(), m.arity());
    }

    private static List<Program.Stmt> block(List<Stmt> stmts) {
        return map(stmts, ScenarioImport::stmt);
    }

    private static <A, B> List<B> map(List<A> in, Function<A, B> f) {
        List<B> out = new ArrayList<>();
        for (A a : in) {
            out.add(f.apply(a));
        }
        return out;
    }

    private static Program.Stmt stmt(Stmt s) {
        if (s instanceof Stmt.VarDecl v) {
            return new Program.Var(v.name(), v.type() == null ? null : v.type().written, expr(v.init()));
        } else if (s instanceof Stmt.FieldAssign f) {
            return new Program.SetField(expr(f.object()), f.field(), expr(f.value()));
        } else if (s instanceof Stmt.Assign a) {
            return new Program.Assign(a.name(), expr(a.value()));
        } else if (s instanceof Stmt.If f) {
            return new Program.If(expr(f.cond()), block(f.then()), block(f.otherwise()));
        } else if (s instanceof Stmt.While w) {
            return new Program.While(expr(w.cond()), block(w.body()));
        } else if (s instanceof Stmt.Return r) {
            return new Program.Return(r.value() == null ? null : expr(r.value()));
        } else if (s instanceof Stmt.Throw t) {
            return new Program.Throw(t.code() == null ? null : expr(t.code()));
        } else if (s instanceof Stmt.Try t) {
            return new Program.Try(block(t.body()), t.catchClause() == null ? null : t.catchClause().variable(),
                    t.catchClause() == null ? null : block(t.catchClause().body()), t.finallyClause() == null ? null : block(t.finallyClause().body()));
        } else if (s instanceof Stmt.GcPoint) {
            return new Program.GcPoint();
        } else if (s instanceof Stmt.ExprStmt e) {
            return new Program.Eval(expr(e.expr()));
        } else if (s instanceof Stmt.TailCall t) {
            return new Program.TailCall(target(t.target()), exprs(t.args()));
        }
        throw new IllegalArgumentException("unknown statement " + s);
    }

    private static List<Program.Expr> exprs(List<Expr> es) {
        return map(es, ScenarioImport::expr);
    }

    private static Program.Expr expr(Expr e) {
        if (e instanceof Expr.IntLit l) {
            return new Program.Lit(l.value());
        } else if (e instanceof Expr.VarRef v) {
            return new Program.Ref(v.name());
        } else if (e instanceof Expr.This) {
            return new Program.This();
        } else if (e instanceof Expr.Null) {
            return new Program.Null();
        } else if (e instanceof Expr.New n) {
            return new Program.New(n.type().written, exprs(n.args()));
        } else if (e instanceof Expr.Field f) {
            return new Program.Field(expr(f.object()), f.field());
        } else if (e instanceof Expr.Binary b) {
            return new Program.Bin(b.op(), expr(b.left()), expr(b.right()));
        } else if (e instanceof Expr.Unary u) {
            return new Program.Un(u.op(), expr(u.operand()));
        } else if (e instanceof Expr.Call c) {
            return new Program.Call(c.kind() == CallKind.CELL, target(c.target()), exprs(c.args()));
        } else if (e instanceof Expr.Await a) {
            return a.isYield() ? new Program.Yield() : new Program.Await(a.kind() == CallKind.CELL, target(a.target()), exprs(a.args()));
        }
        throw new IllegalArgumentException("unknown expression " + e);
    }
}
