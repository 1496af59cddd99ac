package r2rlab.emitter.r2r;

import r2rlab.emitter.codegen.BodyGcInfo;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.format.gcinfo.GcInfoBuilder;
import r2rlab.format.gcinfo.GcInfoEncoding;
import r2rlab.format.gcinfo.GcSlot;
import r2rlab.format.pe.Machine;

/**
 * The GcInfo (v4, as .NET 11's JIT writes for R2R 18.5) that follows a body's main unwind record: partially
 * interruptible, a safepoint at the return address of every call but the write barriers', the slots the body keeps
 * references in, and the header the JIT gives such a frame: the frame register as stack base register where the frame
 * has one (ARM64 always); x64 WANTS_REPORT_ONLY_LEAF when the body has funclets, ARM64 HAS_TAILCALLS when it tail
 * calls, either making the header fat with the outgoing area.
 */
final class GcInfoWriter {
    private GcInfoWriter() {
    }

    static GcInfo gcInfo(Machine machine, BodyGcInfo body) {
        boolean arm64 = machine == Machine.ARM64;
        GcInfoBuilder b = new GcInfoBuilder(arm64 ? GcInfoEncoding.ARM64 : GcInfoEncoding.X64, body.codeLength());
        if (body.framePointer() || arm64) {
            b.frameRegister();
        }
        if (arm64 ? body.hasTailCalls() : body.hasFunclets()) {
            b.flags(GcInfo.WANTS_REPORT_ONLY_LEAF_OR_HAS_TAILCALLS);
        }
        b.outgoingArea(body.outgoingArea());
        for (BodyGcInfo.SafePoint p : body.safePoints()) {
            b.safePoint(p.offset(), p.live());
        }
        for (GcSlot s : body.untracked()) {
            b.untracked(s);
        }
        return b.build();
    }

    static byte[] encode(Machine machine, BodyGcInfo body) {
        return gcInfo(machine, body).encode();
    }
}
