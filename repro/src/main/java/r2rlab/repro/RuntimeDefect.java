package r2rlab.repro;

/**
 * The runtime- and tool-side defects of the catalogue that the emitter does not own, switchable by
 * name in a regression file's {@code defect} (compile-side defects are {@code r2rlab.emitter.Defect}).
 * A new runtime defect switch is one value here plus the place in the runtime model that consults it.
 */
public enum RuntimeDefect {
    /** B6: RegisterResumptionStub suppresses the allocation tracker's release before the insert that may lose. */
    SUPPRESS_RELEASE_BEFORE_INSERT("suppress-release-before-insert"),
    /** B7: the reader appends the synthetic resumption-stub methods to its InstanceMethodEntryPoints list. */
    STUBS_AMONG_INSTANCE_METHODS("stubs-among-instance-methods"),
    /** B10: LoadDynamicInfoEntry reads the stub RVA with an aligned DWORD load. */
    ALIGNED_STUB_RVA_LOAD("aligned-stub-rva-load"),
    /** F3: the runtime resolves ResumptionStubEntryPoint fixups without registering the stubs' MethodDescs. */
    UNREGISTERED_STUBS("unregistered-stubs");

    public final String key;

    RuntimeDefect(String key) {
        this.key = key;
    }

    static RuntimeDefect byKey(String key) {
        for (RuntimeDefect d : values()) {
            if (d.key.equalsIgnoreCase(key) || d.name().equalsIgnoreCase(key)) {
                return d;
            }
        }
        return null;
    }
}
