package r2rlab.loader.runtime;

import java.util.List;
import r2rlab.format.nativeformat.FixupCell;

/**
 * The answer of {@link ReadyToRunInfo#getEntryPoint}: the R2R code with its MethodDesc, or why there is
 * none ({@code rejection}, null exactly when the status is OK): the method has no R2R code, or its
 * R2R code was rejected (a fixup failed, or the image was rejected at load). {@code fixupsResolved}
 * lists the cells this call resolved (earlier calls' cells are not resolved again).
 */
public record EntryPoint(Status status, MethodDesc method, long rva, long address, Rejection rejection,
                         List<FixupCell> fixupsResolved) {
    public enum Status {
        OK,
        NOT_PRECOMPILED,
        REJECTED
    }

    public boolean isOk() {
        return status == Status.OK;
    }

    static EntryPoint notPrecompiled(String message) {
        return new EntryPoint(Status.NOT_PRECOMPILED, null, -1, -1, new Rejection(Rejection.Reason.NOT_PRECOMPILED, message), List.of());
    }

    static EntryPoint rejected(Rejection rejection, List<FixupCell> resolved) {
        return new EntryPoint(Status.REJECTED, null, -1, -1, rejection, List.copyOf(resolved));
    }
}
