package r2rlab.emitter.codegen;

/** The code bodies a scenario method compiles to (runtime-async.md A.1). */
public enum BodyKind {
    /** A non-async method. */
    METHOD("", ""),
    /** The Task-returning method of an async method: calls the async variant and hands a continuation to the runtime. */
    TASK_THUNK("", ""),
    /** The async variant: continuation argument in, continuation returned in RCX (x64) / X2 (ARM64). */
    ASYNC_VARIANT("$async", "[ASYNC] "),
    /** The resumption stub {@code object(object continuation, ref byte result)}. */
    RESUMPTION_STUB("$resume", "[RESUME] ");

    public final String symbolSuffix;
    public final String displayPrefix;

    BodyKind(String symbolSuffix, String displayPrefix) {
        this.symbolSuffix = symbolSuffix;
        this.displayPrefix = displayPrefix;
    }
}
