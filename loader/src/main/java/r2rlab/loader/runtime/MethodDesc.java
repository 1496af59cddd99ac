package r2rlab.loader.runtime;

/**
 * The runtime's MethodDesc for code in a ReadyToRun image: an ordinary method (or the Task-returning
 * method of an async method), an async variant, a resumption stub (a dynamic IL-stub-like MethodDesc
 * of stub kind StubAsyncResume, signature {@value #RESUMPTION_STUB_SIGNATURE}, whose code is R2R code),
 * or a Tier1 body (the second code version of a method, {@link #owner()} names the method).
 *
 * <p>Identity semantics: two MethodDescs are equal only when they are the same object, as two
 * MethodDesc pointers are in the runtime. That is what makes first-writer-wins observable.
 */
public final class MethodDesc {
    /** The signature the runtime builds for every resumption stub. */
    public static final String RESUMPTION_STUB_SIGNATURE = "object(object, ref byte)";

    /** What kind of code this MethodDesc stands for. */
    public enum Kind {
        /** An ordinary method, or the Task-returning method of an async method (MethodDefEntryPoints). */
        NORMAL,
        /** The async variant (InstanceMethodEntryPoints with the AsyncVariant flag). */
        ASYNC_VARIANT,
        /** A resumption stub, created when its ResumptionStubEntryPoint fixup is resolved. */
        RESUMPTION_STUB,
        /** A Tier1 code version published by tier-up. */
        TIER1_BODY
    }

    private final long id;
    private final Kind kind;
    private final String name;
    private final int token;
    private final long entryRva;
    private final int codeVersion;
    private final MethodDesc owner;
    private volatile long currentEntryRva;

    MethodDesc(long id, Kind kind, String name, int token, long entryRva, int codeVersion, MethodDesc owner) {
        this.id = id;
        this.kind = kind;
        this.name = name;
        this.token = token;
        this.entryRva = entryRva;
        this.codeVersion = codeVersion;
        this.owner = owner;
        this.currentEntryRva = entryRva;
    }

    /** Allocation number within its ReadyToRunInfo (1, 2, ...): tells two MethodDescs of one stub apart. */
    public long id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    /** MethodDef token (0 for a resumption stub). */
    public int token() {
        return token;
    }

    /** RVA of this MethodDesc's own (R2R or Tier1) code. */
    public long entryRva() {
        return entryRva;
    }

    /** 0 for the R2R code version, 1 for a Tier1 code version. */
    public int codeVersion() {
        return codeVersion;
    }

    /** For a Tier1 body: the method it is a code version of; otherwise null. */
    public MethodDesc owner() {
        return owner;
    }

    /** The method's active entry point: its R2R code until tier-up publishes Tier1 code. */
    public long currentEntryRva() {
        return currentEntryRva;
    }

    void publishEntry(long rva) {
        this.currentEntryRva = rva;
    }

    public boolean isResumptionStub() {
        return kind == Kind.RESUMPTION_STUB;
    }

    /** "object(object, ref byte)" for a resumption stub, otherwise the method's name. */
    public String signatureText() {
        return kind == Kind.RESUMPTION_STUB ? RESUMPTION_STUB_SIGNATURE : name;
    }

    @Override
    public String toString() {
        return String.format("MethodDesc#%d[%s %s @0x%X v%d]", id, kind, name, entryRva, codeVersion);
    }
}
