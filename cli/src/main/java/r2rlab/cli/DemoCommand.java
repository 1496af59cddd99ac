package r2rlab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.r2r.ModuleMetadata;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioException;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.emu.runtime.EmulatedRuntime;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.emu.runtime.RunOutcome;
import r2rlab.emu.runtime.RunRejectedException;
import r2rlab.format.FormatException;
import r2rlab.loader.R2RImage;
import r2rlab.repro.RegressionResult;
import r2rlab.repro.ReproEngine;
import r2rlab.repro.ReproException;

/**
 * {@code r2rlab demo}: the main job. It reads every real image of the fixture corpus, then emits
 * every example scenario for x64 and ARM64, reads each image back and runs its parameterless static
 * methods in the emulator, printing one line per image, and ends with the {@code repro --all} table;
 * it fails when any step fails.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Reads every fixture image (../shared/fixtures), emits every example scenario for x64 and ARM64, prints one summary line per image,"
                + " and ends with the repro --all table.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--fixtures", paramLabel = "DIR", description = "the fixture folder (default: ../shared/fixtures beside the repository)")
    Path fixtures;

    @Option(names = "--examples", paramLabel = "DIR", description = "the example scenarios (default: examples/ in the repository)")
    Path examples;

    @Option(names = "--catalogue", paramLabel = "DIR", description = "the regression catalogue (default: regressions/ in the repository)")
    Path catalogue;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = fixtures != null ? fixtures : defaultFixtures();
        List<Path> images;
        try (Stream<Path> s = Files.walk(dir)) {
            images = s.filter(p -> p.toString().endsWith(".dll")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            err.println("r2rlab: cannot list fixtures in " + dir + ": " + e.getMessage());
            return Main.EXIT_BAD_INPUT;
        }
        if (images.isEmpty()) {
            err.println("r2rlab: no .dll images under " + dir);
            return Main.EXIT_BAD_INPUT;
        }
        int failed = 0;
        for (Path p : images) {
            R2RImage img = ImageInput.read(p, err);
            if (img == null) {
                failed++;
            } else {
                Path folder = dir.relativize(p).getParent();
                out.println((folder == null ? "" : folder.toString().replace('\\', '/') + "/") + Summary.line(img));
            }
        }
        out.printf("%d fixture images read, %d failed%n", images.size() - failed, failed);
        int emitFailed = emitExamples(out, err);
        if (failed != 0 || emitFailed != 0) {
            return Main.EXIT_BAD_INPUT;
        }
        return reproAll(out, dir);
    }

    /** Ends the demo with {@code repro --all}: every regression of the catalogue as a buggy/fixed pair on both architectures. */
    private int reproAll(PrintWriter out, Path fixtureDir) {
        ReproCommand repro = new ReproCommand();
        repro.catalogue = catalogue;
        List<RegressionResult> results;
        try {
            results = new ReproEngine().run(repro.loadCatalogue(fixtureDir).regressions(), EnumSet.allOf(Architecture.class));
        } catch (ReproException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        out.println();
        ReproReport.table(results, out);
        return results.stream().allMatch(RegressionResult::ok) ? 0 : Main.EXIT_GUEST_FAILED;
    }

    /** Emits each example scenario for both architectures and reads the image back. */
    private int emitExamples(PrintWriter out, PrintWriter err) {
        Path dir = examples != null ? examples : defaultExamples();
        List<Path> scenarios;
        try (Stream<Path> s = Files.list(dir)) {
            scenarios = s.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            err.println("r2rlab: cannot list examples in " + dir + ": " + e.getMessage());
            return 1;
        }
        int failed = 0;
        for (Path p : scenarios) {
            for (Architecture arch : Architecture.values()) {
                String name = p.getFileName().toString().replace(".yaml", "") + "-" + arch.machine.archName + ".dll";
                try {
                    Scenario scenario = ScenarioParser.parse(p);
                    R2RImage img = R2RImage.read(name, Emitter.emit(scenario, EmitOptions.of(arch)));
                    out.println("emitted/" + Summary.line(img) + "; ran " + runEntries(scenario, img));
                } catch (IOException | ScenarioException | FormatException | RunRejectedException | BadInputException
                        | RootFaulted e) {
                    err.println("r2rlab: " + p + " (" + arch.machine.archName + "): " + e.getMessage());
                    failed++;
                }
            }
        }
        out.printf("%d example images emitted, read back and run, %d failed%n", 2 * scenarios.size() - failed, failed);
        return failed;
    }

    /** A root method's run ended in a fault: the example fails. */
    private static final class RootFaulted extends Exception {
        private static final long serialVersionUID = 1L;

        RootFaulted(String call, FaultReport report) {
            super(call + " faulted: " + report.kind() + " at " + report.location() + ": " + report.message());
        }
    }

    /**
     * Runs, in the emulator, the scenario's {@link Scenario#rootMethods() root methods} with the
     * arguments 1, 2, 3, ... (null for a reference parameter); each gives "Name(args) = value" (a reference by what it
     * holds, as {@code run} shows it) or "Name(args) threw code".
     */
    private static String runEntries(Scenario scenario, R2RImage img) throws RootFaulted {
        List<String> results = new ArrayList<>();
        ModuleMetadata metadata = new ModuleMetadata(scenario);
        try (EmulatedRuntime rt = new EmulatedRuntime(img)) {
            for (MethodDecl m : scenario.rootMethods()) {
                int token = metadata.methodToken(m); // demo emitted the image: it knows every token, overloads too
                long[] args = new long[m.params().size()];
                for (int i = 0; i < args.length; i++) {
                    args[i] = m.paramTypes().get(i).isReference() ? 0 : i + 1;
                }
                String call = m.fullName() + Arrays.toString(args).replace('[', '(').replace(']', ')');
                RunOutcome outcome = rt.run(token, args);
                if (outcome instanceof RunOutcome.Faulted f) {
                    throw new RootFaulted(call, f.report());
                }
                String value = outcome instanceof RunOutcome.Returned r
                        ? (m.returnsReference() ? rt.describeReference(r.value()) : Long.toString(r.value())) : null;
                results.add(call + (outcome instanceof RunOutcome.Threw t ? " threw " + t.code() : " = " + value));
            }
        }
        return results.isEmpty() ? "nothing (every static method is called by another)" : String.join(", ", results);
    }

    static Path defaultExamples() {
        String home = System.getenv("R2RLAB_HOME");
        Path root = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        return root.resolve("examples").normalize();
    }

    static Path defaultFixtures() {
        String home = System.getenv("R2RLAB_HOME");
        Path root = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        return root.resolve("../shared/fixtures").normalize();
    }
}
