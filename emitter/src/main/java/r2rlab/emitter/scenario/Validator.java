package r2rlab.emitter.scenario;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import r2rlab.format.r2r.LabObject;

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
            } else if (t.name().equals(LabObject.BOX.fullName()) || t.name().equals(LabObject.PAIR.fullName())) {
                diag.error(t.line(), "type name '" + t.name() + "' is reserved for the language's object type");
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
                List<VarType> paramTypes = new ArrayList<>();
                if (!m.isStatic()) {
                    params.add("this");
                    paramTypes.add(VarType.OBJECT);
                }
                Set<String> seen = new HashSet<>();
                for (Specs.Named p : m.params()) {
                    // "a" or "int a": an integer; "Box o", "Pair p", "object o": a reference.
                    String pname = p.name();
                    VarType ptype = VarType.INT;
                    int space = pname.indexOf(' ');
                    if (space >= 0) {
                        ptype = VarType.declared(pname.substring(0, space));
                        pname = pname.substring(space + 1).strip();
                        if (ptype == null) {
                            diag.error(p.line(), "unknown parameter type '" + p.name().substring(0, space)
                                    + "' (int, Box, Pair or object)");
                            ok = false;
                            ptype = VarType.INT;
                        }
                    }
                    if (!isIdentifier(pname, 0, pname.length())) {
                        diag.error(p.line(), "invalid parameter name '" + pname + "'");
                        ok = false;
                    } else if (BodyParser.RESERVED.contains(pname)) {
                        diag.error(p.line(), "parameter name '" + pname + "' is a reserved word");
                        ok = false;
                    } else if (!seen.add(pname)) {
                        diag.error(p.line(), "duplicate parameter '" + pname + "'");
                        ok = false;
                    }
                    params.add(pname);
                    paramTypes.add(ptype);
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
                MethodDecl decl = new MethodDecl(m.name(), m.isStatic(), m.isAsync(), params, paramTypes, m.returns(), m.tier1(),
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

    /** Checks one parsed body: scopes, types, calls, awaits, returns, throws, tail calls, falling off the end. */
    private final class BodyChecker {
        private final MethodDecl method;
        /** The variables in scope and their types. */
        private final Map<String, VarType> visible = new HashMap<>();
        /** The catch and finally blocks around the statement being checked, innermost first. */
        private final Deque<String> handlers = new ArrayDeque<>();

        BodyChecker(MethodDecl method) {
            this.method = method;
        }

        void check() {
            for (int i = 0; i < method.params().size(); i++) {
                String p = method.params().get(i);
                if (!p.equals("this")) {
                    visible.put(p, method.paramTypes().get(i));
                }
            }
            block(method.body(), true);
            if (method.returnsValue() && completes(method.body())) {
                diag.error(method.line(), method.returns().written() + " method '" + method.fullName()
                        + "' can reach the end without returning a value");
            }
        }

        /** {@code tail}: the block ends the method (the method body, or a branch of an if in tail position). */
        private void block(List<Stmt> stmts, boolean tail) {
            List<String> declared = new ArrayList<>();
            for (int i = 0; i < stmts.size(); i++) {
                stmt(stmts.get(i), declared, tail && i == stmts.size() - 1);
            }
            declared.forEach(visible::remove);
        }

        private void stmt(Stmt s, List<String> declared, boolean tail) {
            if (s instanceof Stmt.VarDecl v) {
                VarType init = value(v.init());
                VarType type = v.type() != null ? v.type() : init;
                if (v.type() == null && init == VarType.NULL) {
                    diag.error(v.line(), "the type of 'null' is not known: write 'var " + v.name() + ": Box = null'");
                    type = null;
                } else if (v.type() != null) {
                    expectType(init, v.type(), v.line(), "variable '" + v.name() + "'");
                }
                if (visible.containsKey(v.name())) {
                    diag.error(v.line(), "duplicate variable '" + v.name() + "'");
                } else {
                    visible.put(v.name(), type);
                    declared.add(v.name());
                }
            } else if (s instanceof Stmt.Assign a) {
                VarType value = value(a.value());
                if (!visible.containsKey(a.name())) {
                    diag.error(a.line(), "unknown variable '" + a.name() + "'");
                } else {
                    expectType(value, visible.get(a.name()), a.line(), "variable '" + a.name() + "'");
                }
            } else if (s instanceof Stmt.FieldAssign f) {
                VarType fieldType = field(f.object(), f.field(), f.line());
                expectType(value(f.value()), fieldType, f.line(), "field '" + f.field() + "'");
            } else if (s instanceof Stmt.If f) {
                condition(f.cond());
                block(f.then(), tail);
                block(f.otherwise(), tail);
            } else if (s instanceof Stmt.While w) {
                condition(w.cond());
                block(w.body(), false);
            } else if (s instanceof Stmt.Try t) {
                tryStatement(t);
            } else if (s instanceof Stmt.Return r) {
                if (handlers.contains("finally")) {
                    diag.error(r.line(), "'return' inside a 'finally' block (control cannot leave a finally block)");
                }
                if (r.value() != null && method.returns() == ReturnKind.VOID) {
                    diag.error(r.line(), "'return' with a value in a void method");
                } else if (r.value() == null && method.returnsValue()) {
                    diag.error(r.line(), "'return' without a value in " + article(method.returns().written()) + " method");
                } else if (r.value() != null) {
                    expectType(value(r.value()), method.returns().type, r.line(), "the return value of '" + method.fullName() + "'");
                }
            } else if (s instanceof Stmt.Throw t) {
                if (t.code() != null) {
                    expectType(value(t.code()), VarType.INT, t.line(), "an exception code");
                } else if (handlers.isEmpty()) {
                    diag.error(t.line(), "'throw' without a value outside a 'catch' block");
                } else if (handlers.peek().equals("finally")) {
                    diag.error(t.line(), "'throw' without a value inside a 'finally' block (a rethrow belongs to the nearest 'catch')");
                }
            } else if (s instanceof Stmt.ExprStmt e) {
                expr(e.expr(), false);
            } else if (s instanceof Stmt.TailCall t) {
                tailCall(t, tail);
            }
            // GcPoint: nothing to check.
        }

        private String article(String type) {
            return ("aeiou".indexOf(type.charAt(0)) >= 0 ? "an " : "a ") + type;
        }

        /** Reports a value of type {@code actual} where {@code expected} is needed (null: already reported). */
        private void expectType(VarType actual, VarType expected, int line, String where) {
            if (actual != null && expected != null && !actual.assignableTo(expected)) {
                diag.error(line, "type mismatch: " + where + " is " + expected + ", the value is " + actual);
            }
        }

        /** A condition (if, while, an operand of && and ||): an integer, true when non-zero. */
        private void condition(Expr e) {
            VarType t = value(e);
            if (t != null && t != VarType.INT) {
                diag.error(e.line(), "a condition must be an int, not " + t + " (compare it: 'o != null')");
            }
        }

        /** The type of field {@code name} of the object {@code object} refers to; null (reported) when it has none. */
        private VarType field(Expr object, String name, int line) {
            VarType t = value(object);
            if (t == null) {
                return null;
            }
            if (t.object == null) {
                diag.error(line, t == VarType.INT || t == VarType.NULL ? "'." + name + "' of " + t + ": not a Box or Pair reference"
                        : "'." + name + "' of " + t + ": only Box and Pair have fields");
                return null;
            }
            int index = t.object.fieldIndex(name);
            if (index < 0) {
                diag.error(line, t + " has no field '" + name + "' (" + fieldList(t.object) + ")");
                return null;
            }
            LabObject ref = t.object.fields().get(index).referenceType();
            return ref == null ? VarType.INT : VarType.of(ref);
        }

        private String fieldList(LabObject o) {
            StringBuilder sb = new StringBuilder();
            for (LabObject.Field f : o.fields()) {
                sb.append(sb.length() == 0 ? "" : ", ").append(f.name());
            }
            return sb.toString();
        }

        /** The try block, the catch block with its variable in scope, the finally block; none is in tail position. */
        private void tryStatement(Stmt.Try t) {
            block(t.body(), false);
            Stmt.Catch c = t.catchClause();
            if (c != null) {
                boolean declared = false;
                if (c.variable() != null) {
                    if (visible.containsKey(c.variable())) {
                        diag.error(c.line(), "duplicate variable '" + c.variable() + "'");
                    } else {
                        visible.put(c.variable(), VarType.INT);
                        declared = true;
                    }
                }
                handlers.push("catch");
                block(c.body(), false);
                handlers.pop();
                if (declared) {
                    visible.remove(c.variable());
                }
            }
            if (t.finallyClause() != null) {
                handlers.push("finally");
                block(t.finallyClause().body(), false);
                handlers.pop();
            }
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
                            + target.returns().written() + " but '" + method.fullName() + "' returns "
                            + method.returns().written());
                }
            }
            arguments(t.args(), target, t.line());
        }

        /** Checks each argument against the parameter it is passed to (when the target resolved). */
        private void arguments(List<Expr> args, MethodDecl target, int line) {
            for (int i = 0; i < args.size(); i++) {
                VarType t = value(args.get(i));
                if (target != null && i < target.arity()) {
                    expectType(t, target.paramTypes().get(i), args.get(i).line(), "parameter '" + target.params().get(i)
                            + "' of '" + target.fullName() + "'");
                }
            }
        }

        private VarType value(Expr e) {
            return expr(e, true);
        }

        /** The expression's type; null when it has none (void) or an error was reported. */
        private VarType expr(Expr e, boolean needValue) {
            if (e instanceof Expr.IntLit) {
                return VarType.INT; // range checked by the parser
            } else if (e instanceof Expr.Null) {
                return VarType.NULL;
            } else if (e instanceof Expr.VarRef v) {
                if (!visible.containsKey(v.name())) {
                    diag.error(v.line(), "unknown variable '" + v.name() + "'");
                    return null;
                }
                return visible.get(v.name());
            } else if (e instanceof Expr.This t) {
                if (method.isStatic()) {
                    diag.error(t.line(), "'this' used in a static method");
                    return null;
                }
                return VarType.OBJECT;
            } else if (e instanceof Expr.New n) {
                List<LabObject.Field> fields = n.type().object.fields();
                if (n.args().size() != fields.size()) {
                    diag.error(n.line(), "wrong argument count for 'new " + n.type() + "': expected " + fields.size() + ", got "
                            + n.args().size());
                }
                for (int i = 0; i < n.args().size(); i++) {
                    VarType t = value(n.args().get(i));
                    if (i < fields.size()) {
                        LabObject ref = fields.get(i).referenceType();
                        expectType(t, ref == null ? VarType.INT : VarType.of(ref), n.args().get(i).line(), "field '"
                                + fields.get(i).name() + "' of " + n.type());
                    }
                }
                return n.type();
            } else if (e instanceof Expr.Field f) {
                return field(f.object(), f.field(), f.line());
            } else if (e instanceof Expr.Binary b) {
                return binary(b);
            } else if (e instanceof Expr.Unary u) {
                VarType t = value(u.operand());
                if (t != null && t != VarType.INT) {
                    diag.error(u.line(), "operator '" + (u.op() == UnaryOp.NEG ? "-" : "!") + "' needs an int, not " + t);
                }
                return VarType.INT;
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
                arguments(c.args(), target, c.line());
                return target == null ? null : target.returns().type;
            } else if (e instanceof Expr.Await a) {
                if (!method.isAsync()) {
                    diag.error(a.line(), "'await' outside an async method");
                }
                if (a.isYield()) {
                    if (needValue) {
                        diag.error(a.line(), "'await yield' has no value");
                    }
                    return null;
                }
                MethodDecl target = resolve(a.ref(), a.args().size(), a.line(), method);
                if (target != null) {
                    if (!target.isAsync()) {
                        diag.error(a.line(), "'await' of non-async method '" + target.fullName() + "'");
                    } else if (needValue && target.returns() == ReturnKind.VOID) {
                        diag.error(a.line(), "void method '" + target.fullName() + "' used as a value");
                    }
                }
                arguments(a.args(), target, a.line());
                return target == null ? null : target.returns().type;
            }
            return null;
        }

        /**
         * A chain of binary operators: arithmetic, ordering and the logical operators take ints; {@code ==} and {@code !=}
         * compare two ints, or two references by identity. The result is an int.
         */
        private VarType binary(Expr.Binary b) {
            List<Expr.Binary> chain = b.leftChain();
            VarType left = value(chain.get(0).left());
            for (Expr.Binary x : chain) {
                VarType right = value(x.right());
                boolean identity = x.op() == BinaryOp.EQ || x.op() == BinaryOp.NE;
                if (left != null && right != null) {
                    if (identity) {
                        if (left.isReference() != right.isReference()) {
                            diag.error(x.line(), "cannot compare " + left + " with " + right);
                        }
                    } else if (left != VarType.INT || right != VarType.INT) {
                        diag.error(x.line(), "operator '" + x.op().symbol() + "' needs ints, not " + left + " and " + right);
                    }
                }
                left = VarType.INT;
            }
            return VarType.INT;
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
        if (s instanceof Stmt.Try t) {
            // Normal completion of the try block or of the catch block, then of the finally block.
            boolean normal = completes(t.body()) || t.catchClause() != null && completes(t.catchClause().body());
            return normal && (t.finallyClause() == null || completes(t.finallyClause().body()));
        }
        return true;
    }
}
