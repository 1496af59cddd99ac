package r2rlab.emitter.scenario;

import java.util.Objects;

/** Link from a {@link MethodDecl} to its {@link TypeDecl}, set once when the type record is built. Equality by full name. */
public final class DeclaringType {
    private final String fullName;
    private TypeDecl type;

    public DeclaringType(String fullName) {
        this.fullName = Objects.requireNonNull(fullName);
    }

    public String fullName() {
        return fullName;
    }

    public TypeDecl type() {
        if (type == null) {
            throw new IllegalStateException("declaring type '" + fullName + "' not linked");
        }
        return type;
    }

    void link(TypeDecl t) {
        if (type != null) {
            throw new IllegalStateException("declaring type '" + fullName + "' linked twice");
        }
        type = t;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeclaringType d && fullName.equals(d.fullName);
    }

    @Override
    public int hashCode() {
        return fullName.hashCode();
    }

    @Override
    public String toString() {
        return fullName;
    }
}
