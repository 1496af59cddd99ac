package r2rlab.emitter.scenario;

import java.util.List;

/** Unvalidated scenario structure, produced by the YAML reader or by {@link ScenarioBuilder}. */
final class Specs {
    private Specs() {
    }

    record Named(String name, int line) {
    }

    /** module null when missing. */
    record ScenarioSpec(String module, int moduleLine, List<TypeSpec> types) {
    }

    /** name null when missing. */
    record TypeSpec(String name, int line, List<MethodSpec> methods) {
    }

    /** name null when missing; body text lines map to file lines bodyLine, bodyLine+1, ... */
    record MethodSpec(String name, int line, boolean isStatic, boolean isAsync, List<Named> params,
            ReturnKind returns, boolean tier1, String body, int bodyLine) {
    }
}
