package r2rlab.tests.diff;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.r2r.ModuleMetadata;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioException;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.format.pe.TargetOs;
import r2rlab.loader.R2RImage;
import r2rlab.tests.diff.Program.Root;

/**
 * Runs a {@link Program} both ways and compares them root by root: the {@link ReferenceInterpreter}, and the scenario
 * file parsed, emitted for one target, read back and run in the emulator. Anything but the same value or the same
 * exception code is a mismatch, a program that does not compile included.
 */
final class DifferentialRunner {
    /** Where a program is emitted for and run: architecture, OS (x64 Windows or System V) and stub layout. */
    record Target(Architecture arch, TargetOs os, StubLayout stubs, Set<Defect> defects) {
        Target(Architecture arch, TargetOs os, StubLayout stubs) {
            this(arch, os, stubs, Set.of());
        }

        EmitOptions options() {
            return new EmitOptions(arch, os, defects, stubs);
        }

        @Override
        public String toString() {
            return arch.machine.archName + "/" + os.osName + "/" + stubs.name().toLowerCase() + (defects.isEmpty() ? "" : defects);
        }
    }

    /** One root that does not agree, or the program that did not get as far as running. */
    record Mismatch(Target target, Root root, String expected, String actual) {
        @Override
        public String toString() {
            return target + " " + (root == null ? "" : root.target().written() + root.args() + ": ")
                    + "expected " + expected + ", emulator " + actual;
        }
    }

    /**
     * Each emulated call of a run may take this long: the programs finish in milliseconds, but a machine loaded by
     * other work can stretch that past the runtime's default of 10 s.
     */
    static final long RUN_LIMIT_MICROS = 60_000_000L;
    /**
     * Emulator runs take turns: two Unicorn engines running on two threads at once now and then hang or stretch a
     * run of milliseconds past its time limit; parsing, emission and interpretation stay parallel.
     */
    static final Object EMULATOR = new Object();

    private DifferentialRunner() {
    }

    /** The two targets of a seed: ARM64, and x64 for Windows on even seeds and System V on odd ones. */
    static List<Target> targets(long seed) {
        StubLayout stubs = (seed & 2) == 0 ? StubLayout.ADJACENT : StubLayout.GROUPED;
        return List.of(new Target(Architecture.X64, (seed & 1) == 0 ? TargetOs.WINDOWS : TargetOs.LINUX, stubs),
                new Target(Architecture.ARM64, TargetOs.WINDOWS, stubs));
    }

    static String describe(ReferenceInterpreter.Outcome o) {
        return o instanceof ReferenceInterpreter.Returned r ? "returned " + r.value() : "threw " + ((ReferenceInterpreter.Threw) o).code();
    }

    /** The interpreter's outcome of every root, in order. */
    static List<String> expected(Program p) {
        ReferenceInterpreter in = new ReferenceInterpreter(p, Long.MAX_VALUE);
        List<String> out = new ArrayList<>();
        for (Root root : p.roots()) {
            out.add(describe(in.run(root.target(), root.args())));
        }
        return out;
    }

    /** Emits and runs {@code p} for {@code target}; the roots whose outcome differs from {@code expected}. */
    static List<Mismatch> compare(Program p, List<String> expected, Target target) {
        return compare(p, expected, target, false);
    }

    /** {@link #compare}, with a moving collection at every safepoint when {@code gcStress}. */
    static List<Mismatch> compare(Program p, List<String> expected, Target target, boolean gcStress) {
        List<Mismatch> out = new ArrayList<>();
        Scenario scenario;
        R2RImage image;
        try {
            scenario = ScenarioParser.parse(p.module() + ".yaml", p.toYaml());
        } catch (ScenarioException e) {
            out.add(new Mismatch(target, null, "a valid scenario", "does not compile: " + e.getMessage()));
            return out;
        }
        try {
            image = R2RImage.read(p.module() + ".dll", Emitter.emit(scenario, target.options()));
        } catch (RuntimeException e) {
            out.add(new Mismatch(target, null, "an image", "emission or reading failed: " + e));
            return out;
        }
        ModuleMetadata metadata = new ModuleMetadata(scenario);
        for (int k = 0; k < p.roots().size(); k++) {
            Root root = p.roots().get(k);
            String actual;
            int token = metadata.methodToken(decl(scenario, root.target()));
            synchronized (EMULATOR) {
                actual = run(image, token, root.args(), gcStress);
            }
            if (!actual.equals(expected.get(k))) {
                out.add(new Mismatch(target, root, expected.get(k), actual));
            }
        }
        return out;
    }

    private static String run(R2RImage image, int token, List<Long> args, boolean gcStress) {
        try (EmulatedRuntime rt = new EmulatedRuntime(image)) {
            rt.setTimeoutMicros(RUN_LIMIT_MICROS);
            rt.gcStress(gcStress);
            return describe(rt.run(token, toArray(args)));
        } catch (RuntimeException e) {
            return "could not run: " + e;
        }
    }

    private static String describe(RunOutcome o) {
        if (o instanceof RunOutcome.Returned r) {
            return "returned " + r.value();
        }
        if (o instanceof RunOutcome.Threw t) {
            return "threw " + t.code();
        }
        var f = ((RunOutcome.Faulted) o).report();
        return "faulted: " + f.kind() + " at " + f.location() + ": " + f.message();
    }

    private static MethodDecl decl(Scenario s, Program.Target t) {
        return s.methods().filter(m -> m.fullName().equals(t.written()) && m.arity() == t.arity()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no method " + t.written()));
    }

    private static long[] toArray(List<Long> args) {
        long[] a = new long[args.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = args.get(i);
        }
        return a;
    }
}
