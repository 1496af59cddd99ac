package r2rlab.repro;

import java.util.List;
import java.util.Locale;
import r2rlab.emitter.StubLayout;

/**
 * A regression's run options ({@code options:} in its file). Which keys a driver accepts is checked by
 * the parser; the defaults are a checked runtime with every fix and nothing unusual.
 *
 * @param tierUpAfter tier the entry method up after its N-th suspension, before the continuation is resumed (null: never)
 * @param registerStubs the runtime registers resumption stubs' MethodDescs (false: it resolves the fixups only)
 * @param checkedBuild the fixup worker checks its import-section assertion (false: a release build)
 * @param strictAlignment the runtime's loads must be naturally aligned
 * @param hotColdMap the code manager consults the HotColdMap (false: it walks back from a cold part as from a funclet)
 * @param walkAt where stack walks are taken ({@link WalkAt#NONE}: none)
 * @param stubLayout where the emitter places resumption stubs
 * @param threads registration-race: how many threads resolve the fixup
 * @param layoutSize gc-map: the type's size in bytes
 * @param referenceCells gc-map: the pointer-size cells that hold references
 * @param following gc-map: the bytes that follow the layout in the signature blob
 * @param gcStress a moving collection at every safepoint the code reaches
 * @param checkBarriers the write-barrier checker compares a shadow heap with the GC heap at every safepoint
 */
public record RunOptions(Integer tierUpAfter, boolean registerStubs, boolean checkedBuild, boolean strictAlignment, boolean hotColdMap,
                         WalkAt walkAt, StubLayout stubLayout, int threads, int layoutSize, List<Integer> referenceCells, byte[] following,
                         boolean gcStress, boolean checkBarriers) {
    /** Where the driver takes stack walks. */
    public enum WalkAt {
        NONE, ALLOCATION, GCPOINT
    }

    static final RunOptions DEFAULT = new RunOptions(null, true, true, false, true, WalkAt.NONE, StubLayout.ADJACENT, 2, 0, List.of(),
            new byte[0], false, false);

    public RunOptions {
        referenceCells = List.copyOf(referenceCells);
        following = following.clone();
    }

    @Override
    public byte[] following() {
        return following.clone();
    }

    /** The options as the report shows them: only those that differ from the defaults. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        if (tierUpAfter != null) {
            sb.append("tier-up after suspension ").append(tierUpAfter).append("; ");
        }
        if (!registerStubs) {
            sb.append("stub registration off; ");
        }
        if (!checkedBuild) {
            sb.append("release build (worker assertion off); ");
        }
        if (strictAlignment) {
            sb.append("strict alignment; ");
        }
        if (!hotColdMap) {
            sb.append("HotColdMap not consulted; ");
        }
        if (walkAt != WalkAt.NONE) {
            sb.append("stack walks at ").append(walkAt == WalkAt.ALLOCATION ? "each AllocContinuation" : "each GC poll").append("; ");
        }
        if (gcStress) {
            sb.append("GC stress (a moving collection at every safepoint); ");
        }
        if (checkBarriers) {
            sb.append("write barriers checked; ");
        }
        if (stubLayout != StubLayout.ADJACENT) {
            sb.append("stub layout ").append(stubLayout.name().toLowerCase(Locale.ROOT)).append("; ");
        }
        return sb.length() == 0 ? "defaults" : sb.substring(0, sb.length() - 2);
    }
}
