package r2rlab.emitter.scenario;

import java.util.List;
import java.util.Objects;

/** Statements of a method body. Every node carries the 1-based line of the scenario file it came from. */
public sealed interface Stmt {
    int line();

    /** {@code var name = init}, or {@code var name: Type = init} ({@code type} null when not written: the init's type). */
    record VarDecl(String name, VarType type, Expr init, int line) implements Stmt {
        public VarDecl {
            Objects.requireNonNull(name);
            Objects.requireNonNull(init);
        }

        /** {@code var name = init}. */
        public VarDecl(String name, Expr init, int line) {
            this(name, null, init, line);
        }
    }

    /** {@code object.field = value}. */
    record FieldAssign(Expr object, String field, Expr value, int line) implements Stmt {
        public FieldAssign {
            Objects.requireNonNull(object);
            Objects.requireNonNull(field);
            Objects.requireNonNull(value);
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

    /**
     * {@code throw code}: throws a new exception carrying the integer code; a bare {@code throw} ({@code code} null),
     * only inside a catch block, rethrows the exception that block caught.
     */
    record Throw(Expr code, int line) implements Stmt {
        /** A bare {@code throw}: rethrows the caught exception. */
        public boolean isRethrow() {
            return code == null;
        }
    }

    /**
     * {@code try { body } catch e { ... } finally { ... }}: at least one of {@code catchClause} and {@code finallyClause}
     * is present (the other is null).
     */
    record Try(List<Stmt> body, Catch catchClause, Finally finallyClause, int line) implements Stmt {
        public Try {
            body = List.copyOf(body);
            if (catchClause == null && finallyClause == null) {
                throw new IllegalArgumentException("a try needs a catch or a finally");
            }
        }
    }

    /** {@code catch e { body }}: catches every exception; {@code variable} (null for a bare {@code catch}) gets its code. */
    record Catch(String variable, List<Stmt> body, int line) {
        public Catch {
            body = List.copyOf(body);
        }
    }

    /** {@code finally { body }}: runs whenever control leaves the try (and catch) block. */
    record Finally(List<Stmt> body, int line) {
        public Finally {
            body = List.copyOf(body);
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
