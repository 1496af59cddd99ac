package r2rlab.loader;

/** Which of a runtime-async method's code bodies an entry point is. */
public enum MethodVariant {
    /** An ordinary method, or the Task-returning variant of an async method. */
    METHOD("method"),
    /** The async variant (AsyncVariant signature flag): continuation in, continuation out. */
    ASYNC("async"),
    /** A resumption stub, found only through its ResumptionStubEntryPoint fixup. */
    RESUME("resume");

    public final String jsonName;

    MethodVariant(String jsonName) {
        this.jsonName = jsonName;
    }
}
