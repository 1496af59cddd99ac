package r2rlab.emitter.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** Expressions: of a 64-bit integer or of a reference ({@link VarType}). Every node carries its 1-based file line. */
public sealed interface Expr {
    int line();

    /** An integer literal (decimal, 0x hex, or negative). */
    record IntLit(long value, int line) implements Expr {
    }

    /** A local variable or a parameter. */
    record VarRef(String name, int line) implements Expr {
        public VarRef {
            Objects.requireNonNull(name);
        }
    }

    /** The receiver of an instance method: a reference of type {@code object}. */
    record This(int line) implements Expr {
    }

    /** {@code null}: the reference to no object. */
    record Null(int line) implements Expr {
    }

    /** {@code new Box(v)} / {@code new Pair(a, b)}: a new object with its fields set from the arguments, in order. */
    record New(VarType type, List<Expr> args, int line) implements Expr {
        public New {
            Objects.requireNonNull(type);
            args = List.copyOf(args);
        }
    }

    /** {@code object.field}: a field of the object {@code object} refers to. */
    record Field(Expr object, String field, int line) implements Expr {
        public Field {
            Objects.requireNonNull(object);
            Objects.requireNonNull(field);
        }
    }

    record Binary(BinaryOp op, Expr left, Expr right, int line) implements Expr {
        public Binary {
            Objects.requireNonNull(op);
            Objects.requireNonNull(left);
            Objects.requireNonNull(right);
        }

        /**
         * This operator and the binary operators down its left operands, innermost first: {@code a + b - c} gives
         * [{@code a + b}, {@code (a + b) - c}]. Left-associative operators nest a chain without any parenthesis (a
         * 10,000-term sum is 10,000 deep), so passes over the tree walk it with a loop rather than by recursion.
         */
        public List<Binary> leftChain() {
            List<Binary> chain = new ArrayList<>();
            Expr e = this;
            while (e instanceof Binary b) {
                chain.add(b);
                e = b.left();
            }
            Collections.reverse(chain);
            return chain;
        }
    }

    record Unary(UnaryOp op, Expr operand, int line) implements Expr {
        public Unary {
            Objects.requireNonNull(op);
            Objects.requireNonNull(operand);
        }
    }

    /** {@code call T.M(args)} (DIRECT) or {@code call cell T.M(args)} (CELL) of a non-async method. */
    record Call(CallKind kind, CallTarget ref, List<Expr> args, int line) implements Expr {
        public Call {
            Objects.requireNonNull(kind);
            Objects.requireNonNull(ref);
            args = List.copyOf(args);
        }

        public MethodDecl target() {
            return ref.target();
        }
    }

    /**
     * {@code await [cell] T.M(args)} of an async method, or {@code await yield} ({@code isYield}, {@code ref} null,
     * kind DIRECT, no args; its value is void).
     */
    record Await(CallKind kind, CallTarget ref, List<Expr> args, boolean isYield, int line) implements Expr {
        public Await {
            Objects.requireNonNull(kind);
            args = List.copyOf(args);
            if (isYield != (ref == null)) {
                throw new IllegalArgumentException("await yield has no target; other awaits need one");
            }
        }

        /** The awaited method, or null for {@code await yield}. */
        public MethodDecl target() {
            return ref == null ? null : ref.target();
        }
    }
}
