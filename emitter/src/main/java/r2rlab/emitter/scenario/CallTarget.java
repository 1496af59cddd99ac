package r2rlab.emitter.scenario;

import java.util.Objects;

/**
 * A method name as written in a body ({@code Demo.Program.Add}, or {@code Add} for the current type), plus the
 * target it resolves to. The target is set exactly once, by validation; every reference in a {@link Scenario}
 * returned by {@link ScenarioParser} or {@link ScenarioBuilder} is resolved.
 *
 * <p>Equality compares the resolved target's identity (type, name, parameter count) rather than the whole target
 * declaration, so recursive scenarios compare and hash without cycles.
 */
public final class CallTarget {
    private final String name;
    private MethodDecl target;

    public CallTarget(String name) {
        this.name = Objects.requireNonNull(name);
    }

    /** The name as written in the body. */
    public String name() {
        return name;
    }

    public boolean isResolved() {
        return target != null;
    }

    /** The resolved target; throws if validation has not resolved it. */
    public MethodDecl target() {
        if (target == null) {
            throw new IllegalStateException("unresolved method reference '" + name + "'");
        }
        return target;
    }

    void resolve(MethodDecl decl) {
        if (target != null) {
            throw new IllegalStateException("method reference '" + name + "' resolved twice");
        }
        target = Objects.requireNonNull(decl);
    }

    private String key() {
        return target == null ? "?" + name : target.fullName() + "/" + target.params().size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CallTarget r && key().equals(r.key());
    }

    @Override
    public int hashCode() {
        return key().hashCode();
    }

    @Override
    public String toString() {
        return target == null ? name + "?" : key();
    }
}
