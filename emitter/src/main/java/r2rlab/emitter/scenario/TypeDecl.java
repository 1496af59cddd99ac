package r2rlab.emitter.scenario;

import java.util.List;
import java.util.Objects;

/**
 * A class. {@code namespace} is the namespace of the outermost type ("" if none); {@code enclosing} is the full
 * name of the directly enclosing type for a nested type ({@code Demo.Outer} for {@code Demo.Outer+Inner}), else null.
 */
public record TypeDecl(String namespace, String name, String enclosing, List<MethodDecl> methods, int line) {
    public TypeDecl {
        Objects.requireNonNull(namespace);
        Objects.requireNonNull(name);
        methods = List.copyOf(methods);
    }

    /** {@code Demo.Program}, {@code Program} (no namespace) or {@code Demo.Outer+Inner} (nested). */
    public String fullName() {
        if (enclosing != null) {
            return enclosing + "+" + name;
        }
        return namespace.isEmpty() ? name : namespace + "." + name;
    }

    public boolean isNested() {
        return enclosing != null;
    }
}
