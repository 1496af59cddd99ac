package r2rlab.tests.diff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioException;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.tests.diff.DifferentialRunner.Mismatch;
import r2rlab.tests.diff.DifferentialRunner.Target;

/**
 * The differential tester: for each seed a program from the {@link ProgramGenerator}, emitted for x64 (Windows on
 * even seeds, System V on odd ones) and ARM64, run in the emulator root by root and compared with the
 * {@link ReferenceInterpreter}. Every program must compile on both architectures and every root must agree. On a
 * mismatch the program and the smallest program the {@link Shrinker} finds that still mismatches are written to
 * {@code tests/target/differential/}, and the test fails naming them.
 *
 * <p>More seeds (any number, from any first seed):
 * <pre>
 * mvn -o -q -B test -pl tests -am -Dtest=DifferentialTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dr2rlab.diff.seeds=5000 -Dr2rlab.diff.first=100000
 * </pre>
 */
class DifferentialTest {
    /** The fixed suite: seeds 1 .. 300 unless overridden. */
    static final long FIRST = Long.getLong("r2rlab.diff.first", 1);
    static final int SEEDS = Integer.getInteger("r2rlab.diff.seeds", 300);
    /** Mismatching seeds shrunk and written out per run (each shrink emits and runs hundreds of candidates). */
    private static final int SHRINK_AT_MOST = 3;
    private static final int SHRINK_TRIES = 600;
    private static final Path OUT = Path.of("target", "differential");

    private record SeedResult(long seed, Program program, List<Mismatch> mismatches) {
    }

    private static SeedResult runSeed(long seed) {
        Program p = new ProgramGenerator(seed).generate();
        List<String> expected = DifferentialRunner.expected(p);
        List<Mismatch> mismatches = new ArrayList<>();
        for (Target t : DifferentialRunner.targets(seed)) {
            mismatches.addAll(DifferentialRunner.compare(p, expected, t));
        }
        return new SeedResult(seed, p, mismatches);
    }

    /** Seeds on two threads (the machine's two cores; each emulator is its own engine). */
    private static List<SeedResult> runSeeds(long first, int count) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<SeedResult>> futures = new ArrayList<>();
            for (long seed = first; seed < first + count; seed++) {
                long s = seed;
                futures.add(pool.submit(() -> runSeed(s)));
            }
            List<SeedResult> out = new ArrayList<>();
            for (Future<SeedResult> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    throw new AssertionError("a seed did not run: " + e.getCause(), e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void generatedProgramsAgreeWithTheInterpreterOnX64AndArm64() throws Exception {
        List<SeedResult> results = runSeeds(FIRST, SEEDS);
        List<String> report = new ArrayList<>();
        int shrunk = 0;
        for (SeedResult r : results) {
            if (r.mismatches().isEmpty()) {
                continue;
            }
            r.mismatches().forEach(m -> report.add("seed " + r.seed() + ": " + m));
            if (shrunk++ < SHRINK_AT_MOST) {
                report.add("  " + writeOut(r.seed(), r.program(), r.mismatches().get(0)));
            }
        }
        if (!report.isEmpty()) {
            fail(report.size() + " lines of mismatches (seeds " + FIRST + ".." + (FIRST + SEEDS - 1) + "):\n" + String.join("\n", report));
        }
    }

    /** Seed 821 draws an async Big with about 2,100 locals (0x555C0 bytes of ARM64 code in its async variant). */
    @Test
    void seed821AgreesOnX64AndArm64() {
        SeedResult r = runSeed(821);
        assertEquals(List.of(), r.mismatches());
        assertTrue(r.program().toYaml().contains("      - name: Big\n        async: true\n"), "seed 821 draws an async Big");
    }

    /**
     * An async method past what one ARM64 .xdata record covers (3,600 locals, all read by its return, so up to 3,500 of
     * them live across each of 35 awaits: a host record, later unwind fragments, far conditional branches) agrees with
     * the interpreter on both architectures: its suspensions and resumptions run in the later fragments.
     */
    @Test
    void anAsyncMethodPastOneXdataRecordAgreesWithTheInterpreter() {
        List<String> lines = new ArrayList<>(List.of("module: Frag", "types:", "  - name: Demo.Frag", "    methods:", "      - name: Big",
                "        async: true", "        params: [p]", "        returns: int", "        body: |", "          var b0 = p"));
        for (int k = 1; k < 3600; k++) {
            lines.add("          var b" + k + " = b" + (k - 1) + " + " + k);
            if (k % 100 == 0) {
                lines.add("          await yield");
            }
        }
        lines.add("          var s = b0"); // a statement per term: the interpreter walks expressions recursively
        for (int k = 1; k < 3600; k++) {
            lines.add("          s = s + b" + k);
        }
        lines.add("          return s");
        Scenario scenario = ScenarioParser.parse("frag.yaml", String.join("\n", lines) + "\n");
        Program.Target big = ScenarioImport.target(scenario.methods().findFirst().orElseThrow());
        Program p = ScenarioImport.program(scenario, List.of(new Program.Root(big, List.of(5L)), new Program.Root(big, List.of(-7L))));
        List<String> expected = DifferentialRunner.expected(p);
        // b_k = p + (1 + ... + k): the sum over k = 0..3599 is 3600p + 3599 * 3600 * 3601 / 6
        assertEquals(List.of("returned " + (3600L * 5 + 3599L * 3600 * 3601 / 6), "returned " + (3600L * -7 + 3599L * 3600 * 3601 / 6)),
                expected);
        for (Target t : DifferentialRunner.targets(1)) {
            assertEquals(List.of(), DifferentialRunner.compare(p, expected, t), t.toString());
        }
        R2RImage arm64 = R2RImage.read("frag.dll", Emitter.emit(scenario, DifferentialRunner.targets(1).get(1).options()));
        ReadyToRunMethod variant = arm64.methods().stream().filter(m -> m.kind() == CodeBodyKind.ASYNC_VARIANT).findFirst().orElseThrow();
        assertTrue(variant.runtimeFunctions().size() >= 2, variant.runtimeFunctions().toString());
        assertTrue(arm64.isFunctionFragment(variant.runtimeFunctions().get(1)));
    }

    /** Shrinks a mismatch on its target and writes both programs; returns where. */
    static String writeOut(long seed, Program p, Mismatch m) {
        Shrinker shrinker = new Shrinker(candidate -> failsAlike(candidate, m), SHRINK_TRIES);
        Program small = shrinker.shrink(p);
        try {
            Files.createDirectories(OUT);
            String base = "seed-" + seed + "-" + m.target().arch().machine.archName;
            Path original = OUT.resolve(base + ".yaml");
            Path shrunkFile = OUT.resolve(base + "-shrunk.yaml");
            Files.writeString(original, header(p, m) + p.toYaml());
            List<String> expected = DifferentialRunner.expected(small);
            List<Mismatch> still = DifferentialRunner.compare(small, expected, m.target());
            Files.writeString(shrunkFile, header(small, still.isEmpty() ? m : still.get(0)) + small.toYaml());
            return "written " + original.toAbsolutePath() + " and, shrunk in " + shrinker.tries() + " tries, " + shrunkFile.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String header(Program p, Mismatch m) {
        StringBuilder h = new StringBuilder("# ").append(m).append('\n');
        for (Program.Root root : p.roots()) {
            h.append("# root ").append(root.target().written()).append(' ').append(root.args()).append('\n');
        }
        return h.toString();
    }

    /** A valid candidate (it compiles, the interpreter finishes it) that mismatches on {@code m}'s target in the same way. */
    static boolean failsAlike(Program candidate, Mismatch m) {
        List<String> expected;
        try {
            ScenarioParser.parse("candidate.yaml", candidate.toYaml());
            if (!ProgramGenerator.finishes(candidate)) {
                return false;
            }
            expected = DifferentialRunner.expected(candidate);
        } catch (ScenarioException | IllegalStateException e) {
            return false; // invalid: it does not compile, or a root is gone
        }
        for (Mismatch x : DifferentialRunner.compare(candidate, expected, m.target())) {
            if (kind(x.actual()).equals(kind(m.actual()))) {
                return true;
            }
        }
        return false;
    }

    /** "returned", "threw", "faulted: KIND", "could not run", ...: the part that says how a run went wrong. */
    private static String kind(String actual) {
        String[] words = actual.split(" ");
        return actual.startsWith("faulted:") && words.length > 1 ? words[0] + " " + words[1] : words[0];
    }

    // ------------------------------------------------------------------------------------------
    // The tester's own parts

    /** The generated programs reach what the language has: checked over the fixed seeds' programs. */
    @Test
    void generatedProgramsCoverTheLanguage() {
        Coverage c = new Coverage();
        for (long seed = FIRST; seed < FIRST + Math.min(SEEDS, 300); seed++) {
            c.add(new ProgramGenerator(seed).generate());
        }
        assertTrue(c.awaitInLoop >= 20, c.toString());
        assertTrue(c.chainDepth5to10 >= 20, c.toString());
        assertTrue(c.liveAcrossAwait12 >= 20, c.toString());
        assertTrue(c.recursiveSync >= 10 && c.recursiveAsync >= 10, c.toString());
        assertTrue(c.params9to12 >= 30 && c.params5to8 >= 30 && c.params0 >= 30, c.toString());
        assertTrue(c.instance >= 30 && c.callCell >= 30 && c.awaitCell >= 30 && c.tailCall >= 30, c.toString());
        assertTrue(c.tailCallWithStackArgs >= 3, c.toString());
        assertTrue(c.throwInChain >= 20, c.toString());
        assertTrue(c.bigFrame >= 10 && c.frame32KiB >= 3, c.toString());
        assertTrue(c.nestedDepth3 >= 30, c.toString());
        assertTrue(c.tryCatch >= 30 && c.tryFinally >= 30 && c.awaitInTry >= 10 && c.rethrow >= 10, c.toString());
        assertTrue(c.pairFieldWrite >= 30 && c.referenceAcrossAwait >= 50, c.toString());
    }

    /** What the generated programs contain, counted over programs (a program counts once per feature). */
    private static final class Coverage {
        int awaitInLoop;
        int chainDepth5to10;
        int liveAcrossAwait12;
        int recursiveSync;
        int recursiveAsync;
        int params0;
        int params5to8;
        int params9to12;
        int instance;
        int callCell;
        int awaitCell;
        int tailCall;
        int tailCallWithStackArgs;
        int throwInChain;
        int bigFrame;
        int frame32KiB;
        int nestedDepth3;
        int tryCatch;
        int tryFinally;
        int awaitInTry;
        int rethrow;
        int pairFieldWrite;
        int referenceAcrossAwait;

        void add(Program p) {
            Set<String> seen = new HashSet<>();
            int links = 0;
            for (Program.Type t : p.types()) {
                for (Program.Method m : t.methods()) {
                    int n = m.params().size();
                    if (n == 0) {
                        seen.add("params0");
                    } else if (n >= 5 && n <= 8) {
                        seen.add("params5to8");
                    } else if (n >= 9) {
                        seen.add("params9to12");
                    }
                    if (!m.isStatic()) {
                        seen.add("instance");
                    }
                    if (m.name().startsWith("Link")) {
                        links++;
                    }
                    if (m.name().equals("Rec")) {
                        seen.add(m.isAsync() ? "recursiveAsync" : "recursiveSync");
                    }
                    long w = m.body().stream().filter(x -> x instanceof Program.Var v && v.name().startsWith("w")).count();
                    long b = m.body().stream().filter(x -> x instanceof Program.Var v && v.name().startsWith("b")).count();
                    if (m.isAsync() && w >= 12) {
                        seen.add("liveAcrossAwait12");
                    }
                    if (b >= 300) {
                        seen.add("bigFrame");
                    }
                    if (b >= 2050) {
                        seen.add("frame32KiB");
                    }
                    walk(m, m.body(), 0, false, seen);
                    int firstReference = -1;
                    for (int k = 0; k < m.body().size(); k++) {
                        Program.Stmt x = m.body().get(k);
                        if (firstReference < 0 && x instanceof Program.Var v && ProgramGenerator.isReference(v.name())) {
                            firstReference = k;
                        }
                        if (firstReference >= 0 && m.isAsync() && x instanceof Program.Eval e
                                && (e.expr() instanceof Program.Await || e.expr() instanceof Program.Yield)) {
                            seen.add("referenceAcrossAwait");
                        }
                    }
                }
            }
            if (links >= 5 && links <= 10) {
                seen.add("chainDepth5to10");
            }
            awaitInLoop += count(seen, "awaitInLoop");
            chainDepth5to10 += count(seen, "chainDepth5to10");
            liveAcrossAwait12 += count(seen, "liveAcrossAwait12");
            recursiveSync += count(seen, "recursiveSync");
            recursiveAsync += count(seen, "recursiveAsync");
            params0 += count(seen, "params0");
            params5to8 += count(seen, "params5to8");
            params9to12 += count(seen, "params9to12");
            instance += count(seen, "instance");
            callCell += count(seen, "callCell");
            awaitCell += count(seen, "awaitCell");
            tailCall += count(seen, "tailCall");
            tailCallWithStackArgs += count(seen, "tailCallWithStackArgs");
            throwInChain += count(seen, "throwInChain");
            bigFrame += count(seen, "bigFrame");
            frame32KiB += count(seen, "frame32KiB");
            nestedDepth3 += count(seen, "nestedDepth3");
            tryCatch += count(seen, "tryCatch");
            tryFinally += count(seen, "tryFinally");
            awaitInTry += count(seen, "awaitInTry");
            rethrow += count(seen, "rethrow");
            pairFieldWrite += count(seen, "pairFieldWrite");
            referenceAcrossAwait += count(seen, "referenceAcrossAwait");
        }

        private static int count(Set<String> seen, String feature) {
            return seen.contains(feature) ? 1 : 0;
        }

        private static void walk(Program.Method m, List<Program.Stmt> body, int depth, boolean inLoop, Set<String> seen) {
            if (depth >= 3) {
                seen.add("nestedDepth3");
            }
            for (Program.Stmt s : body) {
                if (s instanceof Program.If f) {
                    if (f.then().contains(new Program.Throw(null))) {
                        seen.add("rethrow");
                    }
                    walk(m, f.then(), depth + 1, inLoop, seen);
                    walk(m, f.otherwise(), depth + 1, inLoop, seen);
                    expr(f.cond(), seen);
                } else if (s instanceof Program.While w) {
                    walk(m, w.body(), depth + 1, true, seen);
                } else if (s instanceof Program.Try t) {
                    seen.add(t.handler() != null ? "tryCatch" : "tryFinally");
                    if (t.handler() != null && t.fin() != null) {
                        seen.add("tryFinally");
                    }
                    if (t.body().stream().anyMatch(x -> x instanceof Program.Eval e && (e.expr() instanceof Program.Await
                            || e.expr() instanceof Program.Yield))) {
                        seen.add("awaitInTry");
                    }
                    walk(m, t.body(), depth + 1, inLoop, seen);
                    if (t.handler() != null) {
                        walk(m, t.handler(), depth + 1, inLoop, seen);
                    }
                    if (t.fin() != null) {
                        walk(m, t.fin(), depth + 1, inLoop, seen);
                    }

                } else if (s instanceof Program.Throw t && m.name().startsWith("Link")) {
                    seen.add("throwInChain");
                } else if (s instanceof Program.TailCall tc) {
                    seen.add("tailCall");
                    if (tc.args().size() > 4) {
                        seen.add("tailCallWithStackArgs");
                    }
                } else if (s instanceof Program.Eval e) {
                    if (inLoop && (e.expr() instanceof Program.Await || e.expr() instanceof Program.Yield)) {
                        seen.add("awaitInLoop");
                    }
                    expr(e.expr(), seen);
                } else if (s instanceof Program.Var v) {
                    if (inLoop && v.init() instanceof Program.Await) {
                        seen.add("awaitInLoop");
                    }
                    expr(v.init(), seen);
                } else if (s instanceof Program.Assign a) {
                    expr(a.value(), seen);
                } else if (s instanceof Program.SetField f && !f.field().equals("value")) {
                    seen.add("pairFieldWrite");
                } else if (s instanceof Program.Return r && r.value() != null) {
                    expr(r.value(), seen);
                }
            }
        }

        private static void expr(Program.Expr e, Set<String> seen) {
            if (e instanceof Program.Call c) {
                if (c.cell()) {
                    seen.add("callCell");
                }
                c.args().forEach(a -> expr(a, seen));
            } else if (e instanceof Program.Await a) {
                if (a.cell()) {
                    seen.add("awaitCell");
                }
                a.args().forEach(x -> expr(x, seen));
            } else if (e instanceof Program.Bin b) {
                expr(b.left(), seen);
                expr(b.right(), seen);
            } else if (e instanceof Program.Un u) {
                expr(u.operand(), seen);
            }
        }

        @Override
        public String toString() {
            return String.format("await in loop %d, chain 5-10 %d, 12+ live across await %d, recursion sync %d async %d, params 0: %d"
                    + " 5-8: %d 9-12: %d, instance %d, call cell %d, await cell %d, tailcall %d (stack args %d), throw in chain %d,"
                    + " big frame %d (32 KiB %d), nesting 3 %d, try/catch %d, try/finally %d, await in try %d, rethrow %d,"
                    + " Pair field written %d, reference across await %d", awaitInLoop,
                    chainDepth5to10, liveAcrossAwait12, recursiveSync, recursiveAsync, params0, params5to8, params9to12, instance, callCell,
                    awaitCell, tailCall, tailCallWithStackArgs, throwInChain, bigFrame, frame32KiB, nestedDepth3, tryCatch, tryFinally,
                    awaitInTry, rethrow, pairFieldWrite, referenceAcrossAwait);
        }
    }

    /**
     * A code generator with a known defect is caught, and its failure shrunk to the end: defect B2 (ARM64 calls of
     * CaptureContexts and RestoreContexts through x16, x11 stale) makes every async method fail at its first
     * CaptureContexts, so the smallest failing program is an async root alone.
     */
    @Test
    void aDefectiveCodeGeneratorIsCaughtAndShrunk() {
        Target defective = new Target(Architecture.ARM64, TargetOs.WINDOWS, StubLayout.ADJACENT, Set.of(Defect.B2_HELPER_CALL_WITHOUT_X11));
        Target sound = new Target(Architecture.ARM64, TargetOs.WINDOWS, StubLayout.ADJACENT);
        Program smallest = null;
        Mismatch mismatch = null;
        int caught = 0;
        for (long seed = 1; seed <= 20; seed++) {
            Program p = new ProgramGenerator(seed).generate();
            List<String> expected = DifferentialRunner.expected(p);
            List<Mismatch> mismatches = DifferentialRunner.compare(p, expected, defective);
            assertEquals(List.of(), DifferentialRunner.compare(p, expected, sound), "seed " + seed);
            boolean async = p.roots().stream().anyMatch(r -> p.method(r.target()).isAsync());
            assertEquals(async, !mismatches.isEmpty(), "seed " + seed + ": " + mismatches);
            if (!mismatches.isEmpty()) {
                caught++;
                Mismatch m = mismatches.get(0);
                // the worker's assertion (x11 from another section), or the wrong cell patched (x11 a valid cell)
                assertTrue(m.actual().startsWith("faulted: RUNTIME_ASSERTION") || m.actual().contains("x11 is stale"), m.toString());
                if (smallest == null || p.toYaml().length() < smallest.toYaml().length()) {
                    smallest = p;
                    mismatch = m;
                }
            }
        }
        assertTrue(caught >= 5, "programs with an async root: " + caught);
        Mismatch m = mismatch;
        int limit = 20_000;
        Shrinker shrinker = new Shrinker(c -> failsAlike(c, m), limit);
        Program small = shrinker.shrink(smallest);
        assertTrue(shrinker.tries() < limit, "the shrinker did not finish in " + limit + " tries");
        assertTrue(failsAlike(small, m));
        assertEquals(1, small.roots().size());
        assertEquals(1, small.types().stream().mapToInt(t -> t.methods().size()).sum(), "an async root alone:\n" + small.toYaml());
        Program.Method root = small.method(small.roots().get(0).target());
        assertTrue(root.isAsync() && root.body().size() <= 1, small.toYaml());
    }

    /**
     * The shrinker keeps a smallest program for which a predicate still holds: the first root throws, for the
     * smallest of the first 100 programs whose first root throws. Shrunk to the end (before its limit of tries), that
     * is {@code throw 0} and at most the call that reaches it.
     */
    @Test
    void shrinkerKeepsTheSmallestProgramThatStillFails() {
        Program smallest = null;
        for (long seed = 1; seed <= 100; seed++) {
            // (a program with try statements can make the shrinker's stages undo each other: not taken here; nor objects,
            // whose field of null throws where no single change makes a throw statement)
            Program p = new ProgramGenerator(seed, false).generate();
            if (DifferentialRunner.expected(p).get(0).startsWith("threw") && !p.toYaml().contains("try {")
                    && (smallest == null || p.toYaml().length() < smallest.toYaml().length())) {
                smallest = p;
            }
        }
        assertTrue(smallest != null, "no program of the first 100 throws from its first root");
        int limit = 20_000;
        Shrinker shrinker = new Shrinker(c -> {
            try {
                ScenarioParser.parse("c.yaml", c.toYaml());
                return ProgramGenerator.finishes(c) && DifferentialRunner.expected(c).get(0).startsWith("threw");
            } catch (ScenarioException | IllegalStateException e) {
                return false;
            }
        }, limit);
        Program small = shrinker.shrink(smallest);
        assertTrue(shrinker.tries() < limit, "the shrinker did not finish in " + limit + " tries");
        assertEquals("threw 0", DifferentialRunner.expected(small).get(0), small.toYaml());
        // what is left: the root, and at most the one method it reaches by the only call an int method may end in
        List<Program.Stmt> statements = new ArrayList<>();
        small.types().forEach(t -> t.methods().forEach(x -> statements.addAll(x.body())));
        assertTrue(small.types().stream().mapToInt(t -> t.methods().size()).sum() <= 2, small.toYaml());
        assertTrue(statements.size() <= 2 && statements.contains(new Program.Throw(new Program.Lit(0))), small.toYaml());
        assertEquals(List.of(), small.roots().get(0).args().stream().filter(a -> a != 0).toList());
    }

    /** The example scenarios' roots, with the arguments demo passes (1, 2, ...): the interpreter and both architectures agree. */
    @Test
    void exampleScenariosAgreeWithTheInterpreter() throws IOException {
        List<Path> examples;
        try (var files = Files.list(r2rlab.tests.Fixtures.examples())) {
            examples = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
        }
        int roots = 0;
        for (Path f : examples) {
            var scenario = ScenarioParser.parse(f);
            List<Program.Root> rootList = new ArrayList<>();
            for (var m : scenario.rootMethods()) {
                List<Long> args = new ArrayList<>();
                for (long k = 1; k <= m.arity(); k++) {
                    args.add(k);
                }
                rootList.add(new Program.Root(ScenarioImport.target(m), args));
            }
            Program p = ScenarioImport.program(scenario, rootList);
            List<String> expected = DifferentialRunner.expected(p);
            for (Target t : DifferentialRunner.targets(0)) {
                assertEquals(List.of(), DifferentialRunner.compare(p, expected, t), f + " " + expected);
            }
            roots += rootList.size();
        }
        assertTrue(roots >= 6, "roots " + roots);
    }

    /** The interpreter against values worked out by hand from docs/scenario-format.md. */
    @Test
    void interpreterFollowsTheScenarioLanguage() {
        String yaml = String.join("\n", "module: Sem", "types:", "  - name: S.T", "    methods:",
                "      - name: Div", "        params: [a, b]", "        returns: int", "        body: return a / b * 10 + a % b",
                "      - name: Order", "        returns: int", "        body: return call S.T.Pair(call S.T.Div(7, 2), call S.T.Div(-7, 2))",
                "      - name: Pair", "        params: [x, y]", "        returns: int", "        body: return x * 1000 + y",
                "      - name: Short", "        params: [a]", "        returns: int",
                "        body: return a == 0 || call S.T.Div(1, a) == 0",
                "      - name: Wrap", "        returns: int", "        body: return -9223372036854775808 / -1 + (-9223372036854775808 % -1)",
                "      - name: Loop", "        async: true", "        params: [n]", "        returns: int", "        body: |",
                "          var s = 0", "          var i = 0", "          while i < n {", "            await yield",
                "            s = s + await S.T.Sq(i)", "            i = i + 1", "          }", "          return s",
                "      - name: Sq", "        async: true", "        params: [v]", "        returns: int", "        body: return v * v",
                "      - name: Recv", "        static: false", "        params: [Box b, k]", "        returns: int", "        body: return b.value - k",
                "      - name: UseRecv", "        returns: int", "        body: tailcall cell S.T.Recv(null, new Box(50), 8)",
                "      - name: Refs", "        returns: int", "        body: |", "          var a = new Box(1)", "          var p = new Pair(a, null)",
                "          var b = p.first", "          b.value = 5", "          p.second = new Box(a.value)",
                "          return (p.first == a) * 100 + (p.second != a) * 10 + p.second.value",
                "      - name: NullField", "        returns: int", "        body: |", "          var p = new Pair(null, null)",
                "          return p.first.value",
                "");
        Program p = ScenarioImport.program(ScenarioParser.parse("sem.yaml", yaml), List.of());
        ReferenceInterpreter in = new ReferenceInterpreter(p, 10_000);
        assertEquals(new ReferenceInterpreter.Returned(31), in.run(new Program.Target("S.T", "Div", 2), List.of(7L, 2L)));
        assertEquals(new ReferenceInterpreter.Returned(-31), in.run(new Program.Target("S.T", "Div", 2), List.of(-7L, 2L)));
        assertEquals(new ReferenceInterpreter.Threw(-2), in.run(new Program.Target("S.T", "Div", 2), List.of(7L, 0L)));
        assertEquals(new ReferenceInterpreter.Returned(31 * 1000 - 31), in.run(new Program.Target("S.T", "Order", 0), List.of()));
        assertEquals(new ReferenceInterpreter.Returned(1), in.run(new Program.Target("S.T", "Short", 1), List.of(0L)));
        assertEquals(new ReferenceInterpreter.Returned(0), in.run(new Program.Target("S.T", "Short", 1), List.of(5L)));
        assertEquals(new ReferenceInterpreter.Returned(Long.MIN_VALUE), in.run(new Program.Target("S.T", "Wrap", 0), List.of()));
        assertEquals(new ReferenceInterpreter.Returned(0 + 1 + 4 + 9), in.run(new Program.Target("S.T", "Loop", 1), List.of(4L)));
        assertEquals(new ReferenceInterpreter.Returned(42), in.run(new Program.Target("S.T", "UseRecv", 0), List.of()));
        // identity, a field written through a copy of the reference, and a field of null (NullReferenceException, -3)
        assertEquals(new ReferenceInterpreter.Returned(115), in.run(new Program.Target("S.T", "Refs", 0), List.of()));
        assertEquals(new ReferenceInterpreter.Threw(-3), in.run(new Program.Target("S.T", "NullField", 0), List.of()));
        // and the emitted code agrees on both architectures
        for (Target t : List.of(new Target(Architecture.X64, TargetOs.WINDOWS, StubLayout.ADJACENT),
                new Target(Architecture.ARM64, TargetOs.WINDOWS, StubLayout.ADJACENT))) {
            Program roots = new Program(p.module(), p.types(), List.of(
                    new Program.Root(new Program.Target("S.T", "Order", 0), List.of()),
                    new Program.Root(new Program.Target("S.T", "Div", 2), List.of(7L, 0L)),
                    new Program.Root(new Program.Target("S.T", "Wrap", 0), List.of()),
                    new Program.Root(new Program.Target("S.T", "Loop", 1), List.of(4L)),
                    new Program.Root(new Program.Target("S.T", "UseRecv", 0), List.of()),
                    new Program.Root(new Program.Target("S.T", "Refs", 0), List.of()),
                    new Program.Root(new Program.Target("S.T", "NullField", 0), List.of())));
            List<String> expected = DifferentialRunner.expected(roots);
            assertEquals(List.of("returned 30969", "threw -2", "returned -9223372036854775808", "returned 14", "returned 42",
                    "returned 115", "threw -3"), expected);
            assertEquals(List.of(), DifferentialRunner.compare(roots, expected, t));
        }
        assertFalse(p.toYaml().isEmpty());
    }
}
