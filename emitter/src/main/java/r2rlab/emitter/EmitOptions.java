package r2rlab.emitter;

import java.util.EnumSet;
import java.util.Set;
import r2rlab.format.pe.TargetOs;

/** What to emit: architecture, OS (the machine value's XOR), the defects switched on, and where stubs go. */
public record EmitOptions(Architecture arch, TargetOs os, Set<Defect> defects, StubLayout stubLayout) {
    public EmitOptions {
        defects = defects.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(defects));
    }

    public static EmitOptions of(Architecture arch) {
        return new EmitOptions(arch, TargetOs.WINDOWS, Set.of(), StubLayout.ADJACENT);
    }

    public EmitOptions withOs(TargetOs os) {
        return new EmitOptions(arch, os, defects, stubLayout);
    }

    public EmitOptions withDefects(Set<Defect> defects) {
        return new EmitOptions(arch, os, defects, stubLayout);
    }

    public EmitOptions withStubLayout(StubLayout layout) {
        return new EmitOptions(arch, os, defects, layout);
    }
}
