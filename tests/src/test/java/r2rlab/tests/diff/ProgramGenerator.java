package r2rlab.tests.diff;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import r2rlab.emitter.scenario.BinaryOp;
import r2rlab.emitter.scenario.UnaryOp;
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
import r2rlab.tests.diff.Program.Root;
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
 * Valid scenario programs from a seed. Each has one to three static roots (sync or async, 0-12 parameters) and
 * methods they reach; calls only go to methods later in the list, so every program ends: recursion is a method's call
 * of itself with its first parameter {@code d} less by one, below a base case; loops count a fresh counter to a small
 * bound. Across seeds it covers nested control flow, 12-20 locals live across an await, awaits inside loops, an
 * async chain 5-10 deep whose last link may throw, bounded recursion (sync and async), 0-12 parameters (stack
 * arguments on x64 and ARM64), instance methods, direct and cell calls and awaits, tail calls through cells (with
 * stack arguments where the caller has as many), {@code await yield}, Tier1 versions and frames of many kilobytes.
 * A program the interpreter cannot finish within its step budget is drawn again from the next sub-seed.
 */
final class ProgramGenerator {
    /** Steps one root may take in the interpreter (the emulator runs every program twice, so they stay short). */
    static final long STEP_BUDGET = 2_500;
    private static final int MAX_ATTEMPTS = 50;
    private static final long[] EDGES = {0, 1, -1, 2, 3, 7, -7, 10, 100, 255, 0x7FFFFFFFL, -0x80000000L, Long.MAX_VALUE, Long.MIN_VALUE};

    private enum Role { ROOT, CHAIN, RECURSIVE, BIG, PLAIN }

    /** A method while its program is drawn: its signature first (calls need it), its body later. */
    private static final class Sig {
        String type;
        String name;
        boolean isStatic = true;
        boolean isAsync;
        boolean returnsInt = true;
        boolean tier1;
        List<String> params = new ArrayList<>();
        Role role = Role.PLAIN;
        int chainNext = -1;
        List<Stmt> body = List.of();

        int arity() {
            return params.size() + (isStatic ? 0 : 1);
        }

        Target target() {
            return new Target(type, name, arity());
        }
    }

    private final long seed;
    private Random r;
    /** Whether a statement becomes a try: its own stream, so that the draw of every other statement stays as it was. */
    private Random tryDraw;
    /** The draw of the statements about references (Boxes and Pairs), apart from the others as {@link #tryDraw} is. */
    private Random refDraw;
    private List<Sig> sigs;
    /** Whether the programs allocate and use objects (a receiver is then a Box, a Pair or null; else always null). */
    private final boolean objects;

    ProgramGenerator(long seed) {
        this(seed, true);
    }

    ProgramGenerator(long seed, boolean objects) {
        this.seed = seed;
        this.objects = objects;
    }

    /** The program of this seed: the first draw the interpreter finishes for every root within the budget. */
    Program generate() {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            r = new Random(seed * 1_000_003L + attempt);
            tryDraw = new Random(~(seed * 1_000_003L + attempt));
            refDraw = new Random(seed * 7_919L + attempt);
            Program p = draw();
            if (finishes(p)) {
                return p;
            }
        }
        throw new IllegalStateException("seed " + seed + ": no program within the step budget in " + MAX_ATTEMPTS + " draws");
    }

    static boolean finishes(Program p) {
        ReferenceInterpreter in = new ReferenceInterpreter(p, STEP_BUDGET);
        try {
            for (Root root : p.roots()) {
                in.run(root.target(), root.args());
                if (in.maxDepth() > 40) {
                    return false;
                }
            }
            return true;
        } catch (ReferenceInterpreter.BudgetExceeded e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------
    // The program's shape

    private Program draw() {
        sigs = new ArrayList<>();
        List<String> types = new ArrayList<>(List.of("Gen.T0"));
        if (r.nextBoolean()) {
            types.add("Gen.T0+Inner");
        }
        if (r.nextBoolean()) {
            types.add("Other.T1");
        }
        int roots = 1 + r.nextInt(3);
        boolean anyAsyncRoot = false;
        for (int k = 0; k < roots; k++) {
            Sig s = new Sig();
            s.name = "Main" + k;
            s.role = Role.ROOT;
            s.isAsync = r.nextInt(5) < 3;
            anyAsyncRoot |= s.isAsync;
            s.returnsInt = r.nextInt(8) != 0;
            s.params = params(paramCount());
            sigs.add(s);
        }
        List<Sig> others = new ArrayList<>();
        if (anyAsyncRoot && r.nextInt(10) < 7) {
            int length = 5 + r.nextInt(6);
            for (int k = 0; k < length; k++) {
                Sig s = new Sig();
                s.name = "Link" + k;
                s.role = Role.CHAIN;
                s.isAsync = true;
                s.returnsInt = k == length - 1 || r.nextInt(6) != 0;
                s.params = params(r.nextInt(k == 0 ? 4 : 13));
                others.add(s);
            }
        }
        if (r.nextBoolean()) {
            Sig s = new Sig();
            s.name = "Rec";
            s.role = Role.RECURSIVE;
            s.isAsync = anyAsyncRoot && r.nextBoolean();
            s.params = new ArrayList<>(List.of("d"));
            for (int k = 1, n = r.nextInt(5); k <= n; k++) {
                s.params.add("p" + k);
            }
            others.add(r.nextInt(Math.max(1, others.size() + 1)), s);
        }
        if (r.nextInt(8) == 0) {
            Sig s = new Sig();
            s.name = "Big";
            s.role = Role.BIG;
            s.isAsync = anyAsyncRoot && r.nextBoolean();
            s.params = params(1 + r.nextInt(3));
            others.add(r.nextInt(others.size() + 1), s);
        }
        int plain = 2 + r.nextInt(3);
        for (int k = 0; k < plain; k++) {
            Sig s = new Sig();
            s.name = "M" + k;
            s.isAsync = anyAsyncRoot && r.nextInt(5) < 2;
            s.returnsInt = r.nextInt(5) != 0;
            s.params = params(paramCount());
            others.add(r.nextInt(others.size() + 1), s);
        }
        sigs.addAll(others);
        for (int i = 0; i < sigs.size(); i++) {
            Sig s = sigs.get(i);
            s.type = types.get(r.nextInt(types.size()));
            if (s.role != Role.ROOT && s.role != Role.RECURSIVE && r.nextInt(10) < 3) {
                s.isStatic = false;
            }
            s.tier1 = r.nextInt(7) == 0;
            if (s.role == Role.CHAIN || (s.role == Role.ROOT && s.isAsync)) {
                for (int j = i + 1; j < sigs.size(); j++) {
                    if (sigs.get(j).role == Role.CHAIN) {
                        s.chainNext = j;
                        break;
                    }
                }
            }
        }
        for (int i = sigs.size() - 1; i >= 0; i--) {
            sigs.get(i).body = new BodyDraw(i).body();
        }
        List<Program.Type> typeList = new ArrayList<>();
        for (String t : types) {
            List<Method> methods = new ArrayList<>();
            for (Sig s : sigs) {
                if (s.type.equals(t)) {
                    methods.add(new Method(s.name, s.isStatic, s.isAsync, s.params, s.returnsInt, s.tier1, s.body));
                }
            }
            typeList.add(new Program.Type(t, methods));
        }
        List<Root> rootList = new ArrayList<>();
        for (Sig s : sigs) {
            if (s.role == Role.ROOT) {
                List<Long> args = new ArrayList<>();
                for (int k = 0; k < s.arity(); k++) {
                    args.add(value());
                }
                rootList.add(new Root(s.target(), args));
            }
        }
        return new Program("Diff" + Long.toUnsignedString(seed), typeList, rootList);
    }

    /** Mostly 0-3 parameters, often up to 8, sometimes up to 12 (stack arguments on every target). */
    private int paramCount() {
        int k = r.nextInt(10);
        return k < 5 ? r.nextInt(4) : k < 8 ? 4 + r.nextInt(5) : 9 + r.nextInt(4);
    }

    private static List<String> params(int n) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add("p" + k);
        }
        return out;
    }

    private long value() {
        int k = r.nextInt(10);
        if (k < 5) {
            return EDGES[r.nextInt(EDGES.length)];
        }
        if (k < 8) {
            return r.nextInt(41) - 20;
        }
        return k == 8 ? r.nextInt() : r.nextLong();
    }

    // ------------------------------------------------------------------------------------------
    // A body

    /** Draws the body of method {@code index}: it may call methods after it, and a recursive one itself. */
    private final class BodyDraw {
        private final int index;
        private final Sig m;
        private final List<List<String>> scopes = new ArrayList<>();
        private final Set<String> counters = new HashSet<>();
        private int names;
        private int calls;
        private int loops;

        BodyDraw(int index) {
            this.index = index;
            this.m = sigs.get(index);
            scopes.add(new ArrayList<>(m.params));
        }

        List<Stmt> body() {
            List<Stmt> out = new ArrayList<>();
            if (m.role == Role.RECURSIVE) {
                Stmt base = r.nextInt(6) == 0 ? new Throw(new Bin(BinaryOp.SUB, new Lit(1000), new Ref("d")))
                        : new Return(m.returnsInt ? expr(1) : null);
                out.add(new If(new Bin(BinaryOp.LE, new Ref("d"), new Lit(0)), List.of(base), List.of()));
            }
            if (m.role == Role.BIG) {
                out.addAll(bigLocals());
            }
            if (m.isAsync && r.nextInt(3) == 0) {
                out.addAll(liveAcrossAwait());
            }
            int n = 1 + r.nextInt(3);
            int chainAt = m.chainNext >= 0 ? r.nextInt(n + 1) : -1;
            for (int k = 0; k <= n; k++) {
                if (k == chainAt) {
                    out.addAll(chainAwait());
                }
                if (k < n) {
                    out.addAll(stmt(0));
                }
            }
            if (m.role == Role.CHAIN && m.chainNext < 0 && r.nextBoolean()) {
                // the end of the chain throws for some arguments
                Expr code = m.params.isEmpty() ? new Lit(r.nextInt(100)) : new Ref(m.params.get(r.nextInt(m.params.size())));
                out.add(new If(new Bin(BinaryOp.EQ, new Bin(BinaryOp.REM, code, new Lit(3)), new Lit(r.nextInt(3) - 1)),
                        List.of(new Throw(new Bin(BinaryOp.ADD, code, new Lit(77)))), List.of()));
            }
            if (m.role == Role.RECURSIVE) {
                out.add(recursion());
            }
            out.addAll(ending());
            return out;
        }

        /** The integer variables in scope. */
        private List<String> visible() {
            List<String> all = new ArrayList<>();
            scopes.forEach(all::addAll);
            all.removeIf(ProgramGenerator::isReference);
            return all;
        }

        /** The reference variables in scope whose names start with {@code prefix}: "o" Boxes, "q" Pairs. */
        private List<String> visible(String prefix) {
            List<String> all = new ArrayList<>();
            scopes.forEach(all::addAll);
            all.removeIf(n -> !n.startsWith(prefix));
            return all;
        }

        private String fresh(String prefix) {
            String name = prefix + names++;
            scopes.get(scopes.size() - 1).add(name);
            return name;
        }

        private List<Stmt> nested(int depth, int count) {
            scopes.add(new ArrayList<>());
            List<Stmt> out = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                out.addAll(stmt(depth));
            }
            scopes.remove(scopes.size() - 1);
            return out;
        }

        // ---- statements

        private List<Stmt> stmt(int depth) {
            if (objects && refDraw.nextInt(3) == 0) {
                Stmt s = refStmt();
                if (s != null) {
                    return List.of(s);
                }
            }
            int k = r.nextInt(depth >= 3 ? 60 : 100);
            if (k < 22) {
                Expr init = expr(0);
                return List.of(new Var(fresh("v"), init));
            }
            if (k < 34) {
                List<String> assignable = new ArrayList<>(visible());
                assignable.removeAll(counters);
                if (!assignable.isEmpty()) {
                    return List.of(new Assign(assignable.get(r.nextInt(assignable.size())), expr(0)));
                }
                return List.of(new GcPoint());
            }
            if (k < 44) {
                return List.of(new GcPoint());
            }
            if (k < 52) {
                Expr e = callStatement();
                return e == null ? List.of(new GcPoint()) : List.of(new Eval(e));
            }
            if (k < 60) {
                return List.of(earlyExit(depth));
            }
            if (k < 80) {
                // a try now and then, decided apart from the draw: a program without one is the one this seed always made
                return List.of(depth < 2 && tryDraw.nextInt(3) == 0 ? tryStmt(depth) : ifStmt(depth));
            }
            return loop(depth);
        }

        /**
         * try/catch, try/finally or both: the try block may throw (guarded), await (async) or return; the catch block may
         * rethrow (guarded) and reads its variable; the finally block assigns, declares, and may await, never leaving.
         */
        private Stmt tryStmt(int depth) {
            List<Stmt> body = new ArrayList<>(nested(depth + 1, 1 + r.nextInt(2)));
            if (m.isAsync && r.nextBoolean()) {
                body.add(r.nextInt(body.size() + 1), awaitStatement());
            }
            if (r.nextBoolean()) {
                body.add(r.nextInt(body.size() + 1), new If(expr(1), List.of(new Throw(expr(1))), List.of()));
            }
            int kind = r.nextInt(3);
            String variable = null;
            List<Stmt> handler = null;
            if (kind != 1) {
                scopes.add(new ArrayList<>());
                variable = r.nextInt(5) == 0 ? null : fresh("e");
                if (variable != null) {
                    counters.add(variable); // read, never assigned
                }
                List<Stmt> h = new ArrayList<>(nested(depth + 1, r.nextInt(2)));
                if (variable != null) {
                    String target = visible().stream().filter(v -> !counters.contains(v)).findFirst().orElse(null);
                    h.add(target != null ? new Assign(target, new Bin(BinaryOp.ADD, new Ref(target), new Ref(variable)))
                            : new Var(fresh("c"), new Ref(variable)));
                }
                if (r.nextInt(3) == 0) {
                    h.add(new If(expr(1), List.of(new Throw(null)), List.of()));
                }
                scopes.remove(scopes.size() - 1);
                handler = h;
            }
            List<Stmt> fin = null;
            if (kind != 0) {
                scopes.add(new ArrayList<>());
                fin = new ArrayList<>();
                if (m.isAsync && r.nextInt(3) == 0) {
                    fin.add(awaitStatement()); // first: its arguments read no variable of the finally block
                }
                for (int n = 1 + r.nextInt(2); n > 0; n--) {
                    List<String> assignable = new ArrayList<>(visible());
                    assignable.removeAll(counters);
                    if (!assignable.isEmpty() && r.nextBoolean()) {
                        fin.add(new Assign(assignable.get(r.nextInt(assignable.size())), expr(0)));
                    } else {
                        Expr init = expr(0);
                        fin.add(new Var(fresh("f"), init));
                    }
                }
                scopes.remove(scopes.size() - 1);
            }
            return new Try(body, variable, handler, fin);
        }

        private Stmt ifStmt(int depth) {
            Expr cond = expr(0);
            List<Stmt> then = nested(depth + 1, 1 + r.nextInt(2));
            List<Stmt> otherwise = List.of();
            int e = r.nextInt(3);
            if (e == 1) {
                otherwise = nested(depth + 1, 1 + r.nextInt(2));
            } else if (e == 2) {
                otherwise = List.of(new If(expr(0), nested(depth + 1, 1 + r.nextInt(2)),
                        r.nextBoolean() ? nested(depth + 1, 1) : List.of()));
            }
            return new If(cond, then, otherwise);
        }

        /** An if whose branch returns or throws: an exit from inside nested control flow. */
        private Stmt earlyExit(int depth) {
            Stmt exit = r.nextInt(4) == 0 ? new Throw(expr(1)) : new Return(m.returnsInt ? expr(1) : null);
            List<Stmt> then = new ArrayList<>(nested(depth + 1, r.nextInt(2)));
            then.add(exit);
            return new If(expr(1), then, List.of());
        }

        /** {@code var iK = 0; while iK < N { ...; iK = iK + 1 }}: N small, the counter written by nothing else. */
        private List<Stmt> loop(int depth) {
            if (depth >= 2 || loops >= 2) {
                return List.of(ifStmt(depth));
            }
            loops++;
            String i = fresh("i");
            counters.add(i);
            Expr bound = r.nextInt(3) == 0 && !visible().isEmpty()
                    ? new Bin(BinaryOp.REM, leaf(), new Lit(4)) : new Lit(r.nextInt(5));
            List<Stmt> body = new ArrayList<>(nested(depth + 1, 1 + r.nextInt(2)));
            if (m.isAsync && r.nextBoolean()) {
                body.add(r.nextInt(body.size() + 1), awaitStatement());
            }
            body.add(new Assign(i, new Bin(BinaryOp.ADD, new Ref(i), new Lit(1))));
            return List.of(new Var(i, new Lit(0)), new While(new Bin(BinaryOp.LT, new Ref(i), bound), body));
        }

        /** 12-20 locals, an await, then all of them read: they live across the suspension in the continuation. */
        private List<Stmt> liveAcrossAwait() {
            List<Stmt> out = new ArrayList<>();
            List<String> live = new ArrayList<>();
            int n = 12 + r.nextInt(9);
            for (int k = 0; k < n; k++) {
                Expr init = expr(2);
                String w = fresh("w");
                live.add(w);
                out.add(new Var(w, init));
            }
            out.add(awaitStatement());
            Expr sum = new Ref(live.get(0));
            for (int k = 1; k < live.size(); k++) {
                sum = new Bin(r.nextBoolean() ? BinaryOp.ADD : BinaryOp.SUB, sum, new Ref(live.get(k)));
            }
            out.add(new Var(fresh("v"), sum));
            return out;
        }

        /** 300-600 locals (a frame of a few pages), or 2,050-2,200 (past 32 KiB). */
        private List<Stmt> bigLocals() {
            List<Stmt> out = new ArrayList<>();
            int n = r.nextInt(10) < 7 ? 300 + r.nextInt(301) : 2050 + r.nextInt(151);
            List<String> big = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Expr init = k == 0 ? leaf() : new Bin(BinaryOp.ADD, new Ref(big.get(r.nextInt(k))), new Lit(k));
                String b = fresh("b");
                big.add(b);
                out.add(new Var(b, init));
                if (m.isAsync && k == n / 2) {
                    out.add(new Eval(new Yield()));
                }
            }
            Expr last = new Bin(BinaryOp.SUB, new Ref(big.get(n - 1)), new Ref(big.get(r.nextInt(n))));
            out.add(new Var(fresh("v"), last));
            return out;
        }

        private List<Stmt> chainAwait() {
            Sig next = sigs.get(m.chainNext);
            Await a = new Await(r.nextBoolean(), next.target(), arguments(next, 1));
            if (next.returnsInt && r.nextInt(4) != 0) {
                return List.of(new Var(fresh("v"), a));
            }
            return List.of(new Eval(a));
        }

        /** The recursive call with {@code d - 1}, as a value or a statement. */
        private Stmt recursion() {
            List<Expr> args = new ArrayList<>();
            args.add(new Bin(BinaryOp.SUB, new Ref("d"), new Lit(1)));
            for (int k = 1; k < m.params.size(); k++) {
                args.add(expr(1));
            }
            Expr call = m.isAsync ? new Await(r.nextBoolean(), m.target(), args) : new Call(r.nextBoolean(), m.target(), args);
            return m.returnsInt ? new Var(fresh("v"), call) : new Eval(call);
        }

        /** The end of the body: an int method returns (or tail-calls), a void method may. */
        private List<Stmt> ending() {
            if (!m.isAsync && r.nextBoolean()) {
                List<Integer> targets = new ArrayList<>();
                List<Integer> withStackArgs = new ArrayList<>();
                for (int j = index + 1; j < sigs.size(); j++) {
                    Sig t = sigs.get(j);
                    if (!t.isAsync && t.returnsInt == m.returnsInt && t.role != Role.ROOT
                            && (t.arity() <= 4 || t.arity() <= m.arity())) {
                        targets.add(j);
                        if (t.arity() > 4) {
                            withStackArgs.add(j);
                        }
                    }
                }
                if (!withStackArgs.isEmpty() && r.nextInt(3) != 0) {
                    targets = withStackArgs; // the fast tail call that fills the caller's incoming stack arguments
                }
                if (!targets.isEmpty()) {
                    Sig t = sigs.get(targets.get(r.nextInt(targets.size())));
                    return List.of(new TailCall(t.target(), arguments(t, 1)));
                }
            }
            if (m.returnsInt) {
                return List.of(new Return(expr(0)));
            }
            return r.nextBoolean() ? List.of(new Return(null)) : List.of();
        }

        // ---- calls

        private List<Integer> callees(boolean async, boolean needValue) {
            List<Integer> out = new ArrayList<>();
            for (int j = index + 1; j < sigs.size(); j++) {
                Sig t = sigs.get(j);
                if (t.role != Role.ROOT && t.isAsync == async && (!needValue || t.returnsInt)
                        && (t.role != Role.CHAIN || async)) {
                    out.add(j);
                }
            }
            return out;
        }

        /** The arguments of a call of {@code t}: a receiver first for an instance method, {@code d} small for Rec. */
        private List<Expr> arguments(Sig t, int depth) {
            List<Expr> args = new ArrayList<>();
            if (!t.isStatic) {
                // (the integer leaf a receiver once was is still drawn, so the programs are what they were before objects)
                args.add(!m.isStatic && r.nextBoolean() ? new This() : receiver(leaf()));
            }
            for (String p : t.params) {
                args.add(p.equals("d") ? new Lit(r.nextInt(4)) : expr(depth));
            }
            return args;
        }

        private Expr call(boolean needValue, int depth) {
            if (calls >= 3) {
                return null;
            }
            boolean await = m.isAsync && r.nextBoolean();
            List<Integer> targets = callees(await, needValue);
            if (targets.isEmpty()) {
                return null;
            }
            calls++;
            Sig t = sigs.get(targets.get(r.nextInt(targets.size())));
            List<Expr> args = arguments(t, depth + 1);
            return await ? new Await(r.nextBoolean(), t.target(), args) : new Call(r.nextBoolean(), t.target(), args);
        }

        private Expr callStatement() {
            if (m.isAsync && r.nextInt(3) == 0) {
                return new Yield();
            }
            return call(false, 1);
        }

        private Stmt awaitStatement() {
            if (r.nextBoolean()) {
                List<Integer> targets = callees(true, false);
                if (!targets.isEmpty() && calls < 3) {
                    calls++;
                    Sig t = sigs.get(targets.get(r.nextInt(targets.size())));
                    return new Eval(new Await(r.nextBoolean(), t.target(), arguments(t, 1)));
                }
            }
            return new Eval(new Yield());
        }

        // ---- references

        /**
         * A statement about references: a new Box or Pair (its reference fields through the write barrier), a field
         * written or read, a reference copied out of a Pair (maybe null: a field of it then throws), an identity compared.
         */
        private Stmt refStmt() {
            List<String> boxes = visible("o");
            List<String> pairs = visible("q");
            List<String> assignable = new ArrayList<>(visible());
            assignable.removeAll(counters);
            switch (refDraw.nextInt(7)) {
                case 0:
                    return new Var(fresh("o"), new New("Box", List.of(intLeaf())));
                case 1:
                    return new Var(fresh("q"), new New("Pair", List.of(boxOrNull(boxes), boxOrNull(boxes))));
                case 2:
                    return boxes.isEmpty() ? null : new SetField(new Ref(pick(boxes)), "value", intLeaf());
                case 3:
                    return pairs.isEmpty() ? new Var(fresh("q"), new New("Pair", List.of(boxOrNull(boxes), boxOrNull(boxes))))
                            : new SetField(new Ref(pick(pairs)), refDraw.nextBoolean() ? "first" : "second",
                            boxOrNull(boxes));
                case 4:
                    return boxes.isEmpty() || pairs.isEmpty() ? null
                            : new Assign(pick(boxes), new Field(new Ref(pick(pairs)), refDraw.nextBoolean() ? "first" : "second"));
                default:
                    if (assignable.isEmpty() || boxes.isEmpty() && pairs.isEmpty()) {
                        return null;
                    }
                    return new Assign(pick(assignable), refValue(boxes, pairs));
            }
        }

        /** An integer computed from references: a Box's value, a Pair's Box's value, or an identity comparison. */
        private Expr refValue(List<String> boxes, List<String> pairs) {
            int k = refDraw.nextInt(4);
            if (k == 0 && !boxes.isEmpty() || pairs.isEmpty()) {
                return new Field(new Ref(pick(boxes)), "value");
            }
            Expr pair = new Ref(pick(pairs));
            if (k == 1) {
                return new Field(new Field(pair, refDraw.nextBoolean() ? "first" : "second"), "value");
            }
            Expr other = boxes.isEmpty() || refDraw.nextBoolean() ? new Null() : new Ref(pick(boxes));
            return new Bin(refDraw.nextBoolean() ? BinaryOp.EQ : BinaryOp.NE, new Field(pair, "first"), other);
        }

        private String pick(List<String> names) {
            return names.get(refDraw.nextInt(names.size()));
        }

        private Expr boxOrNull(List<String> boxes) {
            return boxes.isEmpty() || refDraw.nextInt(4) == 0 ? new Null() : new Ref(pick(boxes));
        }

        /** An integer variable in scope or a small literal. */
        private Expr intLeaf() {
            List<String> vars = visible();
            return vars.isEmpty() || refDraw.nextBoolean() ? new Lit(refDraw.nextInt(200) - 100) : new Ref(pick(vars));
        }

        /** A receiver: a Box or Pair in scope, or null ({@code unused} is the draw it replaces). */
        private Expr receiver(Expr unused) {
            List<String> refs = new ArrayList<>(visible("o"));
            refs.addAll(visible("q"));
            return refs.isEmpty() || refDraw.nextInt(3) == 0 ? new Null() : new Ref(pick(refs));
        }

        // ---- expressions

        private Expr leaf() {
            List<String> vars = visible();
            int k = r.nextInt(10);
            if (k < 5 && !vars.isEmpty()) {
                return new Ref(vars.get(r.nextInt(vars.size())));
            }
            if (k == 5 && !m.isStatic) {
                return new Lit(0); // once `this`, an integer then; the draw stays as it was
            }
            return new Lit(value());
        }

        private Expr expr(int depth) {
            int k = r.nextInt(100);
            if (depth >= 2 || k < 35) {
                return leaf();
            }
            if (k < 75) {
                BinaryOp op = BinaryOp.values()[r.nextInt(BinaryOp.values().length)];
                Expr left = expr(depth + 1);
                Expr right;
                if ((op == BinaryOp.DIV || op == BinaryOp.REM) && r.nextInt(5) != 0) {
                    long d = value();
                    right = new Lit(d == 0 ? 3 : d); // mostly a divisor that is not zero
                } else {
                    right = expr(depth + 1);
                }
                return new Bin(op, left, right);
            }
            if (k < 85) {
                return new Un(r.nextBoolean() ? UnaryOp.NEG : UnaryOp.NOT, expr(depth + 1));
            }
            Expr c = call(true, depth);
            return c != null ? c : leaf();
        }
    }

    /** Whether a generated variable holds a reference ("o" Boxes, "q" Pairs). */
    static boolean isReference(String name) {
        return name.startsWith("o") || name.startsWith("q");
    }
}
