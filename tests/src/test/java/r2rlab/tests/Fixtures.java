package r2rlab.tests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;

/** The real images of ../shared/fixtures, read in place (never copied into the repository). */
public final class Fixtures {
    private Fixtures() {
    }

    /** The fixture folder. */
    public static Path root() {
        String prop = System.getProperty("r2rlab.fixtures");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/fixtures").normalize();
            if (Files.isDirectory(candidate.resolve("r2r"))) {
                return candidate;
            }
        }
        return Assertions.fail("fixture folder ../shared/fixtures not found (set -Dr2rlab.fixtures)");
    }

    public static Path r2r(String name) {
        return root().resolve("r2r").resolve(name);
    }

    public static Path net11(String name) {
        return root().resolve("r2r-net11-async").resolve(name);
    }

    /** All 49 images, sorted by path relative to the fixture root. */
    static List<Path> all() {
        try (Stream<Path> s = Files.walk(root())) {
            return s.filter(p -> p.toString().endsWith(".dll")).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<Path> net11() {
        return all().stream().filter(p -> p.getParent().getFileName().toString().equals("r2r-net11-async")).collect(Collectors.toList());
    }

    static String relative(Path p) {
        return root().relativize(p).toString().replace('\\', '/');
    }

    /** The example scenarios of the repository. */
    public static Path examples() {
        return repositoryRoot().resolve("examples");
    }

    /** The repository root (where the tests module's parent pom lives). */
    public static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tests/oracle/r2r_oracle.py"))) {
                return p;
            }
        }
        return Assertions.fail("repository root not found");
    }
}
