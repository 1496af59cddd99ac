package r2rlab.loader;

/**
 * A resumption stub found through a ResumptionStubEntryPoint (0x38) cell: the stub's code RVA from
 * the payload, the runtime function that starts there (-1 when none does), the cell, and the async
 * variant whose fixup list names the cell (null when no method names it).
 */
public record ResumptionStub(long rva, int runtimeFunction, int importSection, int cellIndex, ReadyToRunMethod owner) {
}
