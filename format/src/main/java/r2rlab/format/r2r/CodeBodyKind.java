package r2rlab.format.r2r;

/**
 * The code bodies a runtime-async method compiles to (runtime-async.md A.1), with the value
 * r2rlab's Tier1 code-version section stores for each ({@link Tier1CodeVersions}).
 */
public enum CodeBodyKind {
    /** A non-async method. */
    METHOD(0),
    /** The Task-returning method of an async method. */
    TASK_RETURNING_THUNK(1),
    /** The async variant: continuation in, continuation out. */
    ASYNC_VARIANT(2),
    /** The resumption stub of an async variant. */
    RESUMPTION_STUB(3);

    /** The on-disk value. */
    public final int value;

    CodeBodyKind(int value) {
        this.value = value;
    }

    /** The kind stored as {@code value}, or null. */
    public static CodeBodyKind fromValue(long value) {
        for (CodeBodyKind k : values()) {
            if (k.value == value) {
                return k;
            }
        }
        return null;
    }
}
