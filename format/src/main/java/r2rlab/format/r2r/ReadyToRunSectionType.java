package r2rlab.format.r2r;

/** READYTORUN_SECTION_* ids (readytorun.h; 124-126 added in 18.3). */
public enum ReadyToRunSectionType {
    CompilerIdentifier(100),
    ImportSections(101),
    RuntimeFunctions(102),
    MethodDefEntryPoints(103),
    ExceptionInfo(104),
    DebugInfo(105),
    DelayLoadMethodCallThunks(106),
    AvailableTypesOld(107),
    AvailableTypes(108),
    InstanceMethodEntryPoints(109),
    InliningInfo(110),
    ProfileDataInfo(111),
    ManifestMetadata(112),
    AttributePresence(113),
    InliningInfo2(114),
    ComponentAssemblies(115),
    OwnerCompositeExecutable(116),
    PgoInstrumentationData(117),
    ManifestAssemblyMvids(118),
    CrossModuleInlineInfo(119),
    HotColdMap(120),
    MethodIsGenericMap(121),
    EnclosingTypeMap(122),
    TypeGenericInfoMap(123),
    ExternalTypeMaps(124),
    ProxyTypeMaps(125),
    TypeMapAssemblyTargets(126);

    public final int id;

    ReadyToRunSectionType(int id) {
        this.id = id;
    }

    private static final ReadyToRunSectionType[] BY_ID = new ReadyToRunSectionType[127];

    static {
        for (ReadyToRunSectionType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    /** The section type with this id, or null for an id crossgen2 does not define. */
    public static ReadyToRunSectionType fromId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** The name of an id for display: the enum name, or "Unknown(N)". */
    public static String nameOf(long id) {
        ReadyToRunSectionType t = fromId(id);
        return t != null ? t.name() : "Unknown(" + id + ")";
    }
}
