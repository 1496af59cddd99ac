package r2rlab.loader.runtime;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * Tiering (runtime-async.md D): call counting per MethodDesc; at the threshold the method's Tier1 code
 * version (r2rlab's Tier1 section, body names ending in {@value R2RImage#TIER1_SUFFIX}) is published:
 * its fixups run, its code start is registered, the method's entry point becomes the Tier1 code, and
 * every recorded slot still holding the R2R entry (import cells patched by the worker, the precode) is
 * backpatched. Resumption stubs call their R2R body directly (code, not a cell): nothing redirects them.
 */
public final class TieringModel {
    /** The runtime's default TC_CallCountThreshold. */
    public static final int DEFAULT_THRESHOLD = 30;

    private final ReadyToRunInfo info;
    private int threshold = DEFAULT_THRESHOLD;
    private final Map<MethodDesc, Integer> callCounts = new IdentityHashMap<>();
    private final Map<MethodDesc, TierUpResult> tiered = new IdentityHashMap<>();
    private final List<Backpatch> backpatches = new ArrayList<>();

    TieringModel(ReadyToRunInfo info) {
        this.info = info;
    }

    public int threshold() {
        return threshold;
    }

    public void setThreshold(int threshold) {
        if (threshold < 1) {
            throw new IllegalArgumentException("threshold must be at least 1");
        }
        this.threshold = threshold;
    }

    public synchronized int callCount(MethodDesc md) {
        return callCounts.getOrDefault(md, 0);
    }

    /**
     * Counts one call; when the count reaches the threshold and the method has a Tier1 code version,
     * tiers it up and returns the result, otherwise returns null.
     */
    public synchronized TierUpResult recordCall(MethodDesc md) {
        int n = callCounts.merge(md, 1, Integer::sum);
        if (n == threshold && !tiered.containsKey(md) && tier1CodeOf(md) != null) {
            return tierUp(md);
        }
        return null;
    }

    /** The Tier1 code version of {@code md} in the image, or null. */
    public ReadyToRunMethod tier1CodeOf(MethodDesc md) {
        if (md.kind() != MethodDesc.Kind.NORMAL && md.kind() != MethodDesc.Kind.ASYNC_VARIANT) {
            return null;
        }
        boolean asyncVariant = md.kind() == MethodDesc.Kind.ASYNC_VARIANT;
        for (ReadyToRunMethod m : info.image().methods()) {
            if (m.source() == ReadyToRunMethod.Source.TIER1_CODE_VERSIONS && m.token() == md.token() && (m.kind() == CodeBodyKind.ASYNC_VARIANT) == asyncVariant
                    && m.kind() != CodeBodyKind.RESUMPTION_STUB
                    && m.name().endsWith(R2RImage.TIER1_SUFFIX)) {
                return m;
            }
        }
        return null;
    }

    /** Publishes the Tier1 code of {@code md} now, whatever its call count. Tiering up twice returns the first result. */
    public synchronized TierUpResult tierUp(MethodDesc md) {
        TierUpResult done = tiered.get(md);
        if (done != null) {
            return done;
        }
        ReadyToRunMethod t1 = tier1CodeOf(md);
        if (t1 == null) {
            throw new IllegalArgumentException(md.name() + " has no Tier1 code version in the image");
        }
        long oldRva = md.currentEntryRva();
        Optional<FixupFailure> failure = info.runFixups(t1.fixups(), new ArrayList<>());
        if (failure.isPresent()) {
            Rejection rejection = new Rejection(Rejection.Reason.TIER1_FIXUP_FAILED,
                    "Tier1 code of " + md.name() + " not published: " + failure.get().getMessage());
            TierUpResult r = new TierUpResult(md, null, oldRva, oldRva, List.of(), rejection);
            tiered.put(md, r);
            return r;
        }
        MethodDesc body = info.newTier1Body(md, t1);
        info.setMethodDescForEntryPoint(t1.entryRva(), body);
        md.publishEntry(t1.entryRva());
        long oldValue = info.imageBase() + oldRva;
        long newValue = info.imageBase() + t1.entryRva();
        List<Backpatch> patched = new ArrayList<>();
        for (BackpatchSlot s : info.slotsOf(md)) {
            if (info.slotValue(s) == oldValue) {
                info.writeSlot(s, newValue);
                patched.add(new Backpatch(s, oldValue, newValue));
            }
        }
        backpatches.addAll(patched);
        TierUpResult r = new TierUpResult(md, body, oldRva, t1.entryRva(), List.copyOf(patched), null);
        tiered.put(md, r);
        return r;
    }

    /** True once {@code md}'s Tier1 code is published. */
    public synchronized boolean isTier1(MethodDesc md) {
        TierUpResult r = tiered.get(md);
        return r != null && r.published();
    }

    /** Every slot backpatched so far, in order. */
    public synchronized List<Backpatch> backpatches() {
        return List.copyOf(backpatches);
    }
}
