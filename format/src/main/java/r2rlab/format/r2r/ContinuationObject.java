package r2rlab.format.r2r;

/**
 * The runtime's Continuation object as code addresses it (runtime-async.md C.2): MethodTable* at +0,
 * then Next, ResumeInfo, Flags (int), State (int), then the data area. Index k of a Flags index
 * field names data + (k − 1) · pointer size; 0 means absent. A ResumeInfo record is {Resume,
 * DiagnosticIP}, one pointer each.
 */
public record ContinuationObject(int pointerSize) {
    public static final ContinuationObject POINTER_SIZE_8 = new ContinuationObject(8);

    public int next() {
        return pointerSize;
    }

    public int resumeInfo() {
        return 2 * pointerSize;
    }

    public int flags() {
        return 3 * pointerSize;
    }

    public int state() {
        return 3 * pointerSize + 4;
    }

    /** OFFSETOF__CORINFO_Continuation__data. */
    public int data() {
        return 3 * pointerSize + 8;
    }

    /** Offset of data slot {@code index} (1-based, as Flags index fields count), or -1 for 0 (absent). */
    public int slot(int index) {
        return index == 0 ? -1 : data() + (index - 1) * pointerSize;
    }

    /** ResumeInfo.Resume: the resumption stub's entry point. */
    public int resumeInfoResume() {
        return 0;
    }

    /** ResumeInfo.DiagnosticIP: an address inside the suspending method. */
    public int resumeInfoDiagnosticIp() {
        return pointerSize;
    }

    public int resumeInfoSize() {
        return 2 * pointerSize;
    }
}
