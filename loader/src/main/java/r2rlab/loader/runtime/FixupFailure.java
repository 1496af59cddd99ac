package r2rlab.loader.runtime;

/**
 * A fixup that could not be resolved (LoadDynamicInfoEntry returned FALSE, or the worker met an
 * unexpected kind: COR_E_BADIMAGEFORMAT). Names the cell and its kind.
 */
public final class FixupFailure extends RuntimeException {
    private final int section;
    private final int index;
    private final String kind;
    private final String reason;

    public FixupFailure(int section, int index, String kind, String reason) {
        super(String.format("fixup ImportSection[%d] cell %d (%s) failed: %s", section, index, kind, reason));
        this.section = section;
        this.index = index;
        this.kind = kind;
        this.reason = reason;
    }

    public int section() {
        return section;
    }

    public int index() {
        return index;
    }

    public String kind() {
        return kind;
    }

    public String reason() {
        return reason;
    }
}
