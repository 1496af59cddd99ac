package r2rlab.emu.verify;

/**
 * The protocols {@link ImageVerifier} checks, as the real .NET 11 images follow them
 * (runtime-async.md C and F), each with the defect it detects.
 */
public enum Rule {
    /** One ResumptionStubEntryPoint (0x38) cell per awaiting async variant, and one owner per stub. */
    STUB_CELL("stub-cell", "B10: a duplicate ResumptionStubEntryPoint fixup (a compile retry), or a stub no single variant owns"),
    /** Each resumption stub calls its own async variant with a direct call. */
    STUB_DIRECT_CALL("stub-direct-call", "B1: the stub reaches its variant through a cell, so tier-up moves resumption to other code"),
    /** No other direct call between methods: every call goes through an import cell, so the callee's fixups run first. */
    DIRECT_CALLS("direct-calls", "a direct call that skips the callee's fixups (its cells, its stub's registration)"),
    /** Every Flags value a variant stores decodes, in the R2R 18.5 split, to slots of its ContinuationLayout, the exception slot a reference. */
    CONTINUATION_FLAGS("continuation-flags",
            "Flags written in another split than the runtime reads (R2R 18.5: exception bits 3-4, context 5-6, result from bit 7)"),
    /** Every ResumeInfo record resumes through the stub the variant's 0x38 fixup registers, its DiagnosticIP inside the variant. */
    RESUME_INFO("resume-info", "a ResumeInfo record that resumes through another stub, or whose DiagnosticIP lies outside its variant"),
    /** A suspension stores references (through a write barrier) only into cells its ContinuationLayout's GC map marks, integers only into clear ones. */
    CONTINUATION_GC_MAP("continuation-gc-map",
            "a ContinuationLayout GC map that does not mark exactly the references the suspension saves (the GC misses or invents a reference)"),
    /** Every ContinuationLayout GC map has the length its size implies. */
    GC_MAP_LENGTH("gc-map-length", "B8: a GC map sized by truncating division, one byte short"),
    /** No async method (variant, stub, Task-returning method) has cold parts. */
    COLD_ASYNC("cold-async", "B4: hot/cold splitting of async code, whose suspension and resumption code the runtime cannot find"),
    /** Every EH clause belongs to a method's start and its handler is one funclet of that method. */
    EH_HANDLER("eh-handler", "an EH clause whose handler is not a funclet of its method, so the dispatcher would call other code"),
    /** ARM64: every call or tail jump through a delay-load cell (one that starts at a thunk) sets x11 to that cell. */
    X11_CELL("x11-cell", "B2: a call through a cell that leaves x11 stale, so the delay-load helper patches another cell"),
    /** ARM64: every page-relative pair (ADRP with ADD or LDR) addresses its target exactly. */
    PAGE_PAIR("page-pair", "B3: an ADRP that takes the page of S instead of S + A, one page off when S + A crosses a page");

    /** The rule's name in verify's output. */
    public final String id;
    /** The defect the rule detects. */
    public final String defect;

    Rule(String id, String defect) {
        this.id = id;
        this.defect = defect;
    }
}
