package r2rlab.repro;

import java.util.List;

/** A regression and its pairs, one per target it ran on (none for a regression that is not modelled). */
public record RegressionResult(Regression regression, List<TargetResult> targets, Verdict verdict) {
    public RegressionResult {
        targets = List.copyOf(targets);
    }

    /** Whether every pair gave the verdict the catalogue asks for. */
    public boolean ok() {
        return verdict.ok() && targets.stream().allMatch(t -> t.verdict().ok());
    }
}
