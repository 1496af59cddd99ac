package r2rlab.tests.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.UnaryOp;

/**
 * A program of the scenario language in the differential tester's own model: what the {@link ProgramGenerator} makes,
 * the {@link ReferenceInterpreter} runs and the {@link Shrinker} cuts down. {@link #toYaml} writes it as a scenario
 * file, the only way it reaches r2rlab (the parser, the validator, the emitter), so the interpreter never sees
 * r2rlab's own tree. Immutable; the shrinker makes changed copies.
 */
record Program(String module, List<Type> types, List<Root> roots) {
    Program {
        types = List.copyOf(types);
        roots = List.copyOf(roots);
    }

    /** A type: {@code Ns.Name} or nested {@code Ns.Outer+Inner}. */
    record Type(String name, List<Method> methods) {
        Type {
            methods = List.copyOf(methods);
        }
    }

    /**
     * A method; {@code params} are the declared ones as the scenario writes them ({@code a}, or {@code Box b} for a
     * reference), without the implicit {@code this} of an instance method; {@code returns} is {@code int}, {@code void}
     * or a reference type ({@code Box}, {@code Pair}, {@code object}).
     */
    record Method(String name, boolean isStatic, boolean isAsync, List<String> params, String returns, boolean tier1,
                  List<Stmt> body) {
        Method {
            params = List.copyOf(params);
            body = List.copyOf(body);
        }

        Method(String name, boolean isStatic, boolean isAsync, List<String> params, boolean returnsInt, boolean tier1,
               List<Stmt> body) {
            this(name, isStatic, isAsync, params, returnsInt ? "int" : "void", tier1, body);
        }

        /** Whether the method returns a value (an integer or a reference). */
        boolean returnsInt() {
            return !returns.equals("void");
        }

        /** Every parameter's name in argument order, {@code this} first for an instance method. */
        List<String> allParams() {
            List<String> all = new ArrayList<>();
            if (!isStatic) {
                all.add("this");
            }
            for (String p : params) {
                all.add(p.substring(p.lastIndexOf(' ') + 1));
            }
            return all;
        }

        /** Arguments a call passes, the receiver of an instance method included. */
        int arity() {
            return params.size() + (isStatic ? 0 : 1);
        }

        Method withBody(List<Stmt> newBody) {
            return new Method(name, isStatic, isAsync, params, returns, tier1, newBody);
        }
    }

    /** A method named as a call names it: {@code Type.Method} with its argument count (overloads differ in it). */
    record Target(String type, String method, int arity) {
        String written() {
            return type + "." + method;
        }
    }

    /** A static method the tester runs, with its arguments. */
    record Root(Target target, List<Long> args) {
        Root {
            args = List.copyOf(args);
        }
    }

    sealed interface Stmt {
    }

    /** {@code var name = init}, or {@code var name: type = init} when {@code type} is not null. */
    record Var(String name, String type, Expr init) implements Stmt {
        Var(String name, Expr init) {
            this(name, null, init);
        }
    }

    /** {@code object.field = value}. */
    record SetField(Expr object, String field, Expr value) implements Stmt {
    }

    record Assign(String name, Expr value) implements Stmt {
    }

    /** {@code otherwise} empty: no else; a single If in it is written {@code } else if}. */
    record If(Expr cond, List<Stmt> then, List<Stmt> otherwise) implements Stmt {
        If {
            then = List.copyOf(then);
            otherwise = List.copyOf(otherwise);
        }
    }

    record While(Expr cond, List<Stmt> body) implements Stmt {
        While {
            body = List.copyOf(body);
        }
    }

    /** {@code value} null in a void method. */
    record Return(Expr value) implements Stmt {
    }

    /** {@code code} null: a bare {@code throw}, inside a catch block only, rethrowing what it caught. */
    record Throw(Expr code) implements Stmt {
    }

    /**
     * {@code try { body } catch v { handler } finally { fin }}: {@code handler} null without a catch ({@code variable}
     * null for {@code catch {}}), {@code fin} null without a finally; one of the two is present.
     */
    record Try(List<Stmt> body, String variable, List<Stmt> handler, List<Stmt> fin) implements Stmt {
        Try {
            body = List.copyOf(body);
            handler = handler == null ? null : List.copyOf(handler);
            fin = fin == null ? null : List.copyOf(fin);
            if (handler == null && fin == null) {
                throw new IllegalArgumentException("a try needs a catch or a finally");
            }
        }
    }

    record GcPoint() implements Stmt {
    }

    /** A call, an await or {@code await yield} for its effect. */
    record Eval(Expr expr) implements Stmt {
    }

    /** {@code tailcall cell T.M(args)}. */
    record TailCall(Target target, List<Expr> args) implements Stmt {
        TailCall {
            args = List.copyOf(args);
        }
    }

    sealed interface Expr {
    }

    record Lit(long value) implements Expr {
    }

    record Ref(String name) implements Expr {
    }

    record This() implements Expr {
    }

    record Null() implements Expr {
    }

    /** {@code new Box(v)} / {@code new Pair(a, b)}. */
    record New(String type, List<Expr> args) implements Expr {
        New {
            args = List.copyOf(args);
        }
    }

    /** {@code object.field}. */
    record Field(Expr object, String field) implements Expr {
    }

    record Bin(BinaryOp op, Expr left, Expr right) implements Expr {
    }

    record Un(UnaryOp op, Expr operand) implements Expr {
    }

    /** {@code call [cell] T.M(args)}. */
    record Call(boolean cell, Target target, List<Expr> args) implements Expr {
        Call {
            args = List.copyOf(args);
        }
    }

    /** {@code await [cell] T.M(args)}. */
    record Await(boolean cell, Target target, List<Expr> args) implements Expr {
        Await {
            args = List.copyOf(args);
        }
    }

    /** {@code await yield}: a statement only. */
    record Yield() implements Expr {
    }

    /** The method {@code t} names, or null. */
    Method method(Target t) {
        for (Type type : types) {
            if (type.name().equals(t.type())) {
                for (Method m : type.methods()) {
                    if (m.name().equals(t.method()) && m.arity() == t.arity()) {
                        return m;
                    }
                }
            }
        }
        return null;
    }

    /** The type declaring {@code m} (by identity). */
    Type typeOf(Method m) {
        for (Type type : types) {
            for (Method x : type.methods()) {
                if (x == m) {
                    return type;
                }
            }
        }
        throw new IllegalArgumentException("not a method of this program: " + m.name());
    }

    // ------------------------------------------------------------------------------------------
    // The scenario file

    /** The scenario file (docs/scenario-format.md). */
    String toYaml() {
        StringBuilder y = new StringBuilder();
        y.append("module: ").append(module).append('\n');
        y.append("types:\n");
        for (Type t : types) {
            y.append("  - name: ").append(t.name()).append('\n');
            if (t.methods().isEmpty()) {
                continue;
            }
            y.append("    methods:\n");
            for (Method m : t.methods()) {
                y.append("      - name: ").append(m.name()).append('\n');
                if (!m.isStatic()) {
                    y.append("        static: false\n");
                }
                if (m.isAsync()) {
                    y.append("        async: true\n");
                }
                if (!m.params().isEmpty()) {
                    y.append("        params: [").append(String.join(", ", m.params())).append("]\n");
                }
                if (m.returnsInt()) {
                    y.append("        returns: ").append(m.returns()).append('\n');
                }
                if (m.tier1()) {
                    y.append("        tier1: true\n");
                }
                if (!m.body().isEmpty()) {
                    y.append("        body: |\n");
                    Writer w = new Writer(y, t.name());
                    w.block(m.body(), 10);
                }
            }
        }
        return y.toString();
    }

    /** Writes statements and expressions as the body language spells them, parentheses only where precedence needs them. */
    private static final class Writer {
        private final StringBuilder out;
        private final String currentType;

        Writer(StringBuilder out, String currentType) {
            this.out = out;
            this.currentType = currentType;
        }

        void block(List<Stmt> stmts, int indent) {
            for (Stmt s : stmts) {
                stmt(s, indent);
            }
        }

        private void line(int indent, String text) {
            out.append(" ".repeat(indent)).append(text).append('\n');
        }

        private void stmt(Stmt s, int indent) {
            if (s instanceof Var v) {
                line(indent, "var " + v.name() + (v.type() == null ? "" : ": " + v.type()) + " = " + expr(v.init()));
            } else if (s instanceof SetField f) {
                line(indent, expr(f.object(), PRIMARY) + "." + f.field() + " = " + expr(f.value()));
            } else if (s instanceof Assign a) {
                line(indent, a.name() + " = " + expr(a.value()));
            } else if (s instanceof If f) {
                ifChain(f, indent, "if ");
            } else if (s instanceof While w) {
                line(indent, "while " + expr(w.cond()) + " {");
                block(w.body(), indent + 2);
                line(indent, "}");
            } else if (s instanceof Return r) {
                line(indent, r.value() == null ? "return" : "return " + expr(r.value()));
            } else if (s instanceof Throw t) {
                line(indent, t.code() == null ? "throw" : "throw " + expr(t.code()));
            } else if (s instanceof Try t) {
                line(indent, "try {");
                block(t.body(), indent + 2);
                if (t.handler() != null) {
                    line(indent, "} catch " + (t.variable() == null ? "" : t.variable() + " ") + "{");
                    block(t.handler(), indent + 2);
                }
                if (t.fin() != null) {
                    line(indent, "} finally {");
                    block(t.fin(), indent + 2);
                }
                line(indent, "}");
            } else if (s instanceof GcPoint) {
                line(indent, "gcpoint");
            } else if (s instanceof Eval e) {
                line(indent, expr(e.expr()));
            } else if (s instanceof TailCall t) {
                line(indent, "tailcall cell " + name(t.target()) + args(t.args()));
            }
        }

        private void ifChain(If f, int indent, String keyword) {
            out.append(" ".repeat(keyword.equals("if ") ? indent : 0)).append(keyword).append(expr(f.cond())).append(" {\n");
            block(f.then(), indent + 2);
            if (f.otherwise().isEmpty()) {
                line(indent, "}");
            } else if (f.otherwise().size() == 1 && f.otherwise().get(0) instanceof If elseIf) {
                out.append(" ".repeat(indent)).append("} ");
                ifChain(elseIf, indent, "else if ");
            } else {
                line(indent, "} else {");
                block(f.otherwise(), indent + 2);
                line(indent, "}");
            }
        }

        /** A bare method name for the current type now and then: both resolve the same. */
        private String name(Target t) {
            return t.type().equals(currentType) && (t.method().hashCode() & 1) == 0 ? t.method() : t.written();
        }

        private String args(List<Expr> args) {
            List<String> parts = new ArrayList<>();
            for (Expr a : args) {
                parts.add(expr(a));
            }
            return "(" + String.join(", ", parts) + ")";
        }

        String expr(Expr e) {
            return expr(e, 0);
        }

        /** {@code e} in a context that binds at {@code minPrecedence}: parenthesised when it binds looser. */
        private String expr(Expr e, int minPrecedence) {
            String text = plain(e);
            return precedence(e) < minPrecedence ? "(" + text + ")" : text;
        }

        private String plain(Expr e) {
            if (e instanceof Lit l) {
                return literal(l.value());
            } else if (e instanceof Ref r) {
                return r.name();
            } else if (e instanceof This) {
                return "this";
            } else if (e instanceof Null) {
                return "null";
            } else if (e instanceof New n) {
                return "new " + n.type() + args(n.args());
            } else if (e instanceof Field f) {
                return expr(f.object(), PRIMARY) + "." + f.field();
            } else if (e instanceof Bin b) {
                int p = precedence(b.op());
                // left-associative: the right operand needs parentheses at the same precedence
                return expr(b.left(), p) + " " + symbol(b.op()) + " " + expr(b.right(), p + 1);
            } else if (e instanceof Un u) {
                String operand = expr(u.operand(), UNARY);
                // "- 5" would read as the literal -5 (the same value); "--x" reads as two negations
                return (u.op() == UnaryOp.NEG ? "-" : "!") + operand;
            } else if (e instanceof Call c) {
                return "call " + (c.cell() ? "cell " : "") + name(c.target()) + args(c.args());
            } else if (e instanceof Await a) {
                return "await " + (a.cell() ? "cell " : "") + name(a.target()) + args(a.args());
            } else if (e instanceof Yield) {
                return "await yield";
            }
            throw new IllegalArgumentException(Objects.toString(e));
        }

        /** Decimal, or now and then hexadecimal (the 64-bit pattern). */
        private static String literal(long v) {
            if (v != 0 && (v & 0xF) == 0xF) {
                return "0x" + Long.toHexString(v).toUpperCase();
            }
            return Long.toString(v);
        }
    }

    private static final int UNARY = 7;
    private static final int PRIMARY = 8;

    private static int precedence(Expr e) {
        if (e instanceof Bin b) {
            return precedence(b.op());
        }
        if (e instanceof Un) {
            return UNARY;
        }
        if (e instanceof Lit l && l.value() < 0) {
            return UNARY; // written with a leading minus
        }
        return PRIMARY;
    }

    /** docs/scenario-format.md, lowest first: || && (== !=) (< <= > >=) (+ -) (* / %). */
    static int precedence(BinaryOp op) {
        return switch (op) {
            case OR -> 1;
            case AND -> 2;
            case EQ, NE -> 3;
            case LT, LE, GT, GE -> 4;
            case ADD, SUB -> 5;
            case MUL, DIV, REM -> 6;
        };
    }

    static String symbol(BinaryOp op) {
        return switch (op) {
            case OR -> "||";
            case AND -> "&&";
            case EQ -> "==";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            case ADD -> "+";
            case SUB -> "-";
            case MUL -> "*";
            case DIV -> "/";
            case REM -> "%";
        };
    }
}
