package r2rlab.emitter.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads a scenario file (YAML, see docs/scenario-format.md) and returns the validated, resolved {@link Scenario}.
 * Every error is reported as {@code file:line: message} in a single {@link ScenarioException}.
 */
public final class ScenarioParser {
    private static final Set<String> TOP_KEYS = Set.of("module", "types");
    private static final Set<String> TYPE_KEYS = Set.of("name", "methods");
    private static final Set<String> METHOD_KEYS = Set.of("name", "static", "async", "params", "returns", "tier1", "body");

    private final Diagnostics diag;

    private ScenarioParser(Diagnostics diag) {
        this.diag = diag;
    }

    /**
     * Parses a file; the file name in messages is {@code file.toString()}.
     *
     * @throws ScenarioException also for a file that is not UTF-8 ({@code file:line: not UTF-8: ...})
     */
    public static Scenario parse(Path file) throws IOException {
        return parse(file.toString(), decode(file.toString(), Files.readAllBytes(file)));
    }

    /** The text of a scenario file, or the line of its first byte sequence that is not UTF-8. */
    private static String decode(String fileName, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            StringBuilder seq = new StringBuilder();
            for (int i = at; i < Math.min(bytes.length, at + r.length()); i++) {
                seq.append(String.format(" 0x%02X", bytes[i] & 0xFF));
            }
            throw new ScenarioException(List.of(new Diagnostic(fileName, line,
                    "not UTF-8: byte" + (r.length() == 1 ? "" : "s") + seq + " at file offset " + at)));
        }
        return out.flip().toString();
    }

    /** Parses scenario text; {@code fileName} is used in messages and stored in {@link Scenario#file()}. */
    public static Scenario parse(String fileName, String text) {
        Diagnostics diag = new Diagnostics(fileName);
        Specs.ScenarioSpec spec = new ScenarioParser(diag).read(text);
        if (spec == null) {
            diag.throwIfAny();
        }
        return Validator.validate(spec, diag);
    }

    private static int line(Node n) {
        return n.getStartMark().getLine() + 1;
    }

    /**
     * Reports the first character YAML does not allow (SnakeYAML's reader rejects it without a line); true when there
     * is none.
     */
    private boolean printable(String text) {
        int line = 1;
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            if (c == '\n') {
                line++;
            } else if (!StreamReader.isPrintable(c)) {
                diag.error(line, String.format("character U+%04X is not allowed in a YAML file", c));
                return false;
            }
            i += Character.charCount(c);
        }
        return true;
    }

    private Specs.ScenarioSpec read(String text) {
        if (!printable(text)) {
            return null;
        }
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setCodePointLimit(Integer.MAX_VALUE);
            root = new Composer(new ParserImpl(new WholeTextReader(text), options), new Resolver(), options).getSingleNode();
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getContext();
            diag.error(m == null ? 1 : m.getLine() + 1, "YAML syntax error: " + problem);
            return null;
        } catch (YAMLException e) {
            diag.error(1, "YAML syntax error: " + e.getMessage().lines().findFirst().orElse(""));
            return null;
        }
        if (root == null) {
            diag.error(1, "empty scenario file");
            return null;
        }
        if (!(root instanceof MappingNode map)) {
            diag.error(line(root), "a scenario must be a mapping with 'module' and 'types'");
            return null;
        }
        String module = null;
        List<Specs.TypeSpec> types = new ArrayList<>();
        for (NodeTuple kv : entries(map, TOP_KEYS, "at the top level")) {
            String key = ((ScalarNode) kv.getKeyNode()).getValue();
            Node v = kv.getValueNode();
            if (key.equals("module")) {
                module = nonEmpty(string(v, key));
            } else {
                for (Node t : list(v, key)) {
                    Specs.TypeSpec ts = type(t);
                    if (ts != null) {
                        types.add(ts);
                    }
                }
            }
        }
        return new Specs.ScenarioSpec(module, line(root), types);
    }

    private Specs.TypeSpec type(Node n) {
        if (!(n instanceof MappingNode map)) {
            diag.error(line(n), "a type must be a mapping with 'name' and 'methods'");
            return null;
        }
        String name = null;
        List<Specs.MethodSpec> methods = new ArrayList<>();
        for (NodeTuple kv : entries(map, TYPE_KEYS, "in a type")) {
            String key = ((ScalarNode) kv.getKeyNode()).getValue();
            Node v = kv.getValueNode();
            if (key.equals("name")) {
                name = nonEmpty(string(v, key));
            } else {
                for (Node m : list(v, key)) {
                    Specs.MethodSpec ms = method(m);
                    if (ms != null) {
                        methods.add(ms);
                    }
                }
            }
        }
        return new Specs.TypeSpec(name, line(map), methods);
    }

    private Specs.MethodSpec method(Node n) {
        if (!(n instanceof MappingNode map)) {
            diag.error(line(n), "a method must be a mapping with at least 'name'");
            return null;
        }
        String name = null;
        boolean isStatic = true;
        boolean isAsync = false;
        boolean tier1 = false;
        ReturnKind returns = ReturnKind.VOID;
        List<Specs.Named> params = new ArrayList<>();
        String body = "";
        int bodyLine = line(map);
        for (NodeTuple kv : entries(map, METHOD_KEYS, "in a method")) {
            String key = ((ScalarNode) kv.getKeyNode()).getValue();
            Node v = kv.getValueNode();
            switch (key) {
                case "name" -> name = nonEmpty(string(v, key));
                case "static" -> isStatic = bool(v, key, true);
                case "async" -> isAsync = bool(v, key, false);
                case "tier1" -> tier1 = bool(v, key, false);
                case "returns" -> {
                    String r = string(v, key);
                    if (r != null && ReturnKind.named(r) != null) {
                        returns = ReturnKind.named(r);
                    } else if (r != null) {
                        diag.error(line(v), "'returns' must be int, void, Box, Pair or object, not '" + r + "'");
                    }
                }
                case "params" -> {
                    for (Node p : list(v, key)) {
                        String s = string(p, "a parameter");
                        if (s != null) {
                            params.add(new Specs.Named(s, line(p)));
                        }
                    }
                }
                default -> { // body
                    if (!(v instanceof ScalarNode s)) {
                        diag.error(line(v), "'body' must be text (use 'body: |')");
                    } else if (s.getScalarStyle() == DumperOptions.ScalarStyle.LITERAL) {
                        body = s.getValue();
                        bodyLine = line(s) + 1;
                    } else if (s.getScalarStyle() == DumperOptions.ScalarStyle.FOLDED
                            || s.getEndMark().getLine() != s.getStartMark().getLine()) {
                        diag.error(line(s), "a multi-line 'body' must be a literal block ('body: |')");
                    } else {
                        body = s.getValue();
                        bodyLine = line(s);
                    }
                }
            }
        }
        return new Specs.MethodSpec(name, line(map), isStatic, isAsync, params, returns, tier1, body, bodyLine);
    }

    /** The entries of a mapping with scalar keys from {@code allowed}; reports unknown and duplicate keys. */
    private List<NodeTuple> entries(MappingNode map, Set<String> allowed, String where) {
        List<NodeTuple> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NodeTuple kv : map.getValue()) {
            Node k = kv.getKeyNode();
            if (!(k instanceof ScalarNode ks)) {
                diag.error(line(k), "keys must be plain names");
                continue;
            }
            String key = ks.getValue();
            if (!allowed.contains(key)) {
                diag.error(line(k), "unknown key '" + key + "' " + where);
            } else if (!seen.add(key)) {
                diag.error(line(k), "duplicate key '" + key + "'");
            } else {
                out.add(kv);
            }
        }
        return out;
    }

    private String string(Node v, String what) {
        if (!(v instanceof ScalarNode s)) {
            diag.error(line(v), "'" + what + "' must be a single value");
            return null;
        }
        return s.getValue();
    }

    private static String nonEmpty(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private boolean bool(Node v, String what, boolean dflt) {
        String s = string(v, what);
        if ("true".equals(s)) {
            return true;
        }
        if ("false".equals(s)) {
            return false;
        }
        if (s != null) {
            diag.error(line(v), "'" + what + "' must be true or false, not '" + s + "'");
        }
        return dflt;
    }

    private List<Node> list(Node v, String what) {
        if (v instanceof SequenceNode seq) {
            return seq.getValue();
        }
        if (v instanceof ScalarNode s && s.getValue().isEmpty() && s.getScalarStyle() == DumperOptions.ScalarStyle.PLAIN) {
            return List.of(); // "key:" with no value
        }
        diag.error(line(v), "'" + what + "' must be a list");
        return List.of();
    }
}
