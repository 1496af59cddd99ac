package r2rlab.emitter.scenario;

/**
 * What a scenario method returns: a 64-bit integer, a reference ({@code Box}, {@code Pair}, {@code object}) or
 * nothing. Async methods return Task / Task&lt;T&gt; in metadata.
 */
public enum ReturnKind {
    INT(VarType.INT), VOID(null), BOX(VarType.BOX), PAIR(VarType.PAIR), OBJECT(VarType.OBJECT);

    /** The type of the value returned; null for void. */
    public final VarType type;

    ReturnKind(VarType type) {
        this.type = type;
    }

    /** How a scenario writes it ({@code int}, {@code void}, {@code Box}...). */
    public String written() {
        return type == null ? "void" : type.written;
    }

    /** The kind written {@code name}, or null. */
    public static ReturnKind named(String name) {
        for (ReturnKind k : values()) {
            if (k.written().equals(name)) {
                return k;
            }
        }
        return null;
    }
}
