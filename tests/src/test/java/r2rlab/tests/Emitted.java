package r2rlab.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import r2rlab.emitter.Architecture;
import r2rlab.emitter.Defect;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.StubLayout;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.RuntimeFunction;

/** Shared helpers of the emitter tests: the example scenarios, emission, and code bytes of a runtime function. */
public final class Emitted {
    private Emitted() {
    }

    static List<Path> examples() {
        try (Stream<Path> s = Files.list(Fixtures.examples())) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Scenario scenario(Path p) {
        try {
            return ScenarioParser.parse(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Scenario scenario(String name) {
        return scenario(Fixtures.examples().resolve(name));
    }

    static byte[] emit(Scenario s, Architecture arch, Defect... defects) {
        return Emitter.emit(s, new EmitOptions(arch, TargetOs.WINDOWS, Set.of(defects), StubLayout.ADJACENT));
    }

    static byte[] emitWith(Scenario s, Architecture arch, StubLayout layout, Defect... defects) {
        return Emitter.emit(s, new EmitOptions(arch, TargetOs.WINDOWS, Set.of(defects), layout));
    }

    static R2RImage read(byte[] image) {
        return R2RImage.read("emitted", image);
    }

    /** The MethodDef token of the method named {@code name} (its MethodDefEntryPoints entry, not an async variant). */
    public static int token(R2RImage img, String name) {
        return img.methods().stream().filter(m -> m.name().equals(name) && m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS)
                .findFirst().orElseThrow(() -> new AssertionError("no method " + name)).token();
    }

    /** Every ContinuationLayout fixup signature of the image, in import section and cell order. */
    static List<FixupSignature.Layout> continuationLayouts(R2RImage img) {
        List<FixupSignature.Layout> out = new ArrayList<>();
        for (ImportSection s : img.importSections()) {
            for (ImportCell c : s.cells()) {
                if (c.signature() instanceof FixupSignature.Layout l && c.signature().kind() == ReadyToRunFixupKind.ContinuationLayout) {
                    out.add(l);
                }
            }
        }
        return out;
    }

    /** The code bytes of one runtime function (begin to end; ARM64 ends come from the .xdata length). */
    static byte[] code(R2RImage img, RuntimeFunction rf) {
        long off = img.pe().rvaToOffset("code", rf.beginRva(), rf.size());
        return img.pe().file().bytes("code", off, (int) rf.size());
    }

    static Path write(Path dir, String name, byte[] image) {
        try {
            Path p = dir.resolve(name);
            Files.write(p, image);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a tool; returns {exit status, stdout, stderr}. */
    static String[] run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            int status = p.waitFor();
            return new String[] {Integer.toString(status), new String(out), new String(err)};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
