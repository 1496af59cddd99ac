package r2rlab.emu.runtime;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;
import r2rlab.emu.unicorn.TrapPage;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.MethodImplAttributes;
import r2rlab.loader.ImportCell;
import r2rlab.loader.runtime.Backpatch;
import r2rlab.loader.runtime.BackpatchSlot;
import r2rlab.loader.runtime.EntryPoint;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.loader.runtime.ReadyToRunInfo;
import r2rlab.loader.runtime.TierUpResult;

/**
 * Tiering in guest memory (runtime-async.md D), over the model's {@code TieringModel}: publishing a
 * method's Tier1 code on request or at the call-count threshold, counting calls through counting
 * stubs (trap slots) that cells and entry calls lead to until then, and writing every backpatch into
 * guest memory.
 */
final class TieringDriver {
    private final ReadyToRunInfo info;
    private final GuestImage guest;
    private final TrapPage traps;
    private final Consumer<String> events;
    private final Map<MethodDesc, Long> countingStubs = new IdentityHashMap<>();
    private boolean callCounting;

    TieringDriver(ReadyToRunInfo info, GuestImage guest, TrapPage traps, Consumer<String> events) {
        this.info = info;
        this.guest = guest;
        this.traps = traps;
        this.events = events;
    }

    void enableCallCounting(int threshold) {
        info.tiering().setThreshold(threshold);
        callCounting = true;
    }

    /** Publishes the Tier1 code of the method with MethodDef token {@code token} (its async variant's for an async method). */
    TierUpResult tierUp(int token) {
        boolean async = (guest.image().metadata().methodImplFlags(MetadataTable.rid(token)) & MethodImplAttributes.ASYNC) != 0;
        EntryPoint ep = async ? info.getAsyncVariantEntryPoint(token) : info.getEntryPoint(token);
        if (!ep.isOk()) {
            throw new RunRejectedException(RunRejectedException.Reason.NO_USABLE_CODE,
                    String.format("method 0x%08X has no R2R code to tier up", token), ep.rejection());
        }
        TierUpResult r = info.tiering().tierUp(ep.method());
        if (!r.published()) {
            throw new RunRejectedException(RunRejectedException.Reason.TIER_UP_FAILED, "tier-up of " + ep.method().name() + " failed",
                    r.failure());
        }
        applyTierUp(r);
        return r;
    }

    /** Where a call through {@code ep} enters: counted like a call through a cell while the method counts calls. */
    long entryAddress(EntryPoint ep) {
        if (!counts(ep.method())) {
            return ep.address();
        }
        TierUpResult t = info.tiering().recordCall(ep.method());
        if (t != null && t.published()) {
            applyTierUp(t);
        }
        return guest.base() + ep.method().currentEntryRva();
    }

    /** What a delay-load cell resolved to {@code target} is patched with: the counting stub while the target counts calls. */
    long cellTarget(long target) {
        if (!callCounting) {
            return target;
        }
        MethodDesc md = info.jitManager().methodForCodeAddress(target - guest.base());
        return md != null && counts(md) ? countingStub(md) : target;
    }

    private boolean counts(MethodDesc md) {
        return callCounting && !info.tiering().isTier1(md) && info.tiering().tier1CodeOf(md) != null;
    }

    /** The counting stub of {@code md}: counts, tiers up at the threshold, then enters the current code. */
    private long countingStub(MethodDesc md) {
        return countingStubs.computeIfAbsent(md, m -> traps.add("CallCountingStub " + m.name(), call -> {
            int count = info.tiering().callCount(m) + 1;
            TierUpResult r = info.tiering().recordCall(m);
            events.accept(String.format("call %d of %s", count, m.name()));
            if (r != null && r.published()) {
                applyTierUp(r);
            }
            call.jumpTo(guest.base() + m.currentEntryRva());
        }));
    }

    /** Writes a published tier-up's backpatches into guest memory and resolves the Tier1 code's fixups there. */
    private void applyTierUp(TierUpResult r) {
        for (Backpatch b : r.backpatched()) {
            if (b.slot().kind() == BackpatchSlot.Kind.IMPORT_CELL) {
                ImportCell c = guest.image().importSections().get(b.slot().section()).cells().get(b.slot().index());
                guest.writeCell(c, b.newValue());
            }
        }
        guest.syncCells(info);
        events.accept(String.format("tier-up: %s now runs Tier1 code at 0x%X (%d path(s) backpatched)", r.method().name(),
                guest.base() + r.newEntryRva(), r.backpatched().size()));
    }
}
