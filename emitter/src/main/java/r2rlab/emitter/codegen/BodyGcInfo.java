package r2rlab.emitter.codegen;

import java.util.List;
import r2rlab.format.gcinfo.GcSlot;

/**
 * What a compiled body tells its GcInfo: the code length (main code, funclets and cold part, as the runtime offsets
 * them), whether the frame is addressed through the frame register, the outgoing area, whether it has funclets or tail
 * calls (header flags), the call sites with the tracked slots live at each, and the untracked stack slots (reference
 * slots zero-initialised in the prolog, reported throughout). Stack slots are relative to the frame register.
 */
public record BodyGcInfo(int codeLength, boolean framePointer, int outgoingArea, boolean hasFunclets, boolean hasTailCalls,
                         List<SafePoint> safePoints, List<GcSlot> untracked) {
    /** A call site: the offset of its return address from the body's start, and the tracked slots live there. */
    public record SafePoint(int offset, List<GcSlot> live) {
        public SafePoint {
            live = List.copyOf(live);
        }
    }

    public BodyGcInfo {
        safePoints = List.copyOf(safePoints);
        untracked = List.copyOf(untracked);
    }
}
