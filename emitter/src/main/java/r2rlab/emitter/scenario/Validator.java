package r2rlab.emitter.scenario;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Second phase, shared by the YAML reader and the builder: checks names, parses bodies, resolves calls and checks
 * the body rules. Linear in the size of the scenario (hash lookups only).
 */
final class Validator {

    /**
     * Integer arguments passed in registers by the target with the fewest (x64 Windows: RCX, RDX, R8, R9). A tail
     * call passing more must fit its stack arguments into the caller's incoming ones on every target.
     */
    static final int FEWEST_ARGUMENT_REGISTERS = 4;

    private final Diagnostics diag;
    /** type full name -> method name -> overloads. */
    private final Map<String, Map<String, List<MethodDecl>>> table = new HashMap<>();

    private Validator(Diagnostics diag) {
        this.diag = diag;
    }

    static Scenario validate(Specs.ScenarioSpec spec, Diagnostics diag) {
        return new Validator(diag).run(spec);
    }

    private record Pending(MethodDecl method, boolean check) {
    }

    private Scenario run(Specs.ScenarioSpec spec) {
        if (spec.module() == null) {
            diag.error(spec.moduleLine(), "missing 'module'");
        } else if (!isDottedName(spec.module(), 0, spec.module().length())) {
            diag.error(spec.moduleLine(), "invalid module name '" + spec.module() + "'");
        }
        // Types.
        Map<String, Specs.TypeSpec> types = new LinkedHashMap<>();
        for (Specs.TypeSpec t : spec.types()) {
            if (t.name() == null) {
                diag.error(t.line(), "type has no 'name'");
            } else if (!isTypeName(t.name())) {
                diag.error(t.line(), "invalid type name '" + t.name() + "'");
            } else if (types.containsKey(t.name())) {
                diag.error(t.line(), "duplicate type '" + t.name() + "' (first declared on line "
                        + types.get(t.name()).line() + ")");
            } else {
                types.put(t.name(), t);
            }
        }
        for (Specs.TypeSpec t : types.values()) {
            int plus = t.name().lastIndexOf('+');
            if (plus >= 0 && !types.containsKey(t.name().substring(0, plus))) {
                diag.error(t.line(), "enclosing type '" + t.name().substring(0, plus) + "' of '" + t.name()
                        + "' is not declared");
            }
        }
        // Methods: signatures and bodies.
        List<Pending> pending = new ArrayList<>();
        List<TypeDecl> typeDecls = new ArrayList<>();
        for (Specs.TypeSpec t : types.values()) {
            String full = t.name();
            DeclaringType owner = new DeclaringType(full);
            Map<String, List<MethodDecl>> byName = new HashMap<>();
            table.put(full, byName);
            Map<String, Integer> firstLine = new HashMap<>();
            List<MethodDecl> methods = new ArrayList<>();
            for (Specs.MethodSpec m : t.methods()) {
                if (m.name() == null) {
                    diag.error(m.line(), "method has no 'name'");
                    continue;
                }
                if (!isIdentifier(m.name(), 0, m.name().length())) {
                    diag.error(m.line(), "invalid method name '" + m.name() + "'");
                    continue;
                }
                boolean ok = true;
                List<String> params = new ArrayList<>();
                if (!m.isStatic()) {
                    params.add("this");
                }
                Set<String> seen = new HashSet<>();
                for (Specs.Named p : m.params()) {
                    if (!isIdentifier(p.name(), 0, p.name().length())) {
                        diag.error(p.line(), "invalid parameter name '" + p.name() + "'");
                        ok = false;
                    } else if (BodyParser.RESERVED.contains(p.name())) {
                        diag.error(p.line(), "parameter name '" + p.name() + "' is a reserved word");
                        ok = false;
                    } else if (!seen.add(p.name())) {
                        diag.error(p.line(), "duplicate parameter '" + p.name() + "'");
                        ok = false;
                    }
                    params.add(p.name());
                }
                String key = m.name() + "/" + m.params().size();
                Integer first = firstLine.putIfAbsent(key, m.line());
                if (first != null) {
                    diag.error(m.line(), "duplicate method '" + full + "." + m.name() + "' with "
                            + m.params().size() + " parameter" + (m.params().size() == 1 ? "" : "s")
                            + " (first declared on line " + first + ")");
                    continue;
                }
                int before = diag.count();
                List<Stmt> body = BodyParser.parse(m.body(), m.bodyLine(), diag);
                ok &= diag.count() == before;
                MethodDecl decl = new MethodDecl(m.name(), m.isStatic(), m.isAsync(), params, m.returns(), m.tier1(),
                        body, m.line(), owner);
                methods.add(decl);
                byName.computeIfAbsent(m.name(), k -> new ArrayList<>(1)).add(decl);
                pending.add(new Pending(decl, ok));
            }
            String namespace;
            String name;
            String enclosing = null;
            int plus = full.lastIndexOf('+');
            String outer = full.indexOf('+') >= 0 ? full.substring(0, full.indexOf('+')) : full;
            int dot = outer.lastIndexOf('.');
            namespace = dot >= 0 ? outer.substring(0, dot) : "";
            if (plus >= 0) {
                enclosing = full.substring(0, plus);
                name = full.substring(plus + 1);
            } else {
                name = dot >= 0 ? full.substring(dot + 1) : full;
            }
            TypeDecl td = new TypeDecl(namespace, name, enclosing, methods, t.line());
            owner.link(td);
            typeDecls.add(td);
        }
        for (Pending p : pending) {
            if (p.check()) {
                new BodyChecker(p.method()).check();
            }
        }
        diag.throwIfAny();
        return new Scenario(diag.file(), spec.module(), typeDecls);
    }

    // Names are checked with loops: a regular expression with a repeated group recurses once per repetition in
    // java.util.regex, and a type name of 20,000 dotted parts would overflow the stack.

    /** {@code [A-Za-z_][A-Za-z0-9_]*} between {@code from} and {@code to}. */
    static boolean isIdentifier(String s, int from, int to) {
        if (from >= to || !(isAsciiLetter(s.charAt(from)) || s.charAt(from) == '_')) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!(isAsciiLetter(c) || c == '_' || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    /** Identifiers separated by dots, between {@code from} and {@code to} (a module name, a namespace and type). */
    private static boolean isDottedName(String s, int from, int to) {
        int start = from;
        for (int i = from; i <= to; i++) {
            if (i == to || s.charAt(i) == '.') {
                if (!isIdentifier(s, start, i)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** {@code Ns.Name}, {@code Name} or {@code Ns.Outer+Inner+...}: a dotted name, then identifiers after '+'. */
    private static boolean isTypeName(String s) {
        int plus = s.indexOf('+');
        if (plus < 0) {
            return isDottedName(s, 0, s.length());
        }
        if (!isDottedName(s, 0, plus)) {
            return false;
        }
        int start = plus + 1;
        for (int i = start; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '+') {
                if (!isIdentifier(s, start, i)) {
                    return false;
                }
                start = i + 1;
            }
        }
        return true;
    }

    /** Resolves a call target; reports and returns null when it cannot. */
    private MethodDecl resolve(CallTarget ref, int argc, int line, MethodDecl from) {
        String written = ref.name();
        int dot = written.lastIndexOf('.');
        String typeName = dot >= 0 ? written.substring(0, dot) : from.declaringType().fullName();
        String methodName = dot >= 0 ? written.substring(dot + 1) : written;
        String full = typeName + "." + methodName;
        Map<String, List<MethodDecl>> byName = table.get(typeName);
        List<MethodDecl> overloads = byName == null ? null : byName.get(methodName);
        if (overloads == null) {
            diag.error(line, "unknown method '" + full + "'");
            return null;
        }
        MethodDecl found = null;
        int matches = 0;
        Set<Integer> arities = new TreeSet<>();
        for (MethodDecl m : overloads) {
            arities.add(m.arity());
            if (m.arity() == argc) {
                found = m;
                matches++;
            }
        }
        if (matches == 0) {
            StringBuilder exp = new StringBuilder();
            for (int a : arities) {
                exp.append(exp.length() == 0 ? "" : " or ").append(a);
            }
            diag.error(line, "wrong argument count for '" + full + "': expected " + exp + ", got " + argc);
            return null;
        }
        if (matches > 1) {
            diag.error(line, "ambiguous call to '" + full + "' with " + argc + " arguments");
            return null;
        }
        ref.resolve(found);
        return found;
    }

    /** Checks one parsed body: scopes, calls, awaits, returns, tail calls, falling off the end. */
    private final class BodyChecker {
        private final MethodDecl method;
        private final Set<String> visible = new HashSet<>();

        BodyChecker(MethodDecl method) {
            this.method = method;
        }

        void check() {
            for (String p : method.params()) {
                if (!p.equals("this")) {
                    visible.add(p);
                }
            }
            block(method.body(), true);
            if (method.returns() == ReturnKind.INT && completes(method.body())) {
                diag.error(method.line(), "int method '" + method.fullName()
                        + "' can reach the end without returning a value");
            }
        }

        /** {@code tail}: the block ends the method (the method body, or a branch of an if in tail position). */
        private void block(List<Stmt> stmts, boolean tail) {
            List<String> declared = new ArrayList<>();
            for (int i = 0; i < stmts.size(); i++) {
                stmt(stmts.get(i), declared, tail && i == stmts.size() - 1);
            }
            visible.removeAll(declared);
        }

        private void stmt(Stmt s, List<String> declared, boolean tail) {
            if (s instanceof Stmt.VarDecl v) {
                value(v.init());
                if (visible.contains(v.name())) {
                    diag.error(v.line(), "duplicate variable '" + v.name() + "'");
                } else {
                    visible.add(v.name());
                    declared.add(v.name());
                }
            } else if (s instanceof Stmt.Assign a) {
                if (!visible.contains(a.name())) {
                    diag.error(a.line(), "unknown variable '" + a.name() + "'");
                }
                value(a.value());
            } else if (s instanceof Stmt.If f) {
                value(f.cond());
                block(f.then(), tail);
                block(f.otherwise(), tail);
            } else if (s instanceof Stmt.While w) {
                value(w.cond());
                block(w.body(), false);
            } else if (s instanceof Stmt.Return r) {
                if (r.value() != null && method.returns() == ReturnKind.VOID) {
                    diag.error(r.line(), "'return' with a value in a void method");
                } else if (r.value() == null && method.returns() == ReturnKind.INT) {
                    diag.error(r.line(), "'return' without a value in an int method");
                } else if (r.value() != null) {
                    value(r.value());
                }
            } else if (s instanceof Stmt.Throw t) {
                value(t.code());
            } else if (s instanceof Stmt.ExprStmt e) {
                expr(e.expr(), false);
            } else if (s instanceof Stmt.TailCall t) {
                tailCall(t, tail);
            }
            // GcPoint: nothing to check.
        }

        private void tailCall(Stmt.TailCall t, boolean tail) {
            if (!tail) {
                diag.error(t.line(), "'tailcall' must be in tail position (the last statement of the method)");
            }
            if (method.isAsync()) {
                diag.error(t.line(), "'tailcall' is not allowed in an async method");
            }
            MethodDecl target = resolve(t.ref(), t.args().size(), t.line(), method);
            int argc = t.args().size();
            if (argc > FEWEST_ARGUMENT_REGISTERS && argc > method.arity()) {
                diag.error(t.line(), "'tailcall' passes " + argc + " arguments but '" + method.fullName() + "' takes "
                        + method.arity() + ": arguments past the " + FEWEST_ARGUMENT_REGISTERS + "th go on the stack (x64), and a"
                        + " tail jump can only put them where the caller's own stack arguments came in");
            }
            if (target != null) {
                if (target.isAsync()) {
                    diag.error(t.line(), "'tailcall' of async method '" + target.fullName() + "' is not allowed");
                } else if (target.returns() != method.returns()) {
                    diag.error(t.line(), "'tailcall' target '" + target.fullName() + "' returns "
                            + kind(target.returns()) + " but '" + method.fullName() + "' returns "
                            + kind(method.returns()));
                }
            }
            for (Expr a : t.args()) {
                value(a);
            }
        }

        private String kind(ReturnKind k) {
            return k == ReturnKind.INT ? "int" : "void";
        }

        private void value(Expr e) {
            expr(e, true);
        }

        private void expr(Expr e, boolean needValue) {
            if (e instanceof Expr.VarRef v) {
                if (!visible.contains(v.name())) {
                    diag.error(v.line(), "unknown variable '" + v.name() + "'");
                }
            } else if (e instanceof Expr.This t) {
                if (method.isStatic()) {
                    diag.error(t.line(), "'this' used in a static method");
                }
            } else if (e instanceof Expr.Binary b) {
                List<Expr.Binary> chain = b.leftChain();
                value(chain.get(0).left());
                chain.forEach(x -> value(x.right()));
            } else if (e instanceof Expr.Unary u) {
                value(u.operand());
            } else if (e instanceof Expr.Call c) {
                MethodDecl target = resolve(c.ref(), c.args().size(), c.line(), method);
                if (target != null) {
                    if (target.isAsync()) {
                        diag.error(c.line(), "async method '" + target.fullName()
                                + "' must be awaited ('await', not 'call')");
                    } else if (needValue && target.returns() == ReturnKind.VOID) {
                        diag.error(c.line(), "void method '" + target.fullName() + "' used as a value");
                    }
                }
                for (Expr a : c.args()) {
                    value(a);
                }
            } else if (e instanceof Expr.Await a) {
                if (!method.isAsync()) {
                    diag.error(a.line(), "'await' outside an async method");
                }
                if (a.isYield()) {
                    if (needValue) {
                        diag.error(a.line(), "'await yield' has no value");
                    }
                    return;
                }
                MethodDecl target = resolve(a.ref(), a.args().size(), a.line(), method);
                if (target != null) {
                    if (!target.isAsync()) {
                        diag.error(a.line(), "'await' of non-async method '" + target.fullName() + "'");
                    } else if (needValue && target.returns() == ReturnKind.VOID) {
                        diag.error(a.line(), "void method '" + target.fullName() + "' used as a value");
                    }
                }
                for (Expr x : a.args()) {
                    value(x);
                }
            }
            // IntLit: range checked by the parser.
        }
    }

    /** True if control can reach the end of the list. */
    static boolean completes(List<Stmt> stmts) {
        for (Stmt s : stmts) {
            if (!completes(s)) {
                return false;
            }
        }
        return true;
    }

    private static boolean completes(Stmt s) {
        if (s instanceof Stmt.Return || s instanceof Stmt.Throw || s instanceof Stmt.TailCall) {
            return false;
        }
        if (s instanceof Stmt.If f) {
            return completes(f.then()) || completes(f.otherwise());
        }
        if (s instanceof Stmt.While w) {
            return !(w.cond() instanceof Expr.IntLit l && l.value() != 0);
        }
        return true;
    }
}
