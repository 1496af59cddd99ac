package r2rlab.loader.runtime;

/**
 * What {@link ReadyToRunJitManager#jitCodeToMethodInfo} found for a code address: the MethodDesc, the
 * RUNTIME_FUNCTION containing the address, the hot one it maps to (same unless cold), the method's
 * entry runtime function, and whether the address is in a cold part and/or a funclet (any runtime
 * function between the method start and the hot function).
 */
public record CodeInfo(MethodDesc method, long rva, int runtimeFunction, int hotRuntimeFunction, int methodStartRuntimeFunction,
                       boolean cold, boolean funclet) {
}
