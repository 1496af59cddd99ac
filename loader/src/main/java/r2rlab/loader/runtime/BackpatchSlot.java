package r2rlab.loader.runtime;

/**
 * A place that holds a method's entry point and that publishing a new code version rewrites: an
 * import cell patched by ExternalMethodFixupWorker, or the method's precode.
 */
public record BackpatchSlot(Kind kind, int section, int index, MethodDesc method) {
    public enum Kind {
        IMPORT_CELL,
        PRECODE
    }

    static BackpatchSlot cell(int section, int index, MethodDesc md) {
        return new BackpatchSlot(Kind.IMPORT_CELL, section, index, md);
    }

    static BackpatchSlot precode(MethodDesc md) {
        return new BackpatchSlot(Kind.PRECODE, -1, -1, md);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BackpatchSlot b && b.kind == kind && b.section == section && b.index == index && b.method == method;
    }

    @Override
    public int hashCode() {
        return (kind.hashCode() * 31 + section) * 31 + index + System.identityHashCode(method);
    }

    @Override
    public String toString() {
        return kind == Kind.PRECODE ? "precode of " + method.name() : "ImportSection[" + section + "] cell " + index;
    }
}
