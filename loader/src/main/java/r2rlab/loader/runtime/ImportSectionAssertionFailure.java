package r2rlab.loader.runtime;

/**
 * The checked-build assertion of ExternalMethodFixupWorker,
 * {@code pImportSection == pModule->GetImportSectionForRVA(rva)}, failing: the section the thunk named
 * (x9 on ARM64, the pushed index on x64) does not contain the cell's RVA (x11 / rax). This is B2's
 * symptom (runtime-async.md B2).
 */
public final class ImportSectionAssertionFailure extends RuntimeException {
    public static final String EXPRESSION = "pImportSection == pModule->GetImportSectionForRVA(rva)";

    private final int namedSection;
    private final int actualSection;
    private final long cellRva;

    public ImportSectionAssertionFailure(int namedSection, int actualSection, long cellRva, String namedRange) {
        super(String.format("ASSERT FAILED: %s in ExternalMethodFixupWorker: import section %d%s does not contain cell RVA 0x%X, "
                + "which lies in %s", EXPRESSION, namedSection, namedRange, cellRva,
                actualSection < 0 ? "no import section" : "import section " + actualSection));
        this.namedSection = namedSection;
        this.actualSection = actualSection;
        this.cellRva = cellRva;
    }

    /** The section index the caller passed. */
    public int namedSection() {
        return namedSection;
    }

    /** The section that contains the RVA, or -1. */
    public int actualSection() {
        return actualSection;
    }

    public long cellRva() {
        return cellRva;
    }
}
