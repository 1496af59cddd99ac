package r2rlab.emitter.r2r;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import r2rlab.emitter.scenario.Expr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.Stmt;
import r2rlab.emitter.scenario.VarType;

/**
 * Whether a scenario uses the language's object types (Box, Pair): in a signature, a typed variable or a {@code new}.
 * Only then does the module define them, so that the images of scenarios without them keep their metadata.
 * Walks bodies with an explicit stack (bodies nest deep).
 */
final class ObjectTypeUse {
    private ObjectTypeUse() {
    }

    static boolean usesObjectTypes(Scenario scenario) {
        for (MethodDecl m : (Iterable<MethodDecl>) scenario.methods()::iterator) {
            if (isObjectType(m.returns().type) || m.paramTypes().stream().anyMatch(ObjectTypeUse::isObjectType)
                    || uses(m.body())) {
                return true;
            }
        }
        return false;
    }

    private static boolean isObjectType(VarType t) {
        return t != null && t.object != null;
    }

    private static boolean uses(List<Stmt> body) {
        Deque<Object> work = new ArrayDeque<>(body);
        while (!work.isEmpty()) {
            Object o = work.pop();
            if (o instanceof Stmt.VarDecl v) {
                if (isObjectType(v.type())) {
                    return true;
                }
                work.push(v.init());
            } else if (o instanceof Stmt.Assign a) {
                work.push(a.value());
            } else if (o instanceof Stmt.FieldAssign f) {
                return true;
            } else if (o instanceof Stmt.If i) {
                work.push(i.cond());
                work.addAll(i.then());
                work.addAll(i.otherwise());
            } else if (o instanceof Stmt.While w) {
                work.push(w.cond());
                work.addAll(w.body());
            } else if (o instanceof Stmt.Return r && r.value() != null) {
                work.push(r.value());
            } else if (o instanceof Stmt.Throw t && t.code() != null) {
                work.push(t.code());
            } else if (o instanceof Stmt.Try t) {
                work.addAll(t.body());
                if (t.catchClause() != null) {
                    work.addAll(t.catchClause().body());
                }
                if (t.finallyClause() != null) {
                    work.addAll(t.finallyClause().body());
                }
            } else if (o instanceof Stmt.ExprStmt x) {
                work.push(x.expr());
            } else if (o instanceof Stmt.TailCall t) {
                work.addAll(t.args());
            } else if (o instanceof Expr.New || o instanceof Expr.Field) {
                return true;
            } else if (o instanceof Expr.Unary u) {
                work.push(u.operand());
            } else if (o instanceof Expr.Binary b) {
                List<Expr.Binary> chain = b.leftChain();
                work.push(chain.get(0).left());
                chain.forEach(x -> work.push(x.right()));
            } else if (o instanceof Expr.Call c) {
                work.addAll(c.args());
            } else if (o instanceof Expr.Await a) {
                work.addAll(a.args());
            }
        }
        return false;
    }
}
