package r2rlab.emitter.scenario;

/** How a call reaches its target: a direct call, or an indirect call through an import cell with a delay-load thunk. */
public enum CallKind {
    DIRECT, CELL
}
