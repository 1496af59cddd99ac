package r2rlab.emitter.scenario;

import java.util.List;
import java.util.Objects;

/**
 * A method. {@code params} holds every parameter in order, {@code "this"} first for instance methods, and
 * {@code paramTypes} their types ({@code this} is an {@code object} reference). {@code isAsync} marks a runtime-async method (Task / Task&lt;long&gt; in metadata).
 * {@code tier1} asks for a second (Tier1) code version. {@code declaringType} links back to the owning type.
 */
public record MethodDecl(String name, boolean isStatic, boolean isAsync, List<String> params, List<VarType> paramTypes, ReturnKind returns,
        boolean tier1, List<Stmt> body, int line, DeclaringType declaringType) {
    public MethodDecl {
        Objects.requireNonNull(name);
        Objects.requireNonNull(returns);
        Objects.requireNonNull(declaringType);
        params = List.copyOf(params);
        paramTypes = List.copyOf(paramTypes);
        if (paramTypes.size() != params.size()) {
            throw new IllegalArgumentException("a type for every parameter: " + paramTypes.size() + " for " + params.size());
        }
        body = List.copyOf(body);
    }

    /** The declaring type (resolved). */
    public TypeDecl type() {
        return declaringType.type();
    }

    /** {@code Demo.Program.Add}. */
    public String fullName() {
        return declaringType.fullName() + "." + name;
    }

    /** Number of arguments a call passes, including the receiver of an instance method. */
    public int arity() {
        return params.size();
    }

    public boolean returnsValue() {
        return returns != ReturnKind.VOID;
    }

    /** Whether the method returns a reference. */
    public boolean returnsReference() {
        return returns.type != null && returns.type.isReference();
    }
}
