package r2rlab.repro;

import java.util.Set;
import r2rlab.emitter.Defect;

/** The switch a regression turns on for its buggy run: an emitter defect or a runtime defect, exactly one. */
public record DefectSwitch(Defect emitter, RuntimeDefect runtime) {
    /** The switch named {@code name}, or null when no defect has that name. */
    static DefectSwitch byName(String name) {
        RuntimeDefect r = RuntimeDefect.byKey(name);
        if (r != null) {
            return new DefectSwitch(null, r);
        }
        try {
            return new DefectSwitch(Defect.byName(name), null);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The emitter's defects when {@code buggy}, else none. */
    public Set<Defect> emitterDefects(boolean buggy) {
        return buggy && emitter != null ? Set.of(emitter) : Set.of();
    }

    public boolean is(RuntimeDefect d) {
        return runtime == d;
    }

    /** The name as the catalogue writes it. */
    public String name() {
        return emitter != null ? emitter.cliName : runtime.key;
    }

    /** Every name a regression file may use. */
    static String known() {
        StringBuilder sb = new StringBuilder();
        for (Defect d : Defect.values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(d.cliName);
        }
        for (RuntimeDefect d : RuntimeDefect.values()) {
            sb.append(", ").append(d.key);
        }
        return sb.toString();
    }
}
