package r2rlab.loader.runtime;

/**
 * How the modelled runtime is built and which of its own known defects are switched on
 * (runtime-async.md B); {@link #DEFAULT} is a checked build with every fix.
 *
 * @param checkedBuild ExternalMethodFixupWorker checks its import-section assertion (false: a release build,
 *     which indexes the named section with whatever RVA it was given)
 * @param registrationOrder RegisterResumptionStub's order of insert and SuppressRelease (B6)
 * @param stubRvaLoad how the stub RVA of a ResumptionStubEntryPoint fixup is read (B10)
 * @param strictAlignment loads must be naturally aligned, as on a strict-alignment target
 * @param hotColdMap the code manager maps a cold part to its hot part through the HotColdMap; false models a
 *     runtime that takes async code to be never split and walks back from a cold part as from a funclet (B4)
 */
public record RuntimeOptions(boolean checkedBuild, RegistrationOrder registrationOrder, StubRvaLoad stubRvaLoad,
                             boolean strictAlignment, boolean hotColdMap) {
    public static final RuntimeOptions DEFAULT = new RuntimeOptions(true, RegistrationOrder.FIXED, StubRvaLoad.UNALIGNED_SAFE, false, true);

    public RuntimeOptions withCheckedBuild(boolean checked) {
        return new RuntimeOptions(checked, registrationOrder, stubRvaLoad, strictAlignment, hotColdMap);
    }

    public RuntimeOptions withRegistrationOrder(RegistrationOrder order) {
        return new RuntimeOptions(checkedBuild, order, stubRvaLoad, strictAlignment, hotColdMap);
    }

    public RuntimeOptions withStubRvaLoad(StubRvaLoad load) {
        return new RuntimeOptions(checkedBuild, registrationOrder, load, strictAlignment, hotColdMap);
    }

    public RuntimeOptions withStrictAlignment(boolean strict) {
        return new RuntimeOptions(checkedBuild, registrationOrder, stubRvaLoad, strict, hotColdMap);
    }

    public RuntimeOptions withHotColdMap(boolean consulted) {
        return new RuntimeOptions(checkedBuild, registrationOrder, stubRvaLoad, strictAlignment, consulted);
    }
}
