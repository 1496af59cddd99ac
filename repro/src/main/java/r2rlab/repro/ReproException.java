package r2rlab.repro;

/** A regression that cannot run as written (its entry has no R2R code, a real image of another machine, ...): bad input. */
public final class ReproException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReproException(String message) {
        super(message);
    }

    public ReproException(String message, Throwable cause) {
        super(message, cause);
    }
}
