package r2rlab.repro;

import java.util.List;

/** Malformed catalogue files: every problem found, one {@code file:line: message} each, in file and line order. */
public final class CatalogueException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> errors;

    public CatalogueException(List<String> errors) {
        super(String.join("\n", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}
