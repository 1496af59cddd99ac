package r2rlab.emitter.scenario;

import r2rlab.format.r2r.LabObject;

/**
 * The type of a value in the scenario language: a 64-bit integer, or a reference to a Box, a Pair or any object
 * ({@code object}: the type of {@code this}). {@link #NULL} is the type of the literal {@code null} only; no variable
 * is declared with it.
 */
public enum VarType {
    INT("int", null), BOX("Box", LabObject.BOX), PAIR("Pair", LabObject.PAIR), OBJECT("object", null), NULL("null", null);

    /** How a scenario writes the type. */
    public final String written;
    /** The object type of a Box or Pair reference; null otherwise. */
    public final LabObject object;

    VarType(String written, LabObject object) {
        this.written = written;
        this.object = object;
    }

    public boolean isReference() {
        return this != INT;
    }

    /** Whether a value of this type may be stored in a variable of type {@code target}. */
    public boolean assignableTo(VarType target) {
        if (this == target || target == NULL) {
            return this == target;
        }
        return target.isReference() && (this == NULL || target == OBJECT && isReference());
    }

    /** A declarable type by its written name ({@code int}, {@code Box}, {@code Pair}, {@code object}), or null. */
    public static VarType declared(String name) {
        for (VarType t : values()) {
            if (t != NULL && t.written.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** The type of a Box or Pair reference. */
    public static VarType of(LabObject o) {
        return o == LabObject.BOX ? BOX : PAIR;
    }

    @Override
    public String toString() {
        return written;
    }
}
