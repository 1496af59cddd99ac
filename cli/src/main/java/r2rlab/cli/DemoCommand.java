package r2rlab.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import r2rlab.loader.R2RImage;

/**
 * {@code r2rlab demo}: the main job. For now it reads every real image of the fixture corpus and
 * prints one summary line each; it fails when any image cannot be read.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Reads every fixture image (../shared/fixtures) and prints one summary line per image.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--fixtures", paramLabel = "DIR", description = "the fixture folder (default: ../shared/fixtures beside the repository)")
    Path fixtures;

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
                out.println(dir.relativize(p).getParent() + "/" + Summary.line(img));
            }
        }
        out.printf("%d images read, %d failed%n", images.size() - failed, failed);
        return failed == 0 ? 0 : Main.EXIT_BAD_INPUT;
    }

    static Path defaultFixtures() {
        String home = System.getenv("R2RLAB_HOME");
        Path root = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        return root.resolve("../shared/fixtures").normalize();
    }
}
