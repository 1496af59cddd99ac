package r2rlab.repro;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a regression expects: symptoms of the buggy run and results of the fixed run, each a list of
 * {@link Expected} values of {@link SymptomKind}s, with per-target values that replace or add to them
 * (for a symptom that differs between x64 and ARM64). {@code noDefect}: the catalogue holds that the
 * "defect" is none, and both variants must give what the lists say (verdict "no defect").
 */
public record Expectation(List<Expected> buggy, List<Expected> fixed, Map<String, List<Expected>> buggyByTarget,
                          Map<String, List<Expected>> fixedByTarget, boolean noDefect) {
    /** One expected value: the symptom kind, the value as written, and the line of the file it is on. */
    public record Expected(SymptomKind kind, String value, int line) {
        @Override
        public String toString() {
            return kind.key + ": " + value;
        }
    }

    public Expectation {
        buggy = List.copyOf(buggy);
        fixed = List.copyOf(fixed);
        buggyByTarget = Map.copyOf(buggyByTarget);
        fixedByTarget = Map.copyOf(fixedByTarget);
    }

    /** The expected values for one run on {@code target}: the general ones, then the target's own replacing them by kind. */
    public List<Expected> forRun(String target, boolean buggyRun) {
        Map<SymptomKind, Expected> out = new LinkedHashMap<>();
        for (Expected e : buggyRun ? buggy : fixed) {
            out.put(e.kind(), e);
        }
        for (Expected e : (buggyRun ? buggyByTarget : fixedByTarget).getOrDefault(target, List.of())) {
            out.put(e.kind(), e);
        }
        return new ArrayList<>(out.values());
    }
}
