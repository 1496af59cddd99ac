package r2rlab.repro;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The regressions of one folder ({@code regressions/}: one YAML file each), in catalogue order (B1, B2, ..., B10, then by name). */
public final class Catalogue {
    private final List<Regression> regressions;

    private Catalogue(List<Regression> regressions) {
        this.regressions = List.copyOf(regressions);
    }

    /**
     * Reads every {@code *.yaml} file directly in {@code dir}; {@code fixtures} resolves fixture images.
     *
     * @throws CatalogueException one or more files are malformed, or two share a name (every error of every file)
     * @throws IOException the folder cannot be listed or a file read
     */
    public static Catalogue load(Path dir, Path fixtures) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".yaml") && Files.isRegularFile(p)).sorted().collect(Collectors.toList());
        }
        List<String> errors = new ArrayList<>();
        List<Regression> out = new ArrayList<>();
        Map<String, Path> names = new HashMap<>();
        for (Path f : files) {
            try {
                Regression r = CatalogueParser.parse(f, fixtures);
                Path other = names.putIfAbsent(r.name(), f);
                if (other != null) {
                    errors.add(f + ":1: duplicate regression name '" + r.name() + "' (also " + other + ")");
                } else {
                    out.add(r);
                }
            } catch (CatalogueException e) {
                errors.addAll(e.errors());
            }
        }
        if (!errors.isEmpty()) {
            throw new CatalogueException(errors);
        }
        out.sort((a, b) -> {
            int c = Integer.compare(idNumber(a.id()), idNumber(b.id()));
            return c != 0 ? c : a.name().compareTo(b.name());
        });
        return new Catalogue(out);
    }

    /** A catalogue of the given regressions, as given (e.g. one user file). */
    public static Catalogue of(List<Regression> regressions) {
        return new Catalogue(regressions);
    }

    private static int idNumber(String id) {
        String digits = id.replaceAll("[^0-9]", "");
        return digits.isEmpty() ? Integer.MAX_VALUE : Integer.parseInt(digits);
    }

    public List<Regression> regressions() {
        return regressions;
    }

    /**
     * The regressions named by {@code selectors} (a name, or a catalogue id such as B2 for all of its
     * regressions), in catalogue order.
     *
     * @throws IllegalArgumentException a selector matches nothing
     */
    public List<Regression> select(List<String> selectors) {
        Set<Regression> picked = new LinkedHashSet<>();
        for (String s : selectors) {
            List<Regression> m = regressions.stream().filter(r -> r.name().equalsIgnoreCase(s) || r.id().equalsIgnoreCase(s))
                    .collect(Collectors.toList());
            if (m.isEmpty()) {
                throw new IllegalArgumentException("no regression named or with id '" + s + "'; known: "
                        + regressions.stream().map(Regression::name).collect(Collectors.joining(", ")));
            }
            picked.addAll(m);
        }
        return regressions.stream().filter(picked::contains).collect(Collectors.toList());
    }
}
