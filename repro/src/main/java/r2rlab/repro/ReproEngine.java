package r2rlab.repro;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import r2rlab.emitter.Architecture;
import r2rlab.emu.diff.ImageDiff;

/**
 * Runs regressions: for each target a regression applies to (and the command line selects), the buggy
 * variant and the fixed variant through the regression's driver, then every expected value checked
 * against what each showed, and a verdict. Reproduced: the buggy run shows exactly the expected symptom
 * and the fixed run passes; not reproduced; fixed run failed; no defect (the catalogue expects none and
 * none shows); not modelled.
 */
public final class ReproEngine {
    private final Map<Driver, RunDriver> drivers = Map.of(
            Driver.EMULATE, new EmulateDriver(),
            Driver.SIGNATURE_NODE, new SignatureNodeDriver(),
            Driver.REGISTRATION_RACE, new RegistrationRaceDriver(),
            Driver.INSTANCE_METHODS, new InstanceMethodsDriver(),
            Driver.GC_MAP, new GcMapDriver());

    /** Runs every regression on the targets of {@code archs}, in order. */
    public List<RegressionResult> run(List<Regression> regressions, Set<Architecture> archs) {
        List<RegressionResult> out = new ArrayList<>();
        for (Regression r : regressions) {
            out.add(run(r, archs));
        }
        return out;
    }

    /**
     * Runs one regression on those of its targets that {@code archs} selects.
     *
     * @throws ReproException the regression cannot run as written
     */
    public RegressionResult run(Regression r, Set<Architecture> archs) {
        if (r.driver() == Driver.NOT_MODELLED) {
            return new RegressionResult(r, List.of(), Verdict.NOT_MODELLED);
        }
        RunDriver driver = drivers.get(r.driver());
        List<TargetResult> results = new ArrayList<>();
        for (Target t : r.targets()) {
            if (t.selectedBy(archs)) {
                results.add(pair(r, t, driver));
            }
        }
        if (results.isEmpty()) {
            return new RegressionResult(r, results, Verdict.NOT_RUN);
        }
        Verdict worst = results.get(0).verdict();
        for (TargetResult t : results) {
            if (!t.verdict().ok()) {
                worst = t.verdict();
                break;
            }
        }
        return new RegressionResult(r, results, worst);
    }

    private static TargetResult pair(Regression r, Target t, RunDriver driver) {
        Observation buggy = driver.observe(r, t, true);
        Observation fixed = driver.observe(r, t, false);
        driver.compare(r, buggy, fixed);
        List<Check> buggyChecks = checks(r.expectation().forRun(t.name(), true), buggy, fixed);
        List<Check> fixedChecks = checks(r.expectation().forRun(t.name(), false), fixed, buggy);
        boolean buggyOk = buggyChecks.stream().allMatch(Check::ok);
        boolean fixedOk = fixedChecks.stream().allMatch(Check::ok);
        Verdict v;
        if (!fixedOk) {
            v = Verdict.FIXED_RUN_FAILED;
        } else if (!buggyOk) {
            v = Verdict.NOT_REPRODUCED;
        } else {
            v = r.expectation().noDefect() ? Verdict.NO_DEFECT : Verdict.REPRODUCED;
        }
        ImageDiff.Result diff = null;
        if (buggy.image() != null && fixed.image() != null && buggy.imageBytes() != null && fixed.imageBytes() != null) {
            diff = ImageDiff.compare(fixed.image(), fixed.imageBytes(), buggy.image(), buggy.imageBytes(), List.of());
        }
        return new TargetResult(t, buggy, fixed, buggyChecks, fixedChecks, v, diff);
    }

    private static List<Check> checks(List<Expectation.Expected> expected, Observation self, Observation other) {
        List<Check> out = new ArrayList<>();
        for (Expectation.Expected e : expected) {
            if (e.kind().match == SymptomKind.Match.SAME_IN_BOTH) {
                out.add(sameInBoth(e, self, other));
            } else {
                String observed = self.fact(e.kind());
                out.add(new Check(e.kind(), e.value(), observed, e.kind().matches(e.value(), observed)));
            }
        }
        return out;
    }

    /** {@code identical: dependencies, blob, image}: each named fact the same in both runs. */
    private static Check sameInBoth(Expectation.Expected e, Observation self, Observation other) {
        List<String> differing = new ArrayList<>();
        for (String key : e.value().split(",")) {
            SymptomKind k = SymptomKind.byKey(key.trim());
            String a = k == null ? null : self.fact(k);
            String b = k == null ? null : other.fact(k);
            if (a == null || !a.equals(b)) {
                differing.add(key.trim() + (k == null ? " (no such fact)" : ": " + a + " vs " + b));
            }
        }
        String observed = differing.isEmpty() ? e.value() : "differ: " + String.join("; ", differing);
        return new Check(e.kind(), e.value(), observed, differing.isEmpty());
    }
}
