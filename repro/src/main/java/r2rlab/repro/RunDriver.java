package r2rlab.repro;

/** Runs one variant of a regression on one target and records what it showed. */
interface RunDriver {
    /** The buggy variant ({@code buggy}: the defect switched on) or the fixed one. */
    Observation observe(Regression r, Target t, boolean buggy);

    /** Facts that only the pair shows (what the buggy run did where the fixed run did something else), added to {@code buggy}. */
    default void compare(Regression r, Observation buggy, Observation fixed) {
    }
}
