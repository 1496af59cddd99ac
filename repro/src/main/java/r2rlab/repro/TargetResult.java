package r2rlab.repro;

import java.util.List;
import r2rlab.emu.diff.ImageDiff;

/**
 * One buggy/fixed pair on one target: both observations, every expected value checked against them,
 * the verdict, and the comparison of the two images (null when either run has none).
 */
public record TargetResult(Target target, Observation buggy, Observation fixed, List<Check> buggyChecks, List<Check> fixedChecks,
                           Verdict verdict, ImageDiff.Result imageDiff) {
    public TargetResult {
        buggyChecks = List.copyOf(buggyChecks);
        fixedChecks = List.copyOf(fixedChecks);
    }
}
