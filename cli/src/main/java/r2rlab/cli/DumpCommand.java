package r2rlab.cli;

import com.google.gson.GsonBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import r2rlab.loader.R2RImage;

/** {@code r2rlab dump [--json | --summary | --disasm] IMAGE...}: shows what a ReadyToRun image holds. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Reads ReadyToRun images and prints header, sections, import cells, methods and runtime functions.")
public final class DumpCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "the image(s) to read")
    List<Path> images;

    @Option(names = "--json", description = "print one JSON object (one image only)")
    boolean json;

    @Option(names = "--summary", description = "print one line per image")
    boolean summary;

    @Option(names = "--disasm", description = "also disassemble every method, stub and import thunk (Capstone), naming cells, helpers and call targets")
    boolean disasm;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (json && (summary || images.size() > 1)) {
            err.println("r2rlab: dump --json takes exactly one image and no --summary");
            return Main.EXIT_BAD_INPUT;
        }
        if (disasm && (json || summary)) {
            err.println("r2rlab: dump --disasm cannot be combined with --json or --summary");
            return Main.EXIT_BAD_INPUT;
        }
        int status = 0;
        for (Path image : images) {
            R2RImage img = ImageInput.read(image, err);
            if (img == null) {
                status = Main.EXIT_BAD_INPUT;
            } else if (json) {
                out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(DumpJson.of(img)));
            } else if (summary) {
                out.println(Summary.line(img));
            } else {
                TextDumper d = new TextDumper(img, out);
                d.dump();
                if (disasm) {
                    out.println();
                    d.dumpDisassembly();
                }
            }
        }
        return status;
    }
}
