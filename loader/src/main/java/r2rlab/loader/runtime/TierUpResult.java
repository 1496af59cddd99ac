package r2rlab.loader.runtime;

import java.util.List;

/**
 * The outcome of a tier-up: the method, its Tier1 body's MethodDesc, the entry before and after (RVAs),
 * and every slot backpatched; {@code failure} is non-null (and nothing was published) when the Tier1
 * body's fixups failed.
 */
public record TierUpResult(MethodDesc method, MethodDesc tier1Body, long oldEntryRva, long newEntryRva,
                           List<Backpatch> backpatched, Rejection failure) {
    public boolean published() {
        return failure == null;
    }
}
