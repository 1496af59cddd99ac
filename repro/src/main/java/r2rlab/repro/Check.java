package r2rlab.repro;

/** One expected value against what the run showed. */
public record Check(SymptomKind kind, String expected, String observed, boolean ok) {
    @Override
    public String toString() {
        return kind.key + ": expected " + expected + (ok ? "" : ", observed " + (observed == null ? "nothing" : observed));
    }
}
