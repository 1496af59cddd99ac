package r2rlab.emitter.ir;

/**
 * A suspension point of an async variant: its index in source order and the State number the
 * code version writes into the continuation (the R2R and Tier1 versions number them differently).
 */
public record AwaitPoint(int index, int state) {
}
