package r2rlab.emitter.scenario;

import java.util.List;
import java.util.Objects;

/** Statements of a method body. Every node carries the 1-based line of the scenario file it came from. */
public sealed interface Stmt {
    int line();

    /** {@code var name = init}. */
    record VarDecl(String name, Expr init, int line) implements Stmt {
        public VarDecl {
            Objects.requireNonNull(name);
            Objects.requireNonNull(init);
        }
    }

    /** {@code name = value}; the target is a local or a parameter. */
    record Assign(String name, Expr value, int line) implements Stmt {
        public Assign {
            Objects.requireNonNull(name);
            Objects.requireNonNull(value);
        }
    }

    /** {@code if cond { then } else { otherwise }}; {@code otherwise} is empty without else. */
    record If(Expr cond, List<Stmt> then, List<Stmt> otherwise, int line) implements Stmt {
        public If {
            Objects.requireNonNull(cond);
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }
    }

    /** {@code while cond { body }}. */
    record While(Expr cond, List<Stmt> body, int line) implements Stmt {
        public While {
            Objects.requireNonNull(cond);
            body = List.copyOf(body);
        }
    }

    /** {@code return value} or plain {@code return} (value null). */
    record Return(Expr value, int line) implements Stmt {
    }

    /** {@code throw code}: throws an exception carrying the integer code. */
    record Throw(Expr code, int line) implements Stmt {
        public Throw {
            Objects.requireNonNull(code);
        }
    }

    /** {@code gcpoint}: a helper call at which the runtime may walk the stack. */
    record GcPoint(int line) implements Stmt {
    }

    /** A call or an await evaluated for its effect. */
    record ExprStmt(Expr expr, int line) implements Stmt {
        public ExprStmt {
            Objects.requireNonNull(expr);
        }
    }

    /** {@code tailcall cell T.M(args)}: a tail jump through an import cell; always the method's last statement. */
    record TailCall(CallTarget ref, List<Expr> args, int line) implements Stmt {
        public TailCall {
            Objects.requireNonNull(ref);
            args = List.copyOf(args);
        }

        public MethodDecl target() {
            return ref.target();
        }
    }
}
