package r2rlab.emitter;

/** Where resumption stubs go among the runtime functions. */
public enum StubLayout {
    /** Each stub right after its async variant, as crossgen2 places them since dotnet/runtime PR #128380. */
    ADJACENT,
    /** All stubs of the image in one block of runtime functions before the async variants, as in the .NET 11 preview 4 images. */
    GROUPED
}
