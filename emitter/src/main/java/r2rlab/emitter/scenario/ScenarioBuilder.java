package r2rlab.emitter.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Builds a scenario in code and validates it exactly like {@link ScenarioParser}. Fluent, with a cursor:
 * {@link #type} starts a type, {@link #staticMethod}/{@link #instanceMethod} start a method of the current type,
 * and the method setters apply to the current method.
 *
 * <pre>{@code
 * Scenario s = ScenarioBuilder.create("demo.yaml").module("AsyncDemo")
 *     .type("Demo.Program")
 *     .staticMethod("Add").params("a", "b").returnsInt().body("return a + b")
 *     .staticMethod("Run").async().returnsInt().body("await yield\nreturn call Demo.Program.Add(1, 2)")
 *     .build();
 * }</pre>
 *
 * <p>Line numbers in the AST and in error messages are those of the canonical YAML rendering, {@link #toYaml()}:
 * parsing that text gives an equal {@link Scenario}. Building is linear-time.
 */
public final class ScenarioBuilder {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_.+]+");

    private final String file;
    private String module;
    private final List<TypeB> types = new ArrayList<>();
    private TypeB currentType;
    private MethodB current;

    private static final class TypeB {
        final String name;
        final List<MethodB> methods = new ArrayList<>();

        TypeB(String name) {
            this.name = name;
        }
    }

    private static final class MethodB {
        final String name;
        final boolean isStatic;
        boolean isAsync;
        boolean tier1;
        ReturnKind returns = ReturnKind.VOID;
        List<String> params = List.of();
        List<String> body = List.of();

        MethodB(String name, boolean isStatic) {
            this.name = name;
            this.isStatic = isStatic;
        }
    }

    private ScenarioBuilder(String file) {
        this.file = file;
    }

    /** A builder whose scenario (and messages) use the file name {@code "<builder>"}. */
    public static ScenarioBuilder create() {
        return new ScenarioBuilder("<builder>");
    }

    /** A builder whose scenario (and messages) use {@code fileName}. */
    public static ScenarioBuilder create(String fileName) {
        return new ScenarioBuilder(fileName);
    }

    public ScenarioBuilder module(String name) {
        this.module = name;
        return this;
    }

    /** Starts a type: {@code Demo.Program}, or {@code Demo.Outer+Inner} for a nested type. */
    public ScenarioBuilder type(String fullName) {
        currentType = new TypeB(fullName);
        types.add(currentType);
        current = null;
        return this;
    }

    /** Starts a static method of the current type (void, no parameters, not async until set). */
    public ScenarioBuilder staticMethod(String name) {
        return method(name, true);
    }

    /** Starts an instance method; it gets the implicit first parameter {@code this}. */
    public ScenarioBuilder instanceMethod(String name) {
        return method(name, false);
    }

    private ScenarioBuilder method(String name, boolean isStatic) {
        if (currentType == null) {
            throw new IllegalStateException("call type(..) before adding methods");
        }
        current = new MethodB(name, isStatic);
        currentType.methods.add(current);
        return this;
    }

    private MethodB cur() {
        if (current == null) {
            throw new IllegalStateException("call staticMethod(..) or instanceMethod(..) first");
        }
        return current;
    }

    /** The declared parameters (without {@code this}): {@code "a"} or {@code "int a"} for an integer, {@code "Box o"} for a reference. */
    public ScenarioBuilder params(String... names) {
        cur().params = List.of(names);
        return this;
    }

    public ScenarioBuilder async() {
        return async(true);
    }

    public ScenarioBuilder async(boolean value) {
        cur().isAsync = value;
        return this;
    }

    public ScenarioBuilder returnsInt() {
        cur().returns = ReturnKind.INT;
        return this;
    }

    public ScenarioBuilder returnsVoid() {
        cur().returns = ReturnKind.VOID;
        return this;
    }

    /** Returns {@code kind}: int, void, or a reference (Box, Pair, object). */
    public ScenarioBuilder returns(ReturnKind kind) {
        cur().returns = kind;
        return this;
    }

    public ScenarioBuilder tier1() {
        return tier1(true);
    }

    public ScenarioBuilder tier1(boolean value) {
        cur().tier1 = value;
        return this;
    }

    /**
     * The body text; lines may be separated by '\n'. Common indentation, trailing spaces and trailing blank lines are
     * dropped (if the first line would stay indented, all indentation is dropped so the YAML block stays valid).
     */
    public ScenarioBuilder body(String text) {
        String[] lines = text.stripIndent().split("\r\n|\r|\n", -1);
        int n = lines.length;
        while (n > 0 && lines[n - 1].isBlank()) {
            n--;
        }
        int first = 0;
        while (first < n && lines[first].isBlank()) {
            first++;
        }
        boolean flatten = first < n && Character.isWhitespace(lines[first].charAt(0));
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(flatten || lines[i].isBlank() ? lines[i].strip() : lines[i].stripTrailing());
        }
        cur().body = out;
        return this;
    }

    /** Validates and returns the scenario; throws {@link ScenarioException} with every error. */
    public Scenario build() {
        Diagnostics diag = new Diagnostics(file);
        return Validator.validate(render(null), diag);
    }

    /** The canonical YAML text of this scenario; {@code ScenarioParser.parse(file, toYaml())} equals {@link #build()}. */
    public String toYaml() {
        StringBuilder sb = new StringBuilder();
        render(sb);
        return sb.toString();
    }

    /** Renders the canonical layout into {@code sb} (if not null) and returns the specs with its line numbers. */
    private Specs.ScenarioSpec render(StringBuilder sb) {
        int line = 1;
        emit(sb, "module: " + quote(module == null ? "" : module));
        line++;
        emit(sb, types.isEmpty() ? "types: []" : "types:");
        line++;
        List<Specs.TypeSpec> typeSpecs = new ArrayList<>(types.size());
        for (TypeB t : types) {
            int typeLine = line;
            emit(sb, "  - name: " + quote(t.name));
            line++;
            emit(sb, t.methods.isEmpty() ? "    methods: []" : "    methods:");
            line++;
            List<Specs.MethodSpec> ms = new ArrayList<>(t.methods.size());
            for (MethodB m : t.methods) {
                int methodLine = line;
                emit(sb, "      - name: " + quote(m.name));
                emit(sb, "        static: " + m.isStatic);
                emit(sb, "        async: " + m.isAsync);
                int paramsLine = methodLine + 3;
                if (sb != null) {
                    StringBuilder p = new StringBuilder("        params: [");
                    for (int i = 0; i < m.params.size(); i++) {
                        p.append(i == 0 ? "" : ", ").append(quote(m.params.get(i)));
                    }
                    emit(sb, p.append(']').toString());
                }
                emit(sb, "        returns: " + m.returns.written());
                emit(sb, "        tier1: " + m.tier1);
                line += 6;
                String body;
                int bodyLine;
                if (m.body.isEmpty()) {
                    emit(sb, "        body: \"\"");
                    body = "";
                    bodyLine = line;
                    line++;
                } else {
                    emit(sb, "        body: |");
                    line++;
                    bodyLine = line;
                    for (String b : m.body) {
                        emit(sb, b.isEmpty() ? "" : "          " + b);
                    }
                    line += m.body.size();
                    body = String.join("\n", m.body) + "\n";
                }
                List<Specs.Named> params = new ArrayList<>(m.params.size());
                for (String p : m.params) {
                    params.add(new Specs.Named(p, paramsLine));
                }
                ms.add(new Specs.MethodSpec(nonEmpty(m.name), methodLine, m.isStatic, m.isAsync, params, m.returns,
                        m.tier1, body, bodyLine));
            }
            typeSpecs.add(new Specs.TypeSpec(nonEmpty(t.name), typeLine, ms));
        }
        return new Specs.ScenarioSpec(nonEmpty(module), 1, typeSpecs);
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static void emit(StringBuilder sb, String text) {
        if (sb != null) {
            sb.append(text).append('\n');
        }
    }

    private static String quote(String s) {
        if (s == null || PLAIN.matcher(s).matches()) {
            return s == null ? "" : s;
        }
        return "'" + s.replace("'", "''") + "'";
    }
}
