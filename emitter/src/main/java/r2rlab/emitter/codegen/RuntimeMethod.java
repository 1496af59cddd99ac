package r2rlab.emitter.codegen;

/**
 * CoreLib methods that emitted code calls through MethodEntry import cells, as real images call
 * the async helpers (runtime-async.md F; the emulated runtime implements them). Each is a MemberRef
 * of the image's metadata whose parent is a TypeRef in System.Private.CoreLib, reached through the
 * ManifestMetadata section. {@code params} counts the arguments.
 */
public enum RuntimeMethod {
    /** Saves the thread's ExecutionContext and SynchronizationContext into two out slots. */
    CAPTURE_CONTEXTS("System.Runtime.CompilerServices", "AsyncHelpers", "CaptureContexts", 2, false),
    /** Restores the contexts captured on entry (argument 0: suspended flag, 1-2: the saved contexts). */
    RESTORE_CONTEXTS("System.Runtime.CompilerServices", "AsyncHelpers", "RestoreContexts", 3, false),
    /** Builds a completed Task from a result value. */
    TASK_FROM_RESULT("System.Runtime.CompilerServices", "AsyncHelpers", "TaskFromResult", 1, true),
    /** Hands a continuation chain to the runtime and returns the Task that will complete with it. */
    FINALIZE_TASK_RETURNING_THUNK("System.Runtime.CompilerServices", "AsyncHelpers", "FinalizeTaskReturningThunk", 1, true),
    /** The runtime's own suspension point (like Task.Yield): called with the async calling convention. */
    YIELD("System.Runtime.CompilerServices", "AsyncHelpers", "Yield", 0, false);

    public final String namespace;
    public final String typeName;
    public final String methodName;
    public final int params;
    public final boolean returnsValue;

    RuntimeMethod(String namespace, String typeName, String methodName, int params, boolean returnsValue) {
        this.namespace = namespace;
        this.typeName = typeName;
        this.methodName = methodName;
        this.params = params;
        this.returnsValue = returnsValue;
    }
}
