package r2rlab.repro;

/** What a buggy/fixed pair showed, against the regression's expectation. */
public enum Verdict {
    /** The buggy run showed exactly the expected symptom and the fixed run passed. */
    REPRODUCED("reproduced"),
    /** The buggy run did not show the expected symptom (the fixed run passed). */
    NOT_REPRODUCED("not reproduced"),
    /** The fixed run did not give the expected result. */
    FIXED_RUN_FAILED("fixed run failed"),
    /** The catalogue expects no defect, and both variants gave the same results. */
    NO_DEFECT("no defect"),
    /** The catalogue lists the defect but r2rlab has no model of it. */
    NOT_MODELLED("not modelled"),
    /** None of the regression's targets was selected (an ARM64-only regression under --arch x64). */
    NOT_RUN("not run on the selected architectures");

    public final String text;

    Verdict(String text) {
        this.text = text;
    }

    /** Whether this verdict is what the catalogue asks for (the command exits 0 only when every verdict is). */
    public boolean ok() {
        return this != NOT_REPRODUCED && this != FIXED_RUN_FAILED;
    }
}
