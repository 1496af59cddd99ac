package r2rlab.emitter.ir;

/**
 * Which compilation of a method: the R2R code found through the entry-point tables, or the Tier1
 * code that only the tiering model publishes. The two differ in state numbering and continuation
 * data layout, as two real compilations of one method may (runtime-async.md section D).
 */
public enum CodeVersion {
    R2R(""),
    TIER1("$tier1");

    /** Suffix of this version's symbols. */
    public final String suffix;

    CodeVersion(String suffix) {
        this.suffix = suffix;
    }
}
