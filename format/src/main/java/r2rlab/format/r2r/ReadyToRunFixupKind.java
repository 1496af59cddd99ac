package r2rlab.format.r2r;

/** READYTORUN_FIXUP_* kinds (readytorun.h, ReadyToRunConstants.cs). */
public enum ReadyToRunFixupKind {
    ThisObjDictionaryLookup(0x07),
    TypeDictionaryLookup(0x08),
    MethodDictionaryLookup(0x09),
    TypeHandle(0x10),
    MethodHandle(0x11),
    FieldHandle(0x12),
    MethodEntry(0x13),
    MethodEntry_DefToken(0x14),
    MethodEntry_RefToken(0x15),
    VirtualEntry(0x16),
    VirtualEntry_DefToken(0x17),
    VirtualEntry_RefToken(0x18),
    VirtualEntry_Slot(0x19),
    Helper(0x1A),
    StringHandle(0x1B),
    NewObject(0x1C),
    NewArray(0x1D),
    IsInstanceOf(0x1E),
    ChkCast(0x1F),
    FieldAddress(0x20),
    CctorTrigger(0x21),
    StaticBaseNonGC(0x22),
    StaticBaseGC(0x23),
    ThreadStaticBaseNonGC(0x24),
    ThreadStaticBaseGC(0x25),
    FieldBaseOffset(0x26),
    FieldOffset(0x27),
    TypeDictionary(0x28),
    MethodDictionary(0x29),
    Check_TypeLayout(0x2A),
    Check_FieldOffset(0x2B),
    DelegateCtor(0x2C),
    DeclaringTypeHandle(0x2D),
    IndirectPInvokeTarget(0x2E),
    PInvokeTarget(0x2F),
    Check_InstructionSetSupport(0x30),
    Verify_FieldOffset(0x31),
    Verify_TypeLayout(0x32),
    Check_VirtualFunctionOverride(0x33),
    Verify_VirtualFunctionOverride(0x34),
    Check_IL_Body(0x35),
    Verify_IL_Body(0x36),
    /** Runtime-async: the layout of a method's continuation type (type sig + layout descriptor). */
    ContinuationLayout(0x37),
    /** Runtime-async: a resumption stub; payload is the stub code's RVA as a raw little-endian u32. */
    ResumptionStubEntryPoint(0x38),
    InjectStringThunks(0x39);

    /** OR-ed into the kind byte: a compressed module index follows and tokens are in that module. */
    public static final int ModuleOverride = 0x80;

    public final int value;

    ReadyToRunFixupKind(int value) {
        this.value = value;
    }

    private static final ReadyToRunFixupKind[] BY_VALUE = new ReadyToRunFixupKind[0x80];

    static {
        for (ReadyToRunFixupKind k : values()) {
            BY_VALUE[k.value] = k;
        }
    }

    /** The kind for a kind byte (ModuleOverride bit ignored), or null when the value is not defined. */
    public static ReadyToRunFixupKind fromValue(int value) {
        return BY_VALUE[value & 0x7F];
    }

    public static String nameOf(int value) {
        ReadyToRunFixupKind k = fromValue(value);
        return k != null ? k.name() : String.format("Unknown(0x%02X)", value & 0x7F);
    }
}
