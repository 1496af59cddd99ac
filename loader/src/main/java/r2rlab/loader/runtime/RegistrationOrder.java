package r2rlab.loader.runtime;

/** How RegisterResumptionStub orders the map insert and the allocation tracker's SuppressRelease (B6). */
public enum RegistrationOrder {
    /** After dotnet/runtime#125407: insert first; SuppressRelease only when the insert happened, else the tracker frees. */
    FIXED,
    /** As merged in #124203: SuppressRelease, then insert; a losing thread's MethodDesc stays allocated and unreferenced. */
    BUGGY_SUPPRESS_BEFORE_INSERT
}
