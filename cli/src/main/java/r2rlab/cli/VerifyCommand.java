package r2rlab.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import r2rlab.emu.verify.Finding;
import r2rlab.emu.verify.ImageVerifier;
import r2rlab.emu.verify.Rule;
import r2rlab.format.FormatException;
import r2rlab.loader.R2RImage;

/**
 * {@code r2rlab verify IMAGE... [--json]}: checks images against the runtime-async protocols of the real
 * .NET 11 images; one line per finding, status 1 when a rule fails, 0 when every image is clean, 2 when an
 * image cannot be read.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Checks ReadyToRun images against the runtime-async protocols of the real .NET 11 images: one line per finding"
                + " (image, method, code address, rule: what was found); status 1 when a rule fails.")
public final class VerifyCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "the image(s) to check")
    List<Path> images;

    @Option(names = "--json", description = "print one JSON object: every image with its findings")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean badInput = false;
        boolean failed = false;
        JsonArray all = new JsonArray();
        try (ImageVerifier verifier = new ImageVerifier()) {
            for (Path image : images) {
                R2RImage img = ImageInput.read(image, err);
                if (img == null) {
                    badInput = true;
                    continue;
                }
                ImageVerifier.Verification v;
                try {
                    v = verifier.verify(img);
                } catch (FormatException e) {
                    err.println("r2rlab: " + image + ": " + e.getMessage());
                    badInput = true;
                    continue;
                }
                List<Finding> findings = v.findings();
                failed |= !findings.isEmpty();
                if (json) {
                    all.add(json(img, v));
                } else {
                    for (Finding f : findings) {
                        out.println(img.name() + ": " + f);
                    }
                    out.println(img.name() + ": " + (findings.isEmpty() ? "no findings" : findings.size() + " finding" + (findings.size() == 1 ? "" : "s")));
                }
            }
        }
        if (json) {
            JsonObject o = new JsonObject();
            o.add("images", all);
            out.println(new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create().toJson(o));
        }
        return badInput ? Main.EXIT_BAD_INPUT : failed ? Main.EXIT_FINDINGS : 0;
    }

    private static JsonObject json(R2RImage img, ImageVerifier.Verification v) {
        JsonObject o = new JsonObject();
        o.addProperty("file", img.name());
        JsonObject checked = new JsonObject();
        for (Rule r : Rule.values()) {
            checked.addProperty(r.id, v.checked(r));
        }
        o.add("checked", checked);
        JsonArray a = new JsonArray();
        for (Finding f : v.findings()) {
            JsonObject j = new JsonObject();
            j.addProperty("method", f.method());
            j.addProperty("rva", f.rva());
            j.addProperty("rule", f.rule().id);
            j.addProperty("defect", f.rule().defect);
            j.addProperty("detail", f.detail());
            a.add(j);
        }
        o.add("findings", a);
        return o;
    }
}
