package r2rlab.emitter.scenario;

import java.util.List;
import java.util.stream.Collectors;

/** An invalid scenario. The message lists every error as {@code file:line: message}, one per line, in line order. */
public final class ScenarioException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Diagnostic> errors;

    public ScenarioException(List<Diagnostic> errors) {
        super(errors.stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<Diagnostic> errors() {
        return errors;
    }
}
