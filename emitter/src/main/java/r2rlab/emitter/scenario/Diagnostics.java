package r2rlab.emitter.scenario;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects errors; {@link #throwIfAny()} reports them sorted by line (stable, so same-line errors keep their order). */
final class Diagnostics {
    private final String file;
    private final List<Diagnostic> errors = new ArrayList<>();

    Diagnostics(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    void error(int line, String message) {
        errors.add(new Diagnostic(file, line, message));
    }

    int count() {
        return errors.size();
    }

    void throwIfAny() {
        if (!errors.isEmpty()) {
            List<Diagnostic> sorted = new ArrayList<>(errors);
            sorted.sort(Comparator.comparingInt(Diagnostic::line));
            throw new ScenarioException(sorted);
        }
    }
}
