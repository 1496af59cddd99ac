package r2rlab.emitter.scenario;

/** What a scenario method returns: a 64-bit integer or nothing. Async methods return Task / Task&lt;long&gt; in metadata. */
public enum ReturnKind {
    INT, VOID
}
