package r2rlab.format.r2r;

/**
 * READYTORUN_SECTION types of r2rlab's own, outside crossgen2's range (100-126) so no runtime or
 * tool mistakes them for its own; the runtime skips section types it does not know.
 */
public final class R2RLabSections {
    /**
     * Second (Tier1) code versions that the entry-point tables do not reach; only the tiering model
     * publishes them. Layout: u32 count, then per body {u32 MethodDef token, u32 body kind (0 method,
     * 1 Task-returning thunk, 2 async variant, 3 resumption stub), u32 runtime function index, u32 code
     * RVA, u32 RVA of its nibble fixup list or 0}.
     */
    public static final int TIER1_CODE_VERSIONS = 0x7F01;
    public static final int TIER1_ENTRY_SIZE = 20;

    private R2RLabSections() {
    }
}
