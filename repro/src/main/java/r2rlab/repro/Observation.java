package r2rlab.repro;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import r2rlab.emu.runtime.FaultReport;
import r2rlab.loader.R2RImage;

/**
 * What one run of a regression (the buggy or the fixed variant, on one target) showed: a one-line
 * summary for the table, the facts by {@link SymptomKind}, the fault report of a faulting run (registers,
 * symbolized frames, disassembly around the PC), notes for the report, and the image it ran, if any.
 */
public final class Observation {
    private final String target;
    private final boolean buggy;
    private final Map<SymptomKind, String> facts = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private String summary = "";
    private FaultReport fault;
    private R2RImage image;
    private byte[] imageBytes;
    /** Cells the fixup worker patched, as "Section[index] signature", in order. */
    final List<String> workerPatches = new ArrayList<>();
    /** Fixed async runs: ResumeInfo address by continuation State. */
    final Map<Integer, Long> resumeInfoByState = new LinkedHashMap<>();
    /** A fault in the dispatcher's call of Resume: the continuation's State and its ResumeInfo, else -1. */
    int faultingState = -1;
    long faultingResumeInfo;

    /** The State of the continuation whose Resume call faulted, or -1. */
    public int faultingState() {
        return faultingState;
    }

    /** The ResumeInfo address that continuation carried (meaningful when {@link #faultingState()} is not -1). */
    public long faultingResumeInfo() {
        return faultingResumeInfo;
    }

    Observation(String target, boolean buggy) {
        this.target = target;
        this.buggy = buggy;
    }

    public String target() {
        return target;
    }

    public boolean buggy() {
        return buggy;
    }

    /** One line: the exact symptom or result. */
    public String summary() {
        return summary;
    }

    void summary(String s) {
        summary = s;
    }

    void appendSummary(String s) {
        summary = summary.isEmpty() ? s : summary + "; " + s;
    }

    /** The observed facts by symptom kind, as text. */
    public Map<SymptomKind, String> facts() {
        return Collections.unmodifiableMap(facts);
    }

    public String fact(SymptomKind k) {
        return facts.get(k);
    }

    void fact(SymptomKind k, Object value) {
        facts.put(k, String.valueOf(value));
    }

    /** Further lines for the report (trace excerpts, walks, listings). */
    public List<String> notes() {
        return Collections.unmodifiableList(notes);
    }

    void note(String line) {
        notes.add(line);
    }

    /** The fault report of a run that faulted, else null. */
    public FaultReport fault() {
        return fault;
    }

    void fault(FaultReport r) {
        fault = r;
    }

    /** The image the run used, or null (no emitted image: the emitter failed, or the driver builds none). */
    public R2RImage image() {
        return image;
    }

    byte[] imageBytes() {
        return imageBytes;
    }

    void image(R2RImage img, byte[] bytes) {
        image = img;
        imageBytes = bytes;
    }
}
