package r2rlab.loader;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;

/** The real images of ../shared/fixtures for the loader's tests, read in place. */
public final class LoaderFixtures {
    private LoaderFixtures() {
    }

    public static Path dir() {
        String prop = System.getProperty("r2rlab.fixtures");
        if (prop != null && Files.isDirectory(Path.of(prop))) {
            return Path.of(prop);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/fixtures").normalize();
            if (Files.isDirectory(candidate.resolve("r2r-net11-async"))) {
                return candidate;
            }
        }
        return Assertions.fail("fixture folder ../shared/fixtures not found (set -Dr2rlab.fixtures)");
    }

    public static Path net11(String name) {
        return dir().resolve("r2r-net11-async").resolve(name);
    }

    /** Every image below r2r/ and r2r-net11-async/, sorted. */
    public static List<Path> all() {
        List<Path> out = new ArrayList<>();
        for (String folder : List.of("r2r", "r2r-net11-async")) {
            try (Stream<Path> s = Files.list(dir().resolve(folder))) {
                s.filter(p -> p.toString().endsWith(".dll")).sorted().forEach(out::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}
