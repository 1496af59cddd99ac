package r2rlab.emitter.scenario;

/** Unary operators: arithmetic negation and logical not (0 becomes 1, anything else 0). */
public enum UnaryOp {
    NEG, NOT
}
