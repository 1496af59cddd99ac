package r2rlab.loader.runtime;

/**
 * One "thread"'s run of ReadyToRunInfo::RegisterResumptionStub, split into its three steps so that a
 * test can interleave two threads exactly: {@link #lookup()} (map probe), {@link #allocate()}
 * (CreateR2RBackedILStub under an allocation tracker), {@link #publish(RegistrationOrder)} (insert and
 * SuppressRelease in the given order). {@link ReadyToRunInfo#registerResumptionStub} runs all three.
 */
public final class StubRegistration {
    private final ReadyToRunInfo info;
    private final long stubRva;
    private MethodDesc seen;
    private boolean looked;
    private MethodDesc allocated;
    private MethodDesc result;
    private boolean inserted;

    StubRegistration(ReadyToRunInfo info, long stubRva) {
        this.info = info;
        this.stubRva = stubRva;
    }

    public long stubRva() {
        return stubRva;
    }

    /** Probes the entry-point map; returns the MethodDesc already registered there, or null. */
    public MethodDesc lookup() {
        seen = info.methodDescForEntryPoint(stubRva);
        looked = true;
        return seen;
    }

    /** Allocates this thread's stub MethodDesc (the map probe saw nothing). */
    public MethodDesc allocate() {
        if (!looked) {
            throw new IllegalStateException("allocate() before lookup()");
        }
        if (allocated != null) {
            throw new IllegalStateException("already allocated");
        }
        allocated = info.allocateStubMethodDesc(stubRva);
        return allocated;
    }

    /** Inserts (first writer wins) and settles the allocation; returns the MethodDesc the map holds. */
    public MethodDesc publish(RegistrationOrder order) {
        if (allocated == null) {
            throw new IllegalStateException("publish() before allocate()");
        }
        if (order == RegistrationOrder.FIXED) {
            inserted = info.setMethodDescForEntryPoint(stubRva, allocated);
            if (inserted) {
                info.suppressRelease(allocated);
            } else {
                info.release(allocated);
            }
        } else {
            info.suppressRelease(allocated);
            inserted = info.setMethodDescForEntryPoint(stubRva, allocated);
        }
        result = info.methodDescForEntryPoint(stubRva);
        return result;
    }

    /** What the map probe saw (null: empty). */
    public MethodDesc seen() {
        return seen;
    }

    /** This thread's own allocation, or null. */
    public MethodDesc allocated() {
        return allocated;
    }

    /** True when this thread's insert won. */
    public boolean inserted() {
        return inserted;
    }

    /** The registered MethodDesc after {@link #publish}. */
    public MethodDesc result() {
        return result;
    }
}
