package r2rlab.format.r2r;

/**
 * The System.Private.CoreLib methods that the R2R code of runtime-async methods calls through MethodEntry cells
 * (runtime-async.md C and F; the manifest metadata names them in the real images), and r2rlab's stand-in for the
 * runtime's own suspension point. The emitter writes MemberRefs with these names; the emulated runtime provides a
 * handler for each under {@link #key()}.
 *
 * @param genericArity the method's generic parameter count (0 for a non-generic method)
 * @param params its parameter count
 */
public enum CoreLibMethod {
    /** {@code static void CaptureContexts(out ExecutionContext, out SynchronizationContext)}: on entry to an async variant. */
    CAPTURE_CONTEXTS(Type.ASYNC_HELPERS, "CaptureContexts", 0, 2),
    /** {@code static void RestoreContexts(bool resumed, ExecutionContext, SynchronizationContext)}: on every return. */
    RESTORE_CONTEXTS(Type.ASYNC_HELPERS, "RestoreContexts", 0, 3),
    /** {@code static void RestoreContextsOnSuspension(bool resumed, ExecutionContext, SynchronizationContext)}: on every suspension. */
    RESTORE_CONTEXTS_ON_SUSPENSION(Type.ASYNC_HELPERS, "RestoreContextsOnSuspension", 0, 3),
    /** {@code static ExecutionContext CaptureExecutionContext()}: saved into the continuation on suspension. */
    CAPTURE_EXECUTION_CONTEXT(Type.ASYNC_HELPERS, "CaptureExecutionContext", 0, 0),
    /** {@code static void RestoreExecutionContext(ExecutionContext)}: first thing a resumed state does. */
    RESTORE_EXECUTION_CONTEXT(Type.ASYNC_HELPERS, "RestoreExecutionContext", 0, 1),
    /** {@code static Task<T> Task.FromResult<T>(T)}: a Task-returning method whose variant completed with a value. */
    TASK_FROM_RESULT(Type.TASK, "FromResult", 1, 1),
    /** {@code static Task Task.get_CompletedTask()}: a void Task-returning method whose variant completed. */
    TASK_GET_COMPLETED_TASK(Type.TASK, "get_CompletedTask", 0, 0),
    /** {@code static Task<T> FinalizeTaskReturningThunk<T>()}: a Task-returning method whose variant suspended. */
    FINALIZE_TASK_RETURNING_THUNK_OF_T(Type.ASYNC_HELPERS, "FinalizeTaskReturningThunk", 1, 0),
    /** {@code static Task FinalizeTaskReturningThunk()}: the same for a void method. */
    FINALIZE_TASK_RETURNING_THUNK(Type.ASYNC_HELPERS, "FinalizeTaskReturningThunk", 0, 0),
    /** r2rlab's suspension point (like Task.Yield), called with the async calling convention; not a CoreLib method. */
    YIELD(Type.ASYNC_HELPERS, "Yield", 0, 0);

    /** The CoreLib types that declare them. */
    public enum Type {
        ASYNC_HELPERS("System.Runtime.CompilerServices", "AsyncHelpers"),
        TASK("System.Threading.Tasks", "Task");

        public final String namespace;
        public final String name;

        Type(String namespace, String name) {
            this.namespace = namespace;
            this.name = name;
        }
    }

    public final Type type;
    public final String methodName;
    public final int genericArity;
    public final int params;

    CoreLibMethod(Type type, String methodName, int genericArity, int params) {
        this.type = type;
        this.methodName = methodName;
        this.genericArity = genericArity;
        this.params = params;
    }

    /** "Namespace.Type.Method", as a MemberRef's name renders. */
    public String qualifiedName() {
        return type.namespace + "." + type.name + "." + methodName;
    }

    /** The name a handler is provided under: {@link #keyOf} of this method. */
    public String key() {
        return keyOf(qualifiedName(), genericArity);
    }

    /** "Namespace.Type.Method", with "``n" appended for a method with n generic parameters (overloads by arity differ). */
    public static String keyOf(String qualifiedName, int genericArity) {
        return genericArity == 0 ? qualifiedName : qualifiedName + "``" + genericArity;
    }
}
