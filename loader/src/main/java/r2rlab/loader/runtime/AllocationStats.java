package r2rlab.loader.runtime;

/**
 * Stub MethodDesc allocation accounting: allocated in total; freed by their tracker; pending (tracker
 * still holds them, registration not finished); retained (committed and referenced by the
 * entry-point map); leaked (committed with SuppressRelease but referenced by nothing).
 */
public record AllocationStats(int allocated, int freed, int pending, int retained, int leaked) {
}
