package r2rlab.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import r2rlab.format.FormatException;
import r2rlab.format.gcinfo.GcInfo;
import r2rlab.format.gcinfo.GcInfoEncoding;
import r2rlab.format.gcinfo.GcSlot;
import r2rlab.loader.MethodGcInfo;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * {@code dump --gc}: each method's GcInfo decoded by {@code format}'s codec, as r2rdump's {@code GcInfo.ToString()}
 * lays it out (the same fields in the same order), with the values the runtime reads: the exact size, stack-slot
 * deltas unsigned, stack offsets signed, no ReturnKind in v4, the generics context SP/FP relative from R2R 13; and,
 * for fully interruptible code, every transition (r2rdump prints them in its disassembly). As text lines and as the
 * JSON object of the {@code gcInfo} field.
 */
final class GcInfoView {
    /** R2R 13 made the generics-context slot SP/FP relative (it was caller-SP relative). */
    private static final int GENERICS_CONTEXT_SP_FP_RELATIVE_MAJOR = 13;
    private static final String[] RETURN_KINDS = {"Scalar", "Obj", "ByRef", "Unset"};

    /** One method's GcInfo: text lines (indented by the caller) and its JSON form. */
    record Decoded(List<String> lines, JsonObject json) {
    }

    private final R2RImage img;
    private final boolean naked;
    private final GcInfoEncoding encoding;
    private final Map<Long, Object> byRva = new HashMap<>();

    GcInfoView(R2RImage img, boolean naked) {
        this.img = img;
        this.naked = naked;
        this.encoding = MethodGcInfo.encoding(img);
    }

    /** Null where the image's architecture has no GcInfo decoding (x86, ARM). */
    GcInfoEncoding encoding() {
        return encoding;
    }

    Decoded decode(ReadyToRunMethod m) {
        JsonObject j = new JsonObject();
        j.addProperty("method", m.label());
        j.addProperty("runtimeFunction", m.entryRuntimeFunction());
        List<String> lines = new ArrayList<>();
        try {
            MethodGcInfo where = MethodGcInfo.of(img, m);
            j.addProperty("rva", where.rva());
            Object d = byRva.computeIfAbsent(where.rva(), rva -> {
                try {
                    return where.decode(img);
                } catch (FormatException e) {
                    return e;
                }
            });
            if (d instanceof FormatException) {
                throw (FormatException) d;
            }
            GcInfo.Decoded decoded = (GcInfo.Decoded) d;
            if (!naked) {
                lines.add(String.format("GcInfo RVA 0x%08X", where.rva()));
            }
            describe(decoded, lines, j);
        } catch (FormatException e) {
            lines.add("unreadable: " + e.getMessage());
            j.addProperty("error", e.getMessage());
        }
        return new Decoded(lines, j);
    }

    private void describe(GcInfo.Decoded d, List<String> lines, JsonObject j) {
        GcInfo g = d.info();
        j.addProperty("version", g.version());
        j.addProperty("size", d.size());
        j.addProperty("fat", g.fat());
        j.addProperty("headerFlags", g.headerFlags());
        j.addProperty("codeLength", g.codeLength());
        lines.add("Version: " + g.version());
        lines.add("CodeLength: " + g.codeLength());
        if (g.version() == 2 || g.version() == 3) {
            lines.add("ReturnKind: " + returnKind(g.returnKind()));
            j.addProperty("returnKind", g.returnKind());
        }
        int validStart = 0;
        int validEnd = 0;
        if (g.has(GcInfo.HAS_GS_COOKIE)) {
            validStart = g.prologSize();
            validEnd = g.codeLength() - g.epilogSize();
        } else if (g.has(GcInfo.GENERICS_INST_CONTEXT_MASK)) {
            validStart = g.prologSize();
            validEnd = g.prologSize() + 1;
        }
        lines.add("ValidRangeStart: " + validStart);
        lines.add("ValidRangeEnd: " + validEnd);
        if (g.has(GcInfo.HAS_GS_COOKIE) || g.has(GcInfo.GENERICS_INST_CONTEXT_MASK | GcInfo.HAS_SECURITY_OBJECT)) {
            j.addProperty("prologSize", g.prologSize());
        }
        if (g.has(GcInfo.HAS_SECURITY_OBJECT)) {
            lines.add("SecurityObjectStackSlot: caller.sp" + signed(g.securityObjectStackSlot()));
            j.addProperty("securityObjectStackSlot", g.securityObjectStackSlot());
        }
        if (g.has(GcInfo.HAS_GS_COOKIE)) {
            lines.add("GSCookieStackSlot: caller.sp" + signed(g.gsCookieStackSlot()));
            lines.add(String.format("GS cookie valid range: [%d;%d)", validStart, validEnd));
            j.addProperty("epilogSize", g.epilogSize());
            j.addProperty("gsCookieStackSlot", g.gsCookieStackSlot());
        }
        if (g.has(GcInfo.HAS_PSP_SYM)) {
            lines.add("PSPSymStackSlot: " + (encoding == GcInfoEncoding.X64 ? "initial.sp" : "caller.sp") + signed(g.pspSymStackSlot()));
            j.addProperty("pspSymStackSlot", g.pspSymStackSlot());
        }
        if (g.has(GcInfo.GENERICS_INST_CONTEXT_MASK)) {
            String base = img.header().majorVersion() < GENERICS_CONTEXT_SP_FP_RELATIVE_MAJOR ? "caller.sp"
                    : g.stackBaseRegister() >= 0 ? encoding.registerName(g.stackBaseRegister()) : "sp";
            lines.add("GenericsInstContextStackSlot: " + base + signed(g.genericsInstContextStackSlot()) + " ("
                    + new String[] {"", "MethodTable", "MethodDesc", "this"}[(g.headerFlags() & GcInfo.GENERICS_INST_CONTEXT_MASK) >> 4] + ")");
            j.addProperty("genericsInstContextStackSlot", g.genericsInstContextStackSlot());
        }
        if (g.stackBaseRegister() >= 0) {
            lines.add("StackBaseRegister: " + encoding.registerName(g.stackBaseRegister()));
            j.addProperty("stackBaseRegister", encoding.registerName(g.stackBaseRegister()));
        }
        boolean flag80 = g.has(GcInfo.WANTS_REPORT_ONLY_LEAF_OR_HAS_TAILCALLS);
        lines.add((encoding == GcInfoEncoding.X64 ? "Wants Report Only Leaf: " : "Has Tailcalls: ") + (flag80 ? "True" : "False"));
        lines.add(String.format("Size of parameter area: 0x%X", g.sizeOfStackOutgoingAndScratchArea()));
        j.addProperty("sizeOfStackOutgoingAndScratchArea", g.sizeOfStackOutgoingAndScratchArea());
        if (g.has(GcInfo.HAS_EDIT_AND_CONTINUE_INFO)) {
            lines.add(String.format("SizeOfEditAndContinuePreservedArea: 0x%X", g.sizeOfEditAndContinuePreservedArea()));
            j.addProperty("sizeOfEditAndContinuePreservedArea", g.sizeOfEditAndContinuePreservedArea());
        }
        if (g.has(GcInfo.REVERSE_PINVOKE_FRAME) && g.version() >= 2) {
            lines.add("ReversePInvokeFrameStackSlot: " + signed(g.reversePInvokeFrameStackSlot()));
            j.addProperty("reversePInvokeFrameStackSlot", g.reversePInvokeFrameStackSlot());
        }
        lines.add("NumSafePoints: " + g.safePoints().size());
        lines.add("NumInterruptibleRanges: " + g.interruptibleRanges().size());
        lines.add("SafePointOffsets:");
        JsonArray safePoints = new JsonArray();
        for (int i = 0; i < g.safePoints().size(); i++) {
            BitSet live = g.safePointLiveness() == null ? new BitSet() : g.safePointLiveness().liveAt(i);
            lines.add(String.format("    0x%04X: %s", g.safePoints().get(i), liveText(g, live)));
            JsonObject sp = new JsonObject();
            sp.addProperty("offset", g.safePoints().get(i));
            sp.add("live", indices(live));
            safePoints.add(sp);
        }
        j.add("safePoints", safePoints);
        lines.add("InterruptibleRanges:");
        JsonArray ranges = new JsonArray();
        for (GcInfo.InterruptibleRange r : g.interruptibleRanges()) {
            lines.add(String.format("    start:%d, end:%d", r.start(), r.end()));
            JsonArray a = new JsonArray();
            a.add(r.start());
            a.add(r.end());
            ranges.add(a);
        }
        j.add("interruptibleRanges", ranges);
        lines.add("SlotTable:");
        lines.add(String.format("    NumSlots(%d) = NumRegisters(%d) + NumStackSlots(%d) + NumUntracked(%d)", g.slots().size(),
                g.numRegisters(), g.numStackSlots(), g.numUntracked()));
        lines.add("    GcSlots:");
        JsonArray slots = new JsonArray();
        for (GcSlot s : g.slots()) {
            lines.add("        " + s.text(encoding));
            slots.add(s.text(encoding));
        }
        j.add("slots", slots);
        List<GcInfo.Transition> transitions = g.transitions();
        if (g.chunks() != null) {
            lines.add("Transitions:");
            for (GcInfo.Transition t : transitions) {
                lines.add(String.format("    0x%04X %s is %s", t.codeOffset(), g.slots().get(t.slot()).locationText(encoding), t.live() ? "live" : "dead"));
            }
        }
        JsonArray tj = new JsonArray();
        for (GcInfo.Transition t : transitions) {
            JsonObject o = new JsonObject();
            o.addProperty("offset", t.codeOffset());
            o.addProperty("slot", t.slot());
            o.addProperty("live", t.live());
            tj.add(o);
        }
        j.add("transitions", tj);
        lines.add("Size: " + d.size() + " bytes");
    }

    /** Live tracked slots as r2rdump lists them: the flags only where they differ from the previous slot's. */
    private String liveText(GcInfo g, BitSet live) {
        if (live.isEmpty()) {
            return "no live slots";
        }
        StringBuilder sb = new StringBuilder();
        String flags = null;
        for (int i = live.nextSetBit(0); i >= 0; i = live.nextSetBit(i + 1)) {
            GcSlot s = g.slots().get(i);
            sb.append(sb.length() == 0 ? "" : "; ");
            if (!s.flagsText().equals(flags)) {
                sb.append(s.flagsText()).append(' ');
                flags = s.flagsText();
            }
            sb.append(s.locationText(encoding));
        }
        return sb.toString();
    }

    private static JsonArray indices(BitSet b) {
        JsonArray a = new JsonArray();
        b.stream().forEach(a::add);
        return a;
    }

    private static String signed(int v) {
        return v < 0 ? String.format("-0x%X", -(long) v) : String.format("+0x%X", v);
    }

    /** ReturnKind (v2/v3) as r2rdump names it: RT_Scalar ... or, fat, the two registers' kinds (RT_Obj_Obj). */
    static String returnKind(int kind) {
        if (kind < 4) {
            return "RT_" + (kind == 1 ? "Object" : RETURN_KINDS[kind]);
        }
        return "RT_" + RETURN_KINDS[kind & 3] + "_" + RETURN_KINDS[kind >> 2 & 3];
    }
}
