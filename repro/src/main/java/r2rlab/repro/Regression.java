package r2rlab.repro;

import java.nio.file.Path;
import java.util.List;
import r2rlab.emitter.scenario.Scenario;

/**
 * One regression of the catalogue, as its YAML file describes it (docs/regressions.md).
 *
 * @param file the catalogue file it was read from
 * @param name its name, unique in the catalogue (the command line selects by it or by {@code id})
 * @param id the catalogue id of runtime-async.md section B (B1, B2, ...); several regressions may share one
 * @param title one line
 * @param story what the change did wrong, and how r2rlab shows it
 * @param scenario the validated scenario (null for drivers without one)
 * @param scenarioText the scenario as written, for the report
 * @param image a real image to read instead of a scenario (instance-methods driver), or null
 * @param entry the method to run, as dump names it (null unless the driver runs one)
 * @param args its arguments
 * @param targets the architectures (or pointer sizes) the pair runs on
 * @param defect the switch the buggy run turns on (null for not-modelled)
 * @param reason why the defect is not modelled (not-modelled only)
 */
public record Regression(Path file, String name, String id, String title, String story, Driver driver, Scenario scenario,
                         String scenarioText, Path image, String entry, List<Long> args, List<Target> targets, DefectSwitch defect,
                         RunOptions options, Expectation expectation, String reason) {
    public Regression {
        args = List.copyOf(args);
        targets = List.copyOf(targets);
    }
}
