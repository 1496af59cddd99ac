package r2rlab.emitter.scenario;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/** One validated, resolved .NET module: the input of the emitter back end. */
public record Scenario(String file, String module, List<TypeDecl> types) {
    public Scenario {
        Objects.requireNonNull(file);
        Objects.requireNonNull(module);
        types = List.copyOf(types);
    }

    /** All methods of all types, in declaration order. */
    public Stream<MethodDecl> methods() {
        return types.stream().flatMap(t -> t.methods().stream());
    }

    public int methodCount() {
        int n = 0;
        for (TypeDecl t : types) {
            n += t.methods().size();
        }
        return n;
    }

    /** The type with this full name ({@code Demo.Outer+Inner}), or null. */
    public TypeDecl type(String fullName) {
        for (TypeDecl t : types) {
            if (t.fullName().equals(fullName)) {
                return t;
            }
        }
        return null;
    }
}
