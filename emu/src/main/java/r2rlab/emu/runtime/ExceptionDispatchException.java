package r2rlab.emu.runtime;

/**
 * The emulated runtime's exception dispatcher cannot go on, where the real runtime would fail fast: a frame it walks
 * maps to no method, is a funclet it did not call (an unregistered resumption stub taken for a funclet of the method
 * before it), or cannot be unwound.
 */
public final class ExceptionDispatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ExceptionDispatchException(String message) {
        super(message);
    }
}
