package r2rlab.emitter.scenario;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/** One validated, resolved .NET module: the input of the emitter back end. */
public record Scenario(String file, String module, List<TypeDecl> types) {
    public Scenario {
        Objects.requireNonNull(file);
        Objects.requireNonNull(module);
        types = List.copyOf(types);
    }

    /** All methods of all types, in declaration order. */
    public Stream<MethodDecl> methods() {
        return types.stream().flatMap(t -> t.methods().stream());
    }

    /**
     * The root methods, in declaration order: the static methods no method of the scenario calls,
     * awaits or tail-calls, by name as {@code r2rlab run --entry} names them (so a called overload
     * makes every overload of that name a callee). These are what a run of the scenario starts from.
     */
    public List<MethodDecl> rootMethods() {
        Set<String> called = new HashSet<>();
        methods().forEach(m -> calls(m.body(), called));
        return methods().filter(m -> m.isStatic() && !called.contains(m.fullName())).toList();
    }

    private static void calls(List<Stmt> body, Set<String> called) {
        for (Stmt s : body) {
            if (s instanceof Stmt.VarDecl v) {
                calls(v.init(), called);
            } else if (s instanceof Stmt.Assign a) {
                calls(a.value(), called);
            } else if (s instanceof Stmt.If i) {
                calls(i.cond(), called);
                calls(i.then(), called);
                calls(i.otherwise(), called);
            } else if (s instanceof Stmt.While w) {
                calls(w.cond(), called);
                calls(w.body(), called);
            } else if (s instanceof Stmt.Return r && r.value() != null) {
                calls(r.value(), called);
            } else if (s instanceof Stmt.Throw t) {
                calls(t.code(), called);
            } else if (s instanceof Stmt.ExprStmt e) {
                calls(e.expr(), called);
            } else if (s instanceof Stmt.TailCall t) {
                called.add(t.target().fullName());
                t.args().forEach(a -> calls(a, called));
            }
        }
    }

    private static void calls(Expr e, Set<String> called) {
        if (e instanceof Expr.Binary b) {
            List<Expr.Binary> chain = b.leftChain();
            calls(chain.get(0).left(), called);
            chain.forEach(x -> calls(x.right(), called));
        } else if (e instanceof Expr.Unary u) {
            calls(u.operand(), called);
        } else if (e instanceof Expr.Call c) {
            called.add(c.target().fullName());
            c.args().forEach(a -> calls(a, called));
        } else if (e instanceof Expr.Await a && !a.isYield()) {
            called.add(a.target().fullName());
            a.args().forEach(x -> calls(x, called));
        }
    }

    public int methodCount() {
        int n = 0;
        for (TypeDecl t : types) {
            n += t.methods().size();
        }
        return n;
    }

    /** The type with this full name ({@code Demo.Outer+Inner}), or null. */
    public TypeDecl type(String fullName) {
        for (TypeDecl t : types) {
            if (t.fullName().equals(fullName)) {
                return t;
            }
        }
        return null;
    }
}
