package r2rlab.repro;

import java.util.ArrayList;
import java.util.List;
import r2rlab.emu.disasm.ImageSymbols;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.loader.ImportCell;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;
import r2rlab.loader.runtime.AllocationStats;
import r2rlab.loader.runtime.MethodDesc;
import r2rlab.loader.runtime.ReadyToRunInfo;
import r2rlab.loader.runtime.RegistrationOrder;
import r2rlab.loader.runtime.SimpleRuntimeServices;
import r2rlab.loader.runtime.StubRegistration;

/**
 * B6: {@code threads} threads resolve the same ResumptionStubEntryPoint fixup (the entry method's async
 * variant's) at once, interleaved so that every one of them loses the race but the first: all probe the
 * map and find it empty, all allocate, then they publish in order. Records the allocation accounting and
 * what the map holds.
 */
final class RegistrationRaceDriver implements RunDriver {
    @Override
    public Observation observe(Regression r, Target t, boolean buggy) {
        Observation o = new Observation(t.name(), buggy);
        R2RImage img = Images.emit(r, t, buggy, o);
        if (img == null) {
            return o;
        }
        ReadyToRunMethod variant = Images.asyncVariant(img, r.entry());
        List<ImportCell> cells = variant == null ? List.of() : Images.stubCells(new ImageSymbols(img), variant.fixups());
        if (cells.isEmpty()) {
            throw new ReproException(r.entry() + " has no async variant with a ResumptionStubEntryPoint fixup (it must await)");
        }
        ImportCell cell = cells.get(0);
        long stubRva = ((FixupSignature.ResumptionStubEntryPoint) cell.signature()).stubRva();
        RegistrationOrder order = buggy && r.defect().is(RuntimeDefect.SUPPRESS_RELEASE_BEFORE_INSERT)
                ? RegistrationOrder.BUGGY_SUPPRESS_BEFORE_INSERT : RegistrationOrder.FIXED;
        ReadyToRunInfo info = new ReadyToRunInfo(img, new SimpleRuntimeServices(img.pe().imageBase()));
        int n = r.options().threads();
        List<StubRegistration> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(info.beginStubRegistration(stubRva));
        }
        threads.forEach(StubRegistration::lookup);
        List<MethodDesc> allocated = new ArrayList<>();
        threads.forEach(th -> allocated.add(th.allocate()));
        threads.forEach(th -> th.publish(order));
        AllocationStats stats = info.allocationStats();
        MethodDesc held = info.methodDescForEntryPoint(stubRva);
        int holder = allocated.indexOf(held) + 1;
        String map = holder > 0 ? "thread " + holder + "'s MethodDesc" : "no MethodDesc";
        o.fact(SymptomKind.ALLOCATED, stats.allocated());
        o.fact(SymptomKind.FREED, stats.freed());
        o.fact(SymptomKind.LEAKED, stats.leaked());
        o.fact(SymptomKind.MAP, map);
        o.note(String.format("the fixup: %s, stub RVA 0x%X (%s)", new ImageSymbols(img).describeCell(cell), stubRva, held == null ? "?" : held.name()));
        o.note("registration order: " + order + "; every thread probed the map before any published");
        o.summary(String.format("%d threads: %d stub MethodDescs allocated, %d freed, %d leaked (%s); the map holds %s",
                n, stats.allocated(), stats.freed(), stats.leaked(), stats.leaked() == n - 1 ? "one per lost race" : "of " + (n - 1) + " lost races",
                map));
        return o;
    }
}
