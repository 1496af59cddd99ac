package r2rlab.format.r2r;

/**
 * READYTORUN_SECTION types of r2rlab's own, outside crossgen2's range (100-126) so no runtime or
 * tool mistakes them for its own; the runtime skips section types it does not know.
 */
public final class R2RLabSections {
    /** Second (Tier1) code versions that the entry-point tables do not reach: {@link Tier1CodeVersions}. */
    public static final int TIER1_CODE_VERSIONS = 0x7F01;

    private R2RLabSections() {
    }
}
