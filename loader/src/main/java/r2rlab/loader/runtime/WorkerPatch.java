package r2rlab.loader.runtime;

/**
 * One cell ExternalMethodFixupWorker patched: the section index its thunk named, the cell RVA it was
 * given (x11 / rax), the section and index of the cell it patched, and the target written there.
 */
public record WorkerPatch(int namedSection, long cellRva, int section, int index, long target) {
}
