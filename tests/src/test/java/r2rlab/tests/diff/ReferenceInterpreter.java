package r2rlab.tests.diff;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.tests.diff.Program.Assign;
import r2rlab.tests.diff.Program.Await;
import r2rlab.tests.diff.Program.Bin;
import r2rlab.tests.diff.Program.Call;
import r2rlab.tests.diff.Program.Eval;
import r2rlab.tests.diff.Program.Expr;
import r2rlab.tests.diff.Program.Field;
import r2rlab.tests.diff.Program.GcPoint;
import r2rlab.tests.diff.Program.If;
import r2rlab.tests.diff.Program.Lit;
import r2rlab.tests.diff.Program.Method;
import r2rlab.tests.diff.Program.New;
import r2rlab.tests.diff.Program.Null;
import r2rlab.tests.diff.Program.Ref;
import r2rlab.tests.diff.Program.Return;
import r2rlab.tests.diff.Program.SetField;
import r2rlab.tests.diff.Program.Stmt;
import r2rlab.tests.diff.Program.TailCall;
import r2rlab.tests.diff.Program.Target;
import r2rlab.tests.diff.Program.This;
import r2rlab.tests.diff.Program.Throw;
import r2rlab.tests.diff.Program.Try;
import r2rlab.tests.diff.Program.Un;
import r2rlab.tests.diff.Program.Var;
import r2rlab.tests.diff.Program.While;
import r2rlab.tests.diff.Program.Yield;

/**
 * The scenario language as docs/scenario-format.md defines it, interpreted over the tester's own {@link Program}: every
 * value a signed 64-bit integer with wrapping arithmetic; {@code /} and {@code %} truncate as in C#, {@code MIN / -1}
 * wraps and {@code MIN % -1} is 0, a zero divisor throws -2 (the runtime's DivideByZeroException); comparisons,
 * {@code !}, {@code &&} and {@code ||} give 0 or 1, the last two short-circuit; operands and arguments are evaluated
 * left to right; {@code throw} ends the run with its integer unless a catch takes it (try/catch/finally as in C#); an await is a call of the async method, {@code await yield} only lets others run, and since methods share no state
 * their order cannot change a result; a tail call returns what its target returns. A void method's value is 0, as a
 * void method's Task result is. A reference is the number of its object (1, 2, ... in allocation order; 0 is
 * {@code null}), so {@code ==} and {@code !=} compare identities; {@code this} is the receiver, the first argument;
 * {@code new Box(v)} / {@code new Pair(a, b)} make an object with its fields in order ({@code value}; {@code first},
 * {@code second}); a field of {@code null} throws -3 (the runtime's NullReferenceException).
 */
final class ReferenceInterpreter {
    /** How a run ends: a value, or the code of the exception nothing caught. */
    sealed interface Outcome {
    }

    record Returned(long value) implements Outcome {
    }

    record Threw(long code) implements Outcome {
    }

    /** The program ran longer than its budget: the generator made a program too slow to test, not a wrong one. */
    static final class BudgetExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BudgetExceeded() {
            super("step budget exceeded", null, false, false);
        }
    }

    /** The code of DivideByZeroException as the runtime's ThrowDivZero raises it. */
    static final long DIVIDE_BY_ZERO = -2;
    /** The code of NullReferenceException as the runtime's ThrowNullRef raises it. */
    static final long NULL_REFERENCE = -3;

    /** A throw (its code travels up to the run) or a return (its value travels up to the method's frame). */
    private static final class Unwinding extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean isThrow;
        final long value;

        Unwinding(boolean isThrow, long value) {
            super(null, null, false, false);
            this.isThrow = isThrow;
            this.value = value;
        }
    }

    private final Program program;
    private final long budget;
    /** The codes the catch blocks being run caught, innermost first (a bare throw rethrows the first). */
    private final Deque<Long> caught = new ArrayDeque<>();
    /** The objects: reference k is {@code heap.get(k - 1)}, its fields in order. */
    private final List<long[]> heap = new ArrayList<>();
    private long steps;
    private int depth;
    private int maxDepth;

    ReferenceInterpreter(Program program, long budget) {
        this.program = program;
        this.budget = budget;
    }

    /** Runs {@code target} with {@code args}. */
    Outcome run(Target target, List<Long> args) {
        steps = 0;
        maxDepth = 0;
        heap.clear();
        long[] a = new long[args.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = args.get(i);
        }
        try {
            return new Returned(invoke(target, a));
        } catch (Unwinding t) {
            return new Threw(t.value); // a return never gets past its method
        }
    }

    /** Statements and calls the last run took. */
    long steps() {
        return steps;
    }

    /** The deepest chain of calls the last run made. */
    int maxDepth() {
        return maxDepth;
    }

    private void step() {
        if (++steps > budget) {
            throw new BudgetExceeded();
        }
    }

    private long invoke(Target target, long[] args) {
        Method m = program.method(target);
        if (m == null) {
            throw new IllegalStateException("no method " + target);
        }
        step();
        depth++;
        maxDepth = Math.max(maxDepth, depth);
        try {
            Map<String, Long> vars = new HashMap<>();
            List<String> params = m.allParams();
            for (int i = 0; i < params.size(); i++) {
                vars.put(params.get(i), args[i]);
            }
            try {
                block(m.body(), vars);
            } catch (Unwinding r) {
                if (r.isThrow) {
                    throw r;
                }
                return m.returnsInt() ? r.value : 0;
            }
            return 0;
        } finally {
            depth--;
        }
    }

    /** A block: the variables it declares go out of scope at its end. */
    private void block(List<Stmt> stmts, Map<String, Long> vars) {
        List<String> declared = new ArrayList<>();
        try {
            for (Stmt s : stmts) {
                stmt(s, vars, declared);
            }
        } finally {
            declared.forEach(vars::remove);
        }
    }

    private void stmt(Stmt s, Map<String, Long> vars, List<String> declared) {
        step();
        if (s instanceof Var v) {
            vars.put(v.name(), eval(v.init(), vars));
            declared.add(v.name());
        } else if (s instanceof SetField f) {
            long object = eval(f.object(), vars);
            long value = eval(f.value(), vars);
            object(object)[fieldIndex(f.field())] = value;
        } else if (s instanceof Assign a) {
            long value = eval(a.value(), vars);
            if (!vars.containsKey(a.name())) {
                throw new IllegalStateException("assignment to unknown variable " + a.name());
            }
            vars.put(a.name(), value);
        } else if (s instanceof If f) {
            block(eval(f.cond(), vars) != 0 ? f.then() : f.otherwise(), vars);
        } else if (s instanceof While w) {
            while (eval(w.cond(), vars) != 0) {
                step();
                block(w.body(), vars);
            }
        } else if (s instanceof Return r) {
            throw new Unwinding(false, r.value() == null ? 0 : eval(r.value(), vars));
        } else if (s instanceof Throw t) {
            throw new Unwinding(true, t.code() == null ? caught.peek() : eval(t.code(), vars));
        } else if (s instanceof Try t) {
            tryStmt(t, vars);
        } else if (s instanceof GcPoint) {
            // a GC-safe point changes nothing the program can see
        } else if (s instanceof Eval e) {
            eval(e.expr(), vars);
        } else if (s instanceof TailCall t) {
            throw new Unwinding(false, invoke(t.target(), evalArgs(t.args(), vars)));
        } else {
            throw new IllegalArgumentException("unknown statement " + s);
        }
    }

    /**
     * try/catch/finally as C# runs them: the catch block gets a throw of the try block (not a return), its variable
     * holding the code; the finally block runs after either on every way out, a throw or return going on after it.
     */
    private void tryStmt(Try t, Map<String, Long> vars) {
        try {
            try {
                block(t.body(), vars);
            } catch (Unwinding u) {
                if (!u.isThrow || t.handler() == null) {
                    throw u;
                }
                caught.push(u.value);
                try {
                    if (t.variable() != null) {
                        vars.put(t.variable(), u.value);
                    }
                    block(t.handler(), vars);
                } finally {
                    caught.pop();
                    if (t.variable() != null) {
                        vars.remove(t.variable());
                    }
                }
            }
        } finally {
            if (t.fin() != null) {
                block(t.fin(), vars);
            }
        }
    }

    private long[] evalArgs(List<Expr> args, Map<String, Long> vars) {
        long[] out = new long[args.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = eval(args.get(i), vars);
        }
        return out;
    }

    private long eval(Expr e, Map<String, Long> vars) {
        if (e instanceof Lit l) {
            return l.value();
        } else if (e instanceof Ref r) {
            Long v = vars.get(r.name());
            if (v == null) {
                throw new IllegalStateException("unknown variable " + r.name());
            }
            return v;
        } else if (e instanceof This) {
            return vars.get("this");
        } else if (e instanceof Null) {
            return 0;
        } else if (e instanceof New n) {
            heap.add(evalArgs(n.args(), vars));
            return heap.size();
        } else if (e instanceof Field f) {
            return object(eval(f.object(), vars))[fieldIndex(f.field())];
        } else if (e instanceof Un u) {
            long v = eval(u.operand(), vars);
            return switch (u.op()) {
                case NEG -> -v;
                case NOT -> v == 0 ? 1 : 0;
            };
        } else if (e instanceof Bin b) {
            return binary(b, vars);
        } else if (e instanceof Call c) {
            return invoke(c.target(), evalArgs(c.args(), vars));
        } else if (e instanceof Await a) {
            return invoke(a.target(), evalArgs(a.args(), vars));
        } else if (e instanceof Yield) {
            return 0;
        }
        throw new IllegalArgumentException("unknown expression " + e);
    }

    /** The fields of the object {@code reference} refers to; null throws NullReferenceException. */
    private long[] object(long reference) {
        if (reference == 0) {
            throw new Unwinding(true, NULL_REFERENCE);
        }
        return heap.get((int) reference - 1);
    }

    /** A field's position in its object: Box.value, Pair.first are 0, Pair.second is 1. */
    private static int fieldIndex(String field) {
        return field.equals("second") ? 1 : 0;
    }

    private long binary(Bin b, Map<String, Long> vars) {
        long l = eval(b.left(), vars);
        if (b.op() == BinaryOp.AND) {
            return l != 0 && eval(b.right(), vars) != 0 ? 1 : 0;
        }
        if (b.op() == BinaryOp.OR) {
            return l != 0 || eval(b.right(), vars) != 0 ? 1 : 0;
        }
        long r = eval(b.right(), vars);
        return switch (b.op()) {
            case ADD -> l + r;
            case SUB -> l - r;
            case MUL -> l * r;
            case DIV -> {
                if (r == 0) {
                    throw new Unwinding(true, DIVIDE_BY_ZERO);
                }
                yield l / r; // Java truncates, and Long.MIN_VALUE / -1 wraps
            }
            case REM -> {
                if (r == 0) {
                    throw new Unwinding(true, DIVIDE_BY_ZERO);
                }
                yield l % r;
            }
            case EQ -> l == r ? 1 : 0;
            case NE -> l != r ? 1 : 0;
            case LT -> l < r ? 1 : 0;
            case LE -> l <= r ? 1 : 0;
            case GT -> l > r ? 1 : 0;
            case GE -> l >= r ? 1 : 0;
            default -> throw new IllegalArgumentException("operator " + b.op());
        };
    }
}
