package r2rlab.loader.runtime;

/** How LoadDynamicInfoEntry reads the stub RVA that follows a ResumptionStubEntryPoint fixup's kind byte (B10). */
public enum StubRvaLoad {
    /** After the review: GET_UNALIGNED_VAL32, byte by byte, right at any address. */
    UNALIGNED_SAFE,
    /** As merged in #124203: {@code *(DWORD*)pBlob}, an aligned load that faults on a strict-alignment target when the blob is not 4-aligned. */
    ALIGNED_DWORD
}
