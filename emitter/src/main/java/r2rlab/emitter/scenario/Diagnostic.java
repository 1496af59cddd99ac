package r2rlab.emitter.scenario;

/** One validation error. {@link #toString()} is {@code file:line: message}. */
public record Diagnostic(String file, int line, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + message;
    }
}
