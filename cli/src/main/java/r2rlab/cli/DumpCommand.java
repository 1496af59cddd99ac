package r2rlab.cli;

import com.google.gson.GsonBuilder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import r2rlab.loader.R2RImage;

/**
 * {@code r2rlab dump [--json | --summary | --disasm] [selection] [views] [--naked] [--normalize] IMAGE...}:
 * shows what a ReadyToRun image holds, as r2rdump's options shape it.
 */
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

    @Option(names = "--method", paramLabel = "PATTERN",
            description = "select methods: a name (Namespace.Type.Method or a dotted tail such as Type.Method), a glob (* ?), or a MethodDef"
                    + " token (0x06000003); a method brings its async variant and resumption stub (repeatable)")
    List<String> methods = new ArrayList<>();

    @Option(names = "--runtime-function", paramLabel = "N", description = "select runtime function N and the method it belongs to (repeatable)")
    List<String> runtimeFunctions = new ArrayList<>();

    @Option(names = "--section", paramLabel = "ID|NAME", description = "select an R2R header section by type id or name, e.g. 101 or ImportSections (repeatable)")
    List<String> sections = new ArrayList<>();

    @Option(names = "--cell", paramLabel = "SECTION:SLOT",
            description = "select an import cell: import section index or name, and cell index, e.g. MethodImports:3 (repeatable)")
    List<String> cells = new ArrayList<>();

    @Option(names = "--unwind", description = "decode the unwind record of each (selected) runtime function, with its personality routine")
    boolean unwind;

    @Option(names = "--section-contents", description = "hex dump of each (selected) R2R header section")
    boolean sectionContents;

    @Option(names = "--entry-points", description = "list MethodDefEntryPoints and InstanceMethodEntryPoints with their fixup lists")
    boolean entryPoints;

    @Option(names = "--gc", description = "decode each (selected) method's GcInfo: header, safepoints and their live slots, interruptible ranges, slot table, transitions")
    boolean gc;

    @Option(names = "--naked", description = "leave out RVAs, file offsets and runtime function indices; name addresses instead (for diffing dumps)")
    boolean naked;

    @Option(names = "--hide-offsets", description = "with --naked: leave out the instruction offsets too")
    boolean hideOffsets;

    @Option(names = "--normalize", description = "sort methods, cells, stubs, runtime functions and sections independently of the layout")
    boolean normalize;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        DumpSelection.Selectors selectors = DumpSelection.parse(methods, runtimeFunctions, sections, cells);
        boolean views = unwind || sectionContents || entryPoints || gc;
        if (json && (summary || images.size() > 1)) {
            throw new BadInputException("dump --json takes exactly one image and no --summary");
        }
        if (disasm && (json || summary)) {
            throw new BadInputException("dump --disasm cannot be combined with --json or --summary");
        }
        if (summary && (selectors.any() || views || naked || normalize)) {
            throw new BadInputException("dump --summary takes no selection, view, --naked or --normalize");
        }
        if (json && (naked || normalize || hideOffsets)) {
            throw new BadInputException("dump --json cannot be combined with --naked, --normalize or --hide-offsets (they shape text)");
        }
        if (hideOffsets && !naked) {
            throw new BadInputException("dump --hide-offsets needs --naked");
        }
        TextDumper.View view = new TextDumper.View(naked, normalize, hideOffsets, disasm, unwind, sectionContents, entryPoints, gc);
        int status = 0;
        for (Path image : images) {
            R2RImage img = ImageInput.read(image, err);
            if (img == null) {
                status = Main.EXIT_BAD_INPUT;
            } else if (json) {
                DumpSelection selection = selectors.any() ? DumpSelection.of(img, selectors) : null;
                out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create()
                        .toJson(DumpJson.of(img, selection, selectors, new DumpJson.Views(unwind, sectionContents, entryPoints, gc))));
            } else if (summary) {
                out.println(Summary.line(img));
            } else if (selectors.any()) {
                new TextDumper(img, out, view).dump(DumpSelection.of(img, selectors), selectors);
            } else {
                new TextDumper(img, out, view).dump();
            }
        }
        return status;
    }
}
