package r2rlab.loader.runtime;

/** One slot rewritten by tier-up: the slot, its old value (the R2R entry) and the new one (Tier1). */
public record Backpatch(BackpatchSlot slot, long oldValue, long newValue) {
}
