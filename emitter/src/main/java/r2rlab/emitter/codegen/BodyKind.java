package r2rlab.emitter.codegen;

import r2rlab.format.r2r.CodeBodyKind;

/** The code bodies a scenario method compiles to (runtime-async.md A.1). */
public enum BodyKind {
    /** A non-async method. */
    METHOD("", "", CodeBodyKind.METHOD),
    /** The Task-returning method of an async method: calls the async variant and hands a continuation to the runtime. */
    TASK_THUNK("", "", CodeBodyKind.TASK_RETURNING_THUNK),
    /** The async variant: continuation argument in, continuation returned in RCX (x64) / X2 (ARM64). */
    ASYNC_VARIANT("$async", "[ASYNC] ", CodeBodyKind.ASYNC_VARIANT),
    /** The resumption stub {@code object(object continuation, ref byte result)}. */
    RESUMPTION_STUB("$resume", "[RESUME] ", CodeBodyKind.RESUMPTION_STUB);

    public final String symbolSuffix;
    public final String displayPrefix;
    /** The kind as the image stores it (r2rlab's Tier1 code-version section). */
    public final CodeBodyKind codeBodyKind;

    BodyKind(String symbolSuffix, String displayPrefix, CodeBodyKind codeBodyKind) {
        this.symbolSuffix = symbolSuffix;
        this.displayPrefix = displayPrefix;
        this.codeBodyKind = codeBodyKind;
    }
}
