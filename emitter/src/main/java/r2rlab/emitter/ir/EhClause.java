package r2rlab.emitter.ir;

/**
 * An EH clause of a lowered body: try region {@code region} (its TryBegin and TryEnd) handled by funclet
 * {@code funclet}. Clauses are listed inner first (a clause whose try region lies in another's comes before it), as
 * the exception dispatcher reads them.
 */
public record EhClause(Funclet.Kind kind, int region, int funclet) {
}
