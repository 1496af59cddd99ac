package r2rlab.repro;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Diagnostic;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioException;
import r2rlab.emitter.scenario.ScenarioParser;

/**
 * Reads one regression file (docs/regressions.md). Every problem is reported as {@code file:line:
 * message}, all of them at once, in one {@link CatalogueException}; an inline scenario's errors are
 * reported at their lines in the regression file.
 */
public final class CatalogueParser {
    /** Prefix of an {@code image:} path that lives in the fixture folder. */
    public static final String FIXTURES_PREFIX = "fixtures:";
    private static final int MAX_THREADS = 64;
    private static final int MAX_LAYOUT_SIZE = 1 << 16;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern ID = Pattern.compile("[A-Z][A-Za-z]*[0-9]+");
    private static final Set<String> TOP_KEYS = Set.of("name", "id", "title", "story", "driver", "scenario", "image", "entry", "args",
            "architectures", "pointer-sizes", "defect", "options", "expect", "reason");
    private static final Map<Driver, Set<String>> OPTIONS = Map.of(
            Driver.EMULATE, Set.of("tier-up-after", "register-stubs", "worker", "strict-alignment", "hot-cold-map", "walk-at", "stub-layout",
                    "gc-stress", "check-barriers"),
            Driver.SIGNATURE_NODE, Set.of("stub-layout"),
            Driver.REGISTRATION_RACE, Set.of("threads", "stub-layout"),
            Driver.INSTANCE_METHODS, Set.of("stub-layout"),
            Driver.GC_MAP, Set.of("size", "references", "following"),
            Driver.NOT_MODELLED, Set.of());
    /** Run options other parts of the runtime model will bring; a file naming one now is told so. */
    private static final Map<String, String> FUTURE_OPTIONS = Map.of(
            "gc", "the collector runs at allocations that do not fit; 'gc-stress: true' runs it at every safepoint");

    private final String file;
    private final Path path;
    private final Path fixtures;
    /** Problems found, with their lines; reported sorted by line. */
    private final List<Map.Entry<Integer, String>> errors = new ArrayList<>();

    private CatalogueParser(Path path, Path fixtures) {
        this.path = path;
        this.file = path.toString();
        this.fixtures = fixtures;
    }

    /**
     * Reads the regression file at {@code path}; {@code fixtures} resolves {@code image: fixtures:...} paths.
     *
     * @throws CatalogueException the file is malformed (every error, {@code file:line: message})
     * @throws IOException the file cannot be read
     */
    public static Regression parse(Path path, Path fixtures) throws IOException {
        return parse(path, Files.readString(path, StandardCharsets.UTF_8), fixtures);
    }

    /** Reads regression text as if it were the file at {@code path} (relative paths in it resolve against its folder). */
    public static Regression parse(Path path, String text, Path fixtures) {
        CatalogueParser p = new CatalogueParser(path, fixtures);
        Regression r = p.read(text);
        if (!p.errors.isEmpty()) {
            List<Map.Entry<Integer, String>> sorted = new ArrayList<>(p.errors);
            sorted.sort(Map.Entry.comparingByKey());
            throw new CatalogueException(sorted.stream().map(e -> p.file + ":" + e.getKey() + ": " + e.getValue()).toList());
        }
        return r;
    }

    private void error(int line, String message) {
        errors.add(Map.entry(line, message));
    }

    private static int line(Node n) {
        return n.getStartMark().getLine() + 1;
    }

    private Regression read(String text) {
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(true); // reported below with their lines
            root = new Yaml(options).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            error(m == null ? 1 : m.getLine() + 1, "YAML syntax error: " + (e.getProblem() != null ? e.getProblem() : e.getContext()));
            return null;
        } catch (YAMLException e) {
            error(1, "YAML syntax error: " + e.getMessage());
            return null;
        }
        if (root == null) {
            error(1, "empty regression file");
            return null;
        }
        if (!(root instanceof MappingNode map)) {
            error(line(root), "a regression file is a mapping (name, id, story, scenario, entry, defect, expect, ...)");
            return null;
        }
        Map<String, Node> top = entries(map, TOP_KEYS, "at the top level");
        String name = scalar(top, "name", true);
        if (name != null && !NAME.matcher(name).matches()) {
            error(line(top.get("name")), "invalid name '" + name + "': letters, digits, '.', '_' and '-'");
        }
        String id = scalar(top, "id", true);
        if (id != null && !ID.matcher(id).matches()) {
            error(line(top.get("id")), "invalid catalogue id '" + id + "' (B1, B2, ..., as in runtime-async.md section B)");
        }
        String title = scalar(top, "title", false);
        String story = scalar(top, "story", true);
        Driver driver = Driver.EMULATE;
        String driverName = scalar(top, "driver", false);
        if (driverName != null) {
            driver = Driver.byKey(driverName);
            if (driver == null) {
                error(line(top.get("driver")), "unknown driver '" + driverName + "'; known: " + Driver.keys());
                return null;
            }
        }
        if (driver == Driver.NOT_MODELLED) {
            for (String k : List.of("scenario", "image", "entry", "args", "architectures", "pointer-sizes", "defect", "options", "expect")) {
                if (top.containsKey(k)) {
                    error(line(top.get(k)), "'" + k + "' has no use in a regression that is not modelled");
                }
            }
            String reason = scalar(top, "reason", true);
            return errors.isEmpty() ? new Regression(path, name, id, title, story, driver, null, null, null, null, List.of(), List.of(),
                    null, RunOptions.DEFAULT, new Expectation(List.of(), List.of(), Map.of(), Map.of(), false), reason) : null;
        }
        if (top.containsKey("reason")) {
            error(line(top.get("reason")), "'reason' belongs to a regression with driver not-modelled");
        }

        // The defect switch.
        DefectSwitch defect = null;
        String defectName = scalar(top, "defect", true);
        if (defectName != null) {
            defect = DefectSwitch.byName(defectName);
            if (defect == null) {
                error(line(top.get("defect")), "unknown defect '" + defectName + "'; known: " + DefectSwitch.known());
            }
        }

        // What it runs on.
        Scenario scenario = null;
        String scenarioText = null;
        Path image = null;
        boolean wantsScenario = driver != Driver.GC_MAP;
        if (top.containsKey("image")) {
            if (driver != Driver.INSTANCE_METHODS) {
                error(line(top.get("image")), "'image' (a real image) is read only by the instance-methods driver");
            } else if (top.containsKey("scenario")) {
                error(line(top.get("image")), "give either 'scenario' or 'image', not both");
            } else {
                image = image(top.get("image"));
                wantsScenario = false;
            }
        }
        if (wantsScenario) {
            Node s = top.get("scenario");
            if (s == null) {
                error(line(map), "missing 'scenario' (an inline scenario, 'scenario: |', or the path of a scenario file)");
            } else if (s instanceof ScalarNode sn) {
                String value = sn.getValue();
                if (value.contains("\n")) {
                    scenarioText = value;
                    scenario = inlineScenario(sn);
                } else {
                    Path p = resolve(value);
                    try {
                        scenarioText = Files.readString(p, StandardCharsets.UTF_8);
                        scenario = ScenarioParser.parse(p.toString(), scenarioText);
                    } catch (IOException e) {
                        error(line(s), "cannot read scenario file " + p + ": " + e.getMessage());
                    } catch (ScenarioException e) {
                        for (Diagnostic d : e.errors()) {
                            error(line(s), "scenario " + d);
                        }
                    }
                }
            } else {
                error(line(s), "'scenario' is an inline scenario ('scenario: |') or a path");
            }
        } else if (driver == Driver.GC_MAP && top.containsKey("scenario")) {
            error(line(top.get("scenario")), "the gc-map driver builds no image: no 'scenario'");
        }

        String entry = scalar(top, "entry", driver == Driver.EMULATE || driver == Driver.REGISTRATION_RACE);
        if (entry != null && driver != Driver.EMULATE && driver != Driver.REGISTRATION_RACE) {
            error(line(top.get("entry")), "the " + driver.key + " driver runs no entry method");
        }
        if (entry != null && scenario != null && scenario.methods().noneMatch(m -> m.fullName().equals(entry))) {
            error(line(top.get("entry")), "entry '" + entry + "' is no method of the scenario");
        }
        List<Long> args = new ArrayList<>();
        if (top.containsKey("args")) {
            if (driver != Driver.EMULATE) {
                error(line(top.get("args")), "the " + driver.key + " driver passes no arguments");
            }
            for (Node n : list(top.get("args"), "args")) {
                Long v = n instanceof ScalarNode sc ? SymptomKind.number(sc.getValue()) : null;
                if (v == null) {
                    error(line(n), "an argument is an integer");
                } else {
                    args.add(v);
                }
            }
        }

        List<Target> targets = targets(top, driver, image != null);
        RunOptions options = options(top.get("options"), driver);
        Expectation expectation = expectation(top.get("expect"), targets, line(map), driver);
        if (!errors.isEmpty()) {
            return null;
        }
        return new Regression(path, name, id, title, story, driver, scenario, scenarioText, image, entry, args, targets, defect, options,
                expectation, null);
    }

    private Scenario inlineScenario(ScalarNode node) {
        // A literal block's content starts on the line after its indicator.
        int first = line(node) + (node.getScalarStyle() == DumperOptions.ScalarStyle.LITERAL ? 1 : 0);
        try {
            return ScenarioParser.parse(file, node.getValue());
        } catch (ScenarioException e) {
            for (Diagnostic d : e.errors()) {
                error(first + d.line() - 1, "scenario: " + d.message());
            }
            return null;
        }
    }

    private Path resolve(String value) {
        Path dir = path.toAbsolutePath().getParent();
        return dir == null ? Path.of(value) : dir.resolve(value).normalize();
    }

    private Path image(Node n) {
        if (!(n instanceof ScalarNode s) || s.getValue().isBlank()) {
            error(line(n), "'image' is the path of a ReadyToRun image ('fixtures:DIR/NAME.dll' for one of the fixtures)");
            return null;
        }
        String v = s.getValue().trim();
        Path p;
        if (v.startsWith(FIXTURES_PREFIX)) {
            if (fixtures == null) {
                error(line(n), "no fixture folder for '" + v + "'");
                return null;
            }
            p = fixtures.resolve(v.substring(FIXTURES_PREFIX.length())).normalize();
        } else {
            p = resolve(v);
        }
        if (!Files.isRegularFile(p)) {
            error(line(n), "image " + p + " not found");
            return null;
        }
        return p;
    }

    private List<Target> targets(Map<String, Node> top, Driver driver, boolean realImage) {
        List<Target> out = new ArrayList<>();
        Node archs = top.get("architectures");
        Node sizes = top.get("pointer-sizes");
        if (driver == Driver.GC_MAP) {
            if (archs != null) {
                error(line(archs), "the gc-map driver runs per pointer size ('pointer-sizes'), not per architecture");
            }
            if (sizes == null) {
                error(1, "missing 'pointer-sizes' (4, 8)");
                return out;
            }
            for (Node n : list(sizes, "pointer-sizes")) {
                Long v = n instanceof ScalarNode s ? SymptomKind.number(s.getValue()) : null;
                if (v == null || (v != 4 && v != 8)) {
                    error(line(n), "a pointer size is 4 or 8");
                } else if (out.stream().anyMatch(t -> t.pointerSize() == v)) {
                    error(line(n), "pointer size " + v + " listed twice");
                } else {
                    out.add(Target.pointerSize(v.intValue()));
                }
            }
            return out;
        }
        if (sizes != null) {
            error(line(sizes), "'pointer-sizes' belongs to the gc-map driver; use 'architectures'");
        }
        if (archs == null) {
            if (realImage) {
                error(1, "missing 'architectures': the architecture of the image");
                return out;
            }
            for (Architecture a : Architecture.values()) {
                out.add(Target.of(a));
            }
            return out;
        }
        for (Node n : list(archs, "architectures")) {
            try {
                Architecture a = Architecture.byName(n instanceof ScalarNode s ? s.getValue() : "?");
                if (out.stream().anyMatch(t -> t.arch() == a)) {
                    error(line(n), "architecture " + a.machine.archName + " listed twice");
                } else {
                    out.add(Target.of(a));
                }
            } catch (IllegalArgumentException e) {
                error(line(n), e.getMessage());
            }
        }
        if (realImage && out.size() > 1) {
            error(line(archs), "a real image has one architecture");
        }
        if (out.isEmpty() && errors.isEmpty()) {
            error(line(archs), "no architecture");
        }
        return out;
    }

    private RunOptions options(Node node, Driver driver) {
        RunOptions d = RunOptions.DEFAULT;
        if (node == null) {
            if (driver == Driver.GC_MAP) {
                error(1, "the gc-map driver needs 'options' with 'size' (the type's size in bytes)");
            }
            return d;
        }
        Set<String> allowed = new HashSet<>(OPTIONS.get(driver));
        allowed.addAll(FUTURE_OPTIONS.keySet());
        Map<String, Node> o = entries(node, allowed, "in 'options' of the " + driver.key + " driver");
        Integer tierUp = d.tierUpAfter();
        boolean registerStubs = d.registerStubs();
        boolean checked = d.checkedBuild();
        boolean strict = d.strictAlignment();
        boolean hotCold = d.hotColdMap();
        RunOptions.WalkAt walkAt = d.walkAt();
        StubLayout layout = d.stubLayout();
        int threads = d.threads();
        int size = d.layoutSize();
        List<Integer> refs = new ArrayList<>();
        byte[] following = d.following();
        boolean gcStress = d.gcStress();
        boolean checkBarriers = d.checkBarriers();
        for (Map.Entry<String, Node> e : o.entrySet()) {
            Node v = e.getValue();
            String text = v instanceof ScalarNode s ? s.getValue().trim() : null;
            switch (e.getKey()) {
                case "tier-up-after" -> tierUp = positive(v, text, "tier-up-after", 1_000_000);
                case "register-stubs" -> registerStubs = bool(v, text, "register-stubs", registerStubs);
                case "strict-alignment" -> strict = bool(v, text, "strict-alignment", strict);
                case "gc-stress" -> gcStress = bool(v, text, "gc-stress", gcStress);
                case "check-barriers" -> checkBarriers = bool(v, text, "check-barriers", checkBarriers);
                case "worker" -> {
                    if ("checked".equals(text) || "release".equals(text)) {
                        checked = "checked".equals(text);
                    } else {
                        error(line(v), "'worker' is checked or release, not '" + text + "'");
                    }
                }
                case "hot-cold-map" -> {
                    if ("consulted".equals(text) || "ignored".equals(text)) {
                        hotCold = "consulted".equals(text);
                    } else {
                        error(line(v), "'hot-cold-map' is consulted or ignored, not '" + text + "'");
                    }
                }
                case "walk-at" -> {
                    if ("allocation".equals(text)) {
                        walkAt = RunOptions.WalkAt.ALLOCATION;
                    } else if ("gcpoint".equals(text)) {
                        walkAt = RunOptions.WalkAt.GCPOINT;
                    } else {
                        error(line(v), "'walk-at' is allocation or gcpoint, not '" + text + "'");
                    }
                }
                case "stub-layout" -> {
                    if ("adjacent".equals(text) || "grouped".equals(text)) {
                        layout = StubLayout.valueOf(text.toUpperCase(Locale.ROOT));
                    } else {
                        error(line(v), "'stub-layout' is adjacent or grouped, not '" + text + "'");
                    }
                }
                case "threads" -> {
                    Integer t = positive(v, text, "threads", MAX_THREADS);
                    if (t != null && t < 2) {
                        error(line(v), "'threads' is at least 2: a race needs a loser");
                    } else if (t != null) {
                        threads = t;
                    }
                }
                case "size" -> {
                    Integer s = positive(v, text, "size", MAX_LAYOUT_SIZE);
                    size = s == null ? size : s;
                }
                case "references" -> {
                    for (Node n : list(v, "references")) {
                        Long c = n instanceof ScalarNode s ? SymptomKind.number(s.getValue()) : null;
                        if (c == null || c < 0 || c >= MAX_LAYOUT_SIZE) {
                            error(line(n), "a reference is a cell index from 0 to " + (MAX_LAYOUT_SIZE - 1));
                        } else {
                            refs.add(c.intValue());
                        }
                    }
                }
                case "following" -> following = hex(v, text);
                default -> error(line(v), "option '" + e.getKey() + "': " + FUTURE_OPTIONS.get(e.getKey()));
            }
        }
        if (driver == Driver.GC_MAP && !o.containsKey("size")) {
            error(line(node), "the gc-map driver needs 'size' (the type's size in bytes)");
        }
        return new RunOptions(tierUp, registerStubs, checked, strict, hotCold, walkAt, layout, threads, size, refs, following, gcStress,
                checkBarriers);
    }

    private Expectation expectation(Node node, List<Target> targets, int rootLine, Driver driver) {
        List<Expectation.Expected> buggy = new ArrayList<>();
        List<Expectation.Expected> fixed = new ArrayList<>();
        Map<String, List<Expectation.Expected>> buggyBy = new HashMap<>();
        Map<String, List<Expectation.Expected>> fixedBy = new HashMap<>();
        if (node == null) {
            error(rootLine, "missing 'expect' (the buggy run's symptom and the fixed run's result)");
            return new Expectation(buggy, fixed, buggyBy, fixedBy, false);
        }
        Set<String> keys = new HashSet<>(List.of("buggy", "fixed", "no-defect"));
        targets.forEach(t -> keys.add(t.name()));
        Map<String, Node> e = entries(node, keys, "in 'expect' (buggy, fixed, no-defect, or a target of this regression)");
        boolean noDefect = e.containsKey("no-defect") && bool(e.get("no-defect"), text(e.get("no-defect")), "no-defect", false);
        if (e.containsKey("buggy")) {
            buggy.addAll(symptoms(e.get("buggy"), "buggy", driver));
        }
        if (e.containsKey("fixed")) {
            fixed.addAll(symptoms(e.get("fixed"), "fixed", driver));
        }
        for (Target t : targets) {
            Node tn = e.get(t.name());
            if (tn == null) {
                continue;
            }
            Map<String, Node> both = entries(tn, Set.of("buggy", "fixed"), "in 'expect." + t.name() + "'");
            if (both.containsKey("buggy")) {
                buggyBy.put(t.name(), symptoms(both.get("buggy"), t.name() + ".buggy", driver));
            }
            if (both.containsKey("fixed")) {
                fixedBy.put(t.name(), symptoms(both.get("fixed"), t.name() + ".fixed", driver));
            }
        }
        if (buggy.isEmpty() && buggyBy.isEmpty()) {
            error(line(node), "'expect' names no symptom for the buggy run ('buggy:')");
        }
        if (fixed.isEmpty() && fixedBy.isEmpty() && !noDefect) {
            error(line(node), "'expect' names no result for the fixed run ('fixed:')");
        }
        return new Expectation(buggy, fixed, buggyBy, fixedBy, noDefect);
    }

    private List<Expectation.Expected> symptoms(Node node, String where, Driver driver) {
        List<Expectation.Expected> out = new ArrayList<>();
        if (!(node instanceof MappingNode m)) {
            error(line(node), "'" + where + "' is a mapping of symptom kinds to values");
            return out;
        }
        Set<SymptomKind> seen = EnumSet.noneOf(SymptomKind.class);
        for (NodeTuple kv : m.getValue()) {
            String key = kv.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?";
            SymptomKind kind = SymptomKind.byKey(key);
            int ln = line(kv.getKeyNode());
            if (kind == null) {
                error(ln, "unknown symptom kind '" + key + "' in '" + where + "'; known: " + knownKinds());
                continue;
            }
            if (!seen.add(kind)) {
                error(ln, "duplicate symptom kind '" + key + "' in '" + where + "'");
                continue;
            }
            if (!driver.observes(kind)) {
                error(ln, "the " + driver.key + " driver does not observe '" + key + "'");
                continue;
            }
            String value = text(kv.getValueNode());
            if (value == null) {
                error(line(kv.getValueNode()), "'" + key + "' is a single value");
                continue;
            }
            String problem = kind.validate(value);
            if (problem != null) {
                error(line(kv.getValueNode()), problem);
                continue;
            }
            out.add(new Expectation.Expected(kind, value.trim(), line(kv.getValueNode())));
        }
        return out;
    }

    private static String knownKinds() {
        StringBuilder sb = new StringBuilder();
        for (SymptomKind k : SymptomKind.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(k.key);
        }
        return sb.toString();
    }

    // ---- YAML helpers

    private Map<String, Node> entries(Node node, Set<String> allowed, String where) {
        Map<String, Node> out = new LinkedHashMap<>();
        if (!(node instanceof MappingNode map)) {
            error(line(node), "expected a mapping " + where);
            return out;
        }
        for (NodeTuple kv : map.getValue()) {
            if (!(kv.getKeyNode() instanceof ScalarNode k)) {
                error(line(kv.getKeyNode()), "a key is a plain name");
                continue;
            }
            String key = k.getValue();
            if (!allowed.contains(key)) {
                error(line(k), "unknown key '" + key + "' " + where);
            } else if (out.containsKey(key)) {
                error(line(k), "duplicate key '" + key + "'");
            } else {
                out.put(key, kv.getValueNode());
            }
        }
        return out;
    }

    private String scalar(Map<String, Node> m, String key, boolean required) {
        Node n = m.get(key);
        if (n == null) {
            if (required) {
                error(1, "missing '" + key + "'");
            }
            return null;
        }
        String v = text(n);
        if (v == null || v.isBlank()) {
            error(line(n), "'" + key + "' is a single non-empty value");
            return null;
        }
        return v.strip();
    }

    private static String text(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }

    private List<Node> list(Node n, String key) {
        if (n instanceof SequenceNode s) {
            return s.getValue();
        }
        error(line(n), "'" + key + "' is a list");
        return List.of();
    }

    private boolean bool(Node n, String text, String key, boolean otherwise) {
        if ("true".equals(text) || "false".equals(text)) {
            return Boolean.parseBoolean(text);
        }
        error(line(n), "'" + key + "' is true or false, not '" + text + "'");
        return otherwise;
    }

    private Integer positive(Node n, String text, String key, int max) {
        Long v = text == null ? null : SymptomKind.number(text);
        if (v == null || v < 1 || v > max) {
            error(line(n), "'" + key + "' is an integer from 1 to " + max + ", not '" + text + "'");
            return null;
        }
        return v.intValue();
    }

    private byte[] hex(Node n, String text) {
        String t = text == null ? "" : text.replace(" ", "");
        if (t.isEmpty() || t.length() % 2 != 0 || !t.matches("[0-9A-Fa-f]+") || t.length() > 64) {
            error(line(n), "'following' is up to 32 bytes in hex (\"38 00\"), not '" + text + "'");
            return new byte[0];
        }
        byte[] out = new byte[t.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(t.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
