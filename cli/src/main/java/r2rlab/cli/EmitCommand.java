package r2rlab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitException;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioException;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.pe.TargetOs;

/** {@code r2rlab emit SCENARIO -o OUT.dll --arch x64|arm64 [--os windows|linux|macos] [--defect NAME]... [--stub-layout adjacent|grouped]}. */
@Command(name = "emit", mixinStandardHelpOptions = true,
        description = "Compiles a scenario into a ReadyToRun image with runtime-async methods, async variants and resumption stubs.")
public final class EmitCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SCENARIO", description = "the scenario file (see docs/scenario-format.md)")
    Path scenario;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.dll", description = "where to write the image")
    Path output;

    @Option(names = "--arch", required = true, paramLabel = "x64|arm64", description = "target architecture")
    String arch;

    @Option(names = "--os", defaultValue = "windows", paramLabel = "windows|linux|macos",
            description = "target OS: the value XORed into the COFF machine field (default: windows)")
    String os;

    @Option(names = "--defect", paramLabel = "NAME", description = "switch on a known defect of the modelled change or a departure from the real images' "
            + "protocols (repeatable): stub-via-cell, helper-call-without-x11, jmp-epilog-x16, reject-page-addends, drop-page-addends, "
            + "hot-cold-split, relocs-only-kind-byte, gc-map-truncated, continuation-map-short, duplicate-stub-fixup (or B1, B3, ...), flags-split-corelib-main, direct-calls")
    List<String> defects = new ArrayList<>();

    @Option(names = "--stub-layout", defaultValue = "adjacent", paramLabel = "adjacent|grouped",
            description = "resumption stubs right after their async variant (default), or in one block as in .NET 11 preview 4")
    String stubLayout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        EmitOptions options;
        try {
            Set<Defect> set = EnumSet.noneOf(Defect.class);
            for (String d : defects) {
                set.add(Defect.byName(d));
            }
            TargetOs targetOs = TargetOs.fromName(os.toLowerCase(Locale.ROOT));
            if (targetOs == null) {
                throw new IllegalArgumentException("unknown OS '" + os + "' (windows, linux, macos, freebsd or netbsd)");
            }
            StubLayout layout = switch (stubLayout.toLowerCase(Locale.ROOT)) {
                case "adjacent" -> StubLayout.ADJACENT;
                case "grouped" -> StubLayout.GROUPED;
                default -> throw new IllegalArgumentException("unknown stub layout '" + stubLayout + "' (adjacent or grouped)");
            };
            options = new EmitOptions(Architecture.byName(arch), targetOs, set, layout);
        } catch (IllegalArgumentException e) {
            err.println("r2rlab: " + e.getMessage());
            return Main.EXIT_BAD_INPUT;
        }
        Scenario s;
        try {
            s = ScenarioParser.parse(scenario);
        } catch (ScenarioException e) {
            err.println(e.getMessage());
            return Main.EXIT_BAD_INPUT;
        } catch (NoSuchFileException e) {
            err.println("r2rlab: " + scenario + ": no such file");
            return Main.EXIT_BAD_INPUT;
        } catch (IOException e) {
            err.println("r2rlab: " + scenario + ": cannot read: " + e.getMessage());
            return Main.EXIT_BAD_INPUT;
        }
        byte[] image;
        try {
            image = Emitter.emit(s, options);
        } catch (EmitException e) {
            // A defect that makes the compiler reject its own output (B3 reject, B8 truncated map).
            err.println("r2rlab: " + scenario + ": emission failed: " + e.getMessage());
            return Main.EXIT_BAD_INPUT;
        }
        try {
            Files.write(output, image);
        } catch (IOException e) {
            err.println("r2rlab: " + output + ": cannot write: " + e.getMessage());
            return Main.EXIT_BAD_INPUT;
        }
        spec.commandLine().getOut().printf("%s: %d bytes, %s/%s%s%n", output, image.length, options.arch().machine.archName,
                options.os().osName, options.defects().isEmpty() ? "" : ", defects " + options.defects());
        return 0;
    }
}
