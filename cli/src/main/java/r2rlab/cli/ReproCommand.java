package r2rlab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import r2rlab.emitter.Architecture;
import r2rlab.repro.Catalogue;
import r2rlab.repro.CatalogueException;
import r2rlab.repro.CatalogueParser;
import r2rlab.repro.Regression;
import r2rlab.repro.RegressionResult;
import r2rlab.repro.ReproEngine;
import r2rlab.repro.ReproException;

/**
 * {@code r2rlab repro [NAME...|--all] [--arch x64|arm64|both] [--html REPORT.html] [--json]} and
 * {@code r2rlab repro FILE.yaml}: runs each regression of the catalogue ({@code regressions/}) or of
 * the user's files as a buggy/fixed pair per architecture and prints a table; exit 0 only when every
 * defect shows its documented symptom and every fixed run passes.
 */
@Command(name = "repro", mixinStandardHelpOptions = true,
        description = "Runs regressions of the catalogue (regressions/*.yaml) or regression files as buggy/fixed pairs and checks each symptom.")
public final class ReproCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "NAME|FILE.yaml",
            description = "regressions by name or catalogue id (B2: all of B2's), or regression files")
    List<String> selectors = new ArrayList<>();

    @Option(names = "--all", description = "every regression of the catalogue")
    boolean all;

    @Option(names = "--arch", paramLabel = "x64|arm64|both", description = "the architectures to run (default both)")
    String arch = "both";

    @Option(names = "--html", paramLabel = "REPORT.html", description = "also write a self-contained HTML report")
    Path html;

    @Option(names = "--json", description = "print the results as one JSON object instead of the table")
    boolean json;

    @Option(names = "--catalogue", paramLabel = "DIR", description = "the catalogue folder (default: regressions/ in the repository)")
    Path catalogue;

    @Option(names = "--fixtures", paramLabel = "DIR", description = "the fixture folder for 'image: fixtures:...' (default: ../shared/fixtures)")
    Path fixtures;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Set<Architecture> archs = architectures(arch);
        List<Regression> regressions = select();
        List<RegressionResult> results;
        try {
            results = new ReproEngine().run(regressions, archs);
        } catch (ReproException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        if (json) {
            out.println(ReproReport.json(results));
        } else {
            ReproReport.table(results, out);
        }
        if (html != null) {
            try {
                Files.writeString(html, ReproReport.html(results), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new BadInputException("cannot write " + html + ": " + e.getMessage(), e);
            }
        }
        return results.stream().allMatch(RegressionResult::ok) ? 0 : Main.EXIT_GUEST_FAILED;
    }

    static Set<Architecture> architectures(String arch) {
        if (arch.equalsIgnoreCase("both")) {
            return EnumSet.allOf(Architecture.class);
        }
        try {
            return EnumSet.of(Architecture.byName(arch));
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--arch is x64, arm64 or both, not '" + arch + "'");
        }
    }

    private List<Regression> select() {
        Path fixtureDir = fixtures != null ? fixtures : DemoCommand.defaultFixtures();
        List<Regression> files = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String s : selectors) {
            if (s.endsWith(".yaml") || s.endsWith(".yml")) {
                Path p = Path.of(s);
                if (!Files.isRegularFile(p)) {
                    throw new BadInputException("regression file " + s + " not found");
                }
                try {
                    files.add(CatalogueParser.parse(p, fixtureDir));
                } catch (CatalogueException e) {
                    throw new BadInputException(e.getMessage(), e);
                } catch (IOException e) {
                    throw new BadInputException("cannot read " + s + ": " + e.getMessage(), e);
                }
            } else {
                names.add(s);
            }
        }
        if (!all && names.isEmpty() && files.isEmpty()) {
            throw new BadInputException("name regressions (or catalogue ids such as B2), give regression files, or use --all");
        }
        List<Regression> out = new ArrayList<>();
        if (all || !names.isEmpty()) {
            Catalogue c = loadCatalogue(fixtureDir);
            try {
                out.addAll(all ? c.regressions() : c.select(names));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage(), e);
            }
        }
        out.addAll(files);
        return out;
    }

    /** The catalogue folder's regressions. */
    Catalogue loadCatalogue(Path fixtureDir) {
        Path dir = catalogue != null ? catalogue : defaultCatalogue();
        try {
            return Catalogue.load(dir, fixtureDir);
        } catch (CatalogueException e) {
            throw new BadInputException(e.getMessage(), e);
        } catch (IOException e) {
            throw new BadInputException("cannot read the catalogue " + dir + ": " + e.getMessage(), e);
        }
    }

    static Path defaultCatalogue() {
        String home = System.getenv("R2RLAB_HOME");
        Path root = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        return root.resolve("regressions").normalize();
    }
}
