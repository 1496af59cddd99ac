package r2rlab.loader.runtime;

/**
 * A memory access of the runtime's own native code that would fault on real hardware: a read outside
 * the image (a release ExternalMethodFixupWorker indexing Signatures with a stale cell, B2) or a
 * misaligned load on a strict-alignment target (B10). Carries the faulting address.
 */
public final class RuntimeMemoryFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What the access did wrong. */
    public enum Access {
        /** The address is outside the image and any memory the runtime owns. */
        READ_UNMAPPED,
        /** An aligned load at an address that is not a multiple of its size. */
        MISALIGNED
    }

    private final Access access;
    private final long address;
    private final String function;
    private final int section;
    private final int index;

    /**
     * @param function the runtime function that made the access (LoadDynamicInfoEntry, ExternalMethodFixupWorker)
     * @param section the import section of the cell whose fixup was being resolved, or -1
     * @param index that cell's index in its section, or -1
     */
    public RuntimeMemoryFault(Access access, long address, String function, int section, int index, String message) {
        super(message);
        this.access = access;
        this.address = address;
        this.function = function;
        this.section = section;
        this.index = index;
    }

    public Access access() {
        return access;
    }

    /** The faulting address. */
    public long address() {
        return address;
    }

    public String function() {
        return function;
    }

    /** The import section of the cell being resolved, or -1. */
    public int section() {
        return section;
    }

    /** The cell's index in that section, or -1. */
    public int index() {
        return index;
    }
}
