package r2rlab.emitter;

/**
 * The emitter refuses to write the image, as crossgen2's object writer would: a relocation that
 * cannot be applied, or a defect switch whose buggy writer rejects its own output (B3's rejecting
 * PEObjectWriter, B8's GC map without a bit for a reference). Not a bug in r2rlab.
 */
public final class EmitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmitException(String message) {
        super(message);
    }

    public EmitException(String message, Throwable cause) {
        super(message, cause);
    }
}
