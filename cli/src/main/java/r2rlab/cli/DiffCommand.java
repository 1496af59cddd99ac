package r2rlab.cli;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import r2rlab.emu.diff.ImageDiff;
import r2rlab.loader.MethodPattern;
import r2rlab.loader.R2RImage;

/** {@code r2rlab diff LEFT RIGHT [--method PATTERN]... [--json] [--html OUT.html]}: compares two ReadyToRun images. */
@Command(name = "diff", mixinStandardHelpOptions = true,
        description = "Compares two ReadyToRun images: section and method sizes, methods in one image only, stub placement,"
                + " fixup lists, ContinuationLayouts, direct and indirect calls, and a unified diff of each common method's"
                + " naked disassembly. Exit status 0 when identical, 1 when different, 2 on bad input.")
public final class DiffCommand implements Callable<Integer> {
    /** Exit status when the images differ. */
    static final int EXIT_DIFFERENT = 1;

    @Parameters(index = "0", paramLabel = "LEFT", description = "the first image (before)")
    Path left;

    @Parameters(index = "1", paramLabel = "RIGHT", description = "the second image (after)")
    Path right;

    @Option(names = "--method", paramLabel = "PATTERN",
            description = "compare only these methods (with their async variants and resumption stubs): a name, Type.Method, a glob,"
                    + " or a MethodDef token (repeatable)")
    List<String> methods = new ArrayList<>();

    @Option(names = "--json", description = "print one JSON object instead of text")
    boolean json;

    @Option(names = "--html", paramLabel = "OUT.html", description = "also write the comparison as an HTML page, methods side by side")
    Path html;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<MethodPattern> patterns = DumpSelection.patterns(methods);
        byte[] leftBytes = ImageInput.bytes(left, err);
        byte[] rightBytes = ImageInput.bytes(right, err);
        if (leftBytes == null || rightBytes == null) {
            return Main.EXIT_BAD_INPUT;
        }
        R2RImage a = ImageInput.parse(left, leftBytes, err);
        R2RImage b = ImageInput.parse(right, rightBytes, err);
        if (a == null || b == null) {
            return Main.EXIT_BAD_INPUT;
        }
        ImageDiff.Result result = ImageDiff.compare(a, leftBytes, b, rightBytes, patterns);
        if (json) {
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create().toJson(DiffReport.json(result)));
        } else {
            DiffReport.text(result, out);
        }
        if (html != null) {
            try {
                Files.writeString(html, DiffReport.html(result), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("r2rlab: " + html + ": cannot write: " + e.getMessage());
                return Main.EXIT_BAD_INPUT;
            }
        }
        return result.identical() ? 0 : EXIT_DIFFERENT;
    }
}
