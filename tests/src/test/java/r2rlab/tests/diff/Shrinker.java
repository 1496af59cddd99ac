package r2rlab.tests.diff;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import r2rlab.tests.diff.Program.Assign;
import r2rlab.tests.diff.Program.Await;
import r2rlab.tests.diff.Program.Bin;
import r2rlab.tests.diff.Program.Call;
import r2rlab.tests.diff.Program.Eval;
import r2rlab.tests.diff.Program.Expr;
import r2rlab.tests.diff.Program.If;
import r2rlab.tests.diff.Program.Lit;
import r2rlab.tests.diff.Program.Method;
import r2rlab.tests.diff.Program.Return;
import r2rlab.tests.diff.Program.Root;
import r2rlab.tests.diff.Program.Stmt;
import r2rlab.tests.diff.Program.TailCall;
import r2rlab.tests.diff.Program.Throw;
import r2rlab.tests.diff.Program.Type;
import r2rlab.tests.diff.Program.Un;
import r2rlab.tests.diff.Program.Var;
import r2rlab.tests.diff.Program.While;

/**
 * Cuts a failing program down to a smallest one that still fails: greedily, it keeps any single change after which
 * the program still fails, and stops when no change does (or after a number of tries). Changes, largest first: keep one
 * root, drop a method, drop chunks of a method's statements (halves, quarters, ... single ones), then anywhere in a
 * body: drop a statement; replace an if or a loop by one of its blocks; replace an expression by 0, 1 or one of its
 * operands; last, a root's argument by 0. A change that leaves an invalid program (an unknown variable, a call of a dropped
 * method) fails to compile, which the predicate reports as "does not fail the same way", so it is not kept.
 */
final class Shrinker {
    private final Predicate<Program> stillFails;
    private final int maxTries;
    private int tries;

    /** @param stillFails whether a candidate fails as the original did (false for an invalid candidate) */
    Shrinker(Predicate<Program> stillFails, int maxTries) {
        this.stillFails = stillFails;
        this.maxTries = maxTries;
    }

    /** Candidates tried so far. */
    int tries() {
        return tries;
    }

    /**
     * Passes over the stages of changes, largest first, until a whole round keeps none. Within a stage a kept change
     * does not restart it from its first candidate: the candidates before it failed and most still do, so the search
     * goes on from the same position of the changed program.
     */
    Program shrink(Program p) {
        boolean changed = true;
        while (changed && tries < maxTries) {
            changed = false;
            for (Function<Program, Iterator<Program>> stage : STAGES) {
                int position = 0;
                boolean kept = true;
                while (kept && tries < maxTries) {
                    kept = false;
                    Iterator<Program> it = stage.apply(p);
                    for (int skip = 0; skip < position && it.hasNext(); skip++) {
                        it.next();
                    }
                    while (it.hasNext() && tries < maxTries) {
                        Program candidate = it.next();
                        tries++;
                        if (stillFails.test(candidate)) {
                            p = candidate;
                            kept = true;
                            changed = true;
                            break;
                        }
                        position++;
                    }
                }
            }
        }
        return p;
    }

    /** The stages of changes, largest first. */
    private static final List<Function<Program, Iterator<Program>>> STAGES = List.of(
            p -> p.roots().size() < 2 ? Collections.emptyIterator()
                    : map(p.roots().iterator(), root -> new Program(p.module(), p.types(), List.of(root))),
            p -> map(methods(p).iterator(), tm -> withoutMethod(p, tm[0], tm[1])),
            p -> bodies(p, Shrinker::chunksRemoved),
            p -> bodies(p, b -> everywhere(b, Shrinker::dropped)),
            p -> bodies(p, b -> everywhere(b, Shrinker::unwrapped)),
            p -> bodies(p, b -> everywhere(b, Shrinker::simplified)),
            p -> flatMap(indices(p.roots().size()), k -> zeroedArguments(p, k)));

    /** The program with each method's body changed by {@code change}, one change at a time. */
    private static Iterator<Program> bodies(Program p, Function<List<Stmt>, Iterator<List<Stmt>>> change) {
        return flatMap(methods(p).iterator(), tm -> map(change.apply(body(p, tm)), b -> withBody(p, tm[0], tm[1], b)));
    }

    /** {type index, method index} of every method. */
    private static List<int[]> methods(Program p) {
        List<int[]> out = new ArrayList<>();
        for (int t = 0; t < p.types().size(); t++) {
            for (int m = 0; m < p.types().get(t).methods().size(); m++) {
                out.add(new int[] {t, m});
            }
        }
        return out;
    }

    private static List<Stmt> body(Program p, int[] tm) {
        return p.types().get(tm[0]).methods().get(tm[1]).body();
    }

    /** The body without a chunk of its statements: halves, then quarters, ... then single statements. */
    private static Iterator<List<Stmt>> chunksRemoved(List<Stmt> body) {
        List<Integer> sizes = new ArrayList<>();
        for (int chunk = Integer.highestOneBit(Math.max(1, body.size())); chunk >= 1; chunk /= 2) {
            sizes.add(chunk);
        }
        return flatMap(sizes.iterator(), chunk -> map(indices((body.size() - chunk) / chunk + 1), k -> {
            int at = k * chunk;
            List<Stmt> cut = new ArrayList<>(body.subList(0, at));
            cut.addAll(body.subList(Math.min(body.size(), at + chunk), body.size()));
            return cut;
        }));
    }

    private static Iterator<Program> zeroedArguments(Program p, int k) {
        Root root = p.roots().get(k);
        List<Program> out = new ArrayList<>();
        for (int a = 0; a < root.args().size(); a++) {
            if (root.args().get(a) != 0) {
                List<Long> args = new ArrayList<>(root.args());
                args.set(a, 0L);
                List<Root> roots = new ArrayList<>(p.roots());
                roots.set(k, new Root(root.target(), args));
                out.add(new Program(p.module(), p.types(), roots));
            }
        }
        return out.iterator();
    }

    private static Program withoutMethod(Program p, int t, int m) {
        List<Type> types = new ArrayList<>(p.types());
        List<Method> methods = new ArrayList<>(types.get(t).methods());
        methods.remove(m);
        types.set(t, new Type(types.get(t).name(), methods));
        return new Program(p.module(), types, p.roots());
    }

    private static Program withBody(Program p, int t, int m, List<Stmt> body) {
        List<Type> types = new ArrayList<>(p.types());
        List<Method> methods = new ArrayList<>(types.get(t).methods());
        methods.set(m, methods.get(m).withBody(body));
        types.set(t, new Type(types.get(t).name(), methods));
        return new Program(p.module(), types, p.roots());
    }

    // ------------------------------------------------------------------------------------------
    // Single changes inside a body

    /** The block with one statement, at any depth, replaced by one of what {@code local} makes of it. */
    static Iterator<List<Stmt>> everywhere(List<Stmt> block, Function<Stmt, Iterator<List<Stmt>>> local) {
        return concat(
                () -> flatMap(indices(block.size()), i -> map(local.apply(block.get(i)), replacement -> splice(block, i, replacement))),
                () -> flatMap(indices(block.size()), i -> map(inside(block.get(i), local), s -> splice(block, i, List.of(s)))));
    }

    /** The statement with one change in a block it contains. */
    private static Iterator<Stmt> inside(Stmt s, Function<Stmt, Iterator<List<Stmt>>> local) {
        if (s instanceof If f) {
            return concat(() -> map(everywhere(f.then(), local), b -> new If(f.cond(), b, f.otherwise())),
                    () -> map(everywhere(f.otherwise(), local), b -> new If(f.cond(), f.then(), b)));
        }
        if (s instanceof While w) {
            return map(everywhere(w.body(), local), b -> new While(w.cond(), b));
        }
        return Collections.emptyIterator();
    }

    private static List<Stmt> splice(List<Stmt> block, int i, List<Stmt> replacement) {
        List<Stmt> b = new ArrayList<>(block.subList(0, i));
        b.addAll(replacement);
        b.addAll(block.subList(i + 1, block.size()));
        return b;
    }

    private static Iterator<List<Stmt>> dropped(Stmt s) {
        return List.<List<Stmt>>of(List.of()).iterator();
    }

    /** An if by one of its branches or without its else, a loop by its body. */
    private static Iterator<List<Stmt>> unwrapped(Stmt s) {
        if (s instanceof If f) {
            return f.otherwise().isEmpty() ? List.of(f.then()).iterator()
                    : List.of(f.then(), f.otherwise(), List.<Stmt>of(new If(f.cond(), f.then(), List.of()))).iterator();
        }
        if (s instanceof While w) {
            return List.of(w.body()).iterator();
        }
        return Collections.emptyIterator();
    }

    /** The statement with one of its expressions simpler. */
    private static Iterator<List<Stmt>> simplified(Stmt s) {
        Iterator<Stmt> out = Collections.emptyIterator();
        if (s instanceof If f) {
            out = map(exprVariants(f.cond()), c -> new If(c, f.then(), f.otherwise()));
        } else if (s instanceof While w) {
            out = map(exprVariants(w.cond()), c -> new While(c, w.body()));
        } else if (s instanceof Var v) {
            out = map(exprVariants(v.init()), e -> new Var(v.name(), e));
        } else if (s instanceof Assign a) {
            out = map(exprVariants(a.value()), e -> new Assign(a.name(), e));
        } else if (s instanceof Return r && r.value() != null) {
            out = map(exprVariants(r.value()), e -> new Return(e));
        } else if (s instanceof Throw t) {
            out = map(exprVariants(t.code()), e -> new Throw(e));
        } else if (s instanceof Eval e && (e.expr() instanceof Call || e.expr() instanceof Await)) {
            out = map(callVariants(e.expr()), x -> new Eval(x));
        } else if (s instanceof TailCall t) {
            out = map(argVariants(t.args()), args -> new TailCall(t.target(), args));
        }
        return map(out, List::of);
    }

    /** What an expression may become: 0, 1, one of its operands, or itself with one change inside. */
    private static Iterator<Expr> exprVariants(Expr e) {
        List<Supplier<Iterator<Expr>>> parts = new ArrayList<>();
        if (!(e instanceof Lit l && (l.value() == 0 || l.value() == 1))) {
            parts.add(() -> List.<Expr>of(new Lit(0), new Lit(1)).iterator());
        }
        if (e instanceof Bin b) {
            parts.add(() -> List.of(b.left(), b.right()).iterator());
            parts.add(() -> map(exprVariants(b.left()), x -> new Bin(b.op(), x, b.right())));
            parts.add(() -> map(exprVariants(b.right()), x -> new Bin(b.op(), b.left(), x)));
        } else if (e instanceof Un u) {
            parts.add(() -> List.of(u.operand()).iterator());
            parts.add(() -> map(exprVariants(u.operand()), x -> new Un(u.op(), x)));
        } else if (e instanceof Call || e instanceof Await) {
            parts.add(() -> callVariants(e));
        }
        return concat(parts);
    }

    /** A call or await with one argument changed, or with the other kind of call (direct / through a cell). */
    private static Iterator<Expr> callVariants(Expr e) {
        if (e instanceof Call c) {
            return concat(List.of(() -> map(argVariants(c.args()), args -> new Call(c.cell(), c.target(), args)),
                    () -> List.<Expr>of(new Call(!c.cell(), c.target(), c.args())).iterator()));
        }
        Await a = (Await) e;
        return concat(List.of(() -> map(argVariants(a.args()), args -> new Await(a.cell(), a.target(), args)),
                () -> List.<Expr>of(new Await(!a.cell(), a.target(), a.args())).iterator()));
    }

    private static Iterator<List<Expr>> argVariants(List<Expr> args) {
        return flatMap(indices(args.size()), i -> map(exprVariants(args.get(i)), x -> {
            List<Expr> a = new ArrayList<>(args);
            a.set(i, x);
            return a;
        }));
    }

    // ------------------------------------------------------------------------------------------
    // Lazy iterators: a body of 2,000 statements has tens of thousands of variants, made one at a time

    private static Iterator<Integer> indices(int n) {
        return IntStream.range(0, Math.max(0, n)).iterator();
    }

    private static <A, B> Iterator<B> map(Iterator<A> in, Function<A, B> f) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return in.hasNext();
            }

            @Override
            public B next() {
                return f.apply(in.next());
            }
        };
    }

    private static <A, B> Iterator<B> flatMap(Iterator<A> outer, Function<A, Iterator<B>> f) {
        return new Iterator<>() {
            private Iterator<B> inner = Collections.emptyIterator();

            @Override
            public boolean hasNext() {
                while (!inner.hasNext() && outer.hasNext()) {
                    inner = f.apply(outer.next());
                }
                return inner.hasNext();
            }

            @Override
            public B next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return inner.next();
            }
        };
    }

    @SafeVarargs
    private static <T> Iterator<T> concat(Supplier<Iterator<T>>... parts) {
        return concat(List.of(parts));
    }

    private static <T> Iterator<T> concat(List<Supplier<Iterator<T>>> parts) {
        return flatMap(parts.iterator(), Supplier::get);
    }
}
