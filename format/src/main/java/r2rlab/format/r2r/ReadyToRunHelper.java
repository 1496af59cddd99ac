package r2rlab.format.r2r;

/**
 * READYTORUN_HELPER_* ids, the payload of Helper (0x1A) fixups (readytorun.h, ReadyToRunConstants.cs;
 * 0x113-0x115 are the runtime-async continuation allocators). The x86 write barriers 0x100-0x10B
 * are named by {@link #nameOf} without an enum constant.
 */
public enum ReadyToRunHelper {
    Invalid(0x00),
    Module(0x01),
    GSCookie(0x02),
    IndirectTrapThreads(0x03),
    DelayLoad_MethodCall(0x08),
    DelayLoad_Helper(0x10),
    DelayLoad_Helper_Obj(0x11),
    DelayLoad_Helper_ObjObj(0x12),
    Throw(0x20),
    Rethrow(0x21),
    Overflow(0x22),
    RngChkFail(0x23),
    FailFast(0x24),
    ThrowNullRef(0x25),
    ThrowDivZero(0x26),
    ThrowExact(0x27),
    ThrowArgument(0x28),
    ThrowArgumentOutOfRange(0x29),
    ThrowPlatformNotSupported(0x2A),
    ThrowNotImplemented(0x2B),
    WriteBarrier(0x30),
    CheckedWriteBarrier(0x31),
    ByRefWriteBarrier(0x32),
    BulkWriteBarrier(0x33),
    Stelem_Ref(0x38),
    Ldelema_Ref(0x39),
    MemZero(0x3E),
    MemSet(0x3F),
    NativeMemSet(0x40),
    MemCpy(0x41),
    PInvokeBegin(0x42),
    PInvokeEnd(0x43),
    GCPoll(0x44),
    ReversePInvokeEnter(0x45),
    ReversePInvokeExit(0x46),
    GetString(0x50),
    LogMethodEnter(0x51),
    GetRuntimeTypeHandle(0x54),
    GetRuntimeMethodHandle(0x55),
    GetRuntimeFieldHandle(0x56),
    Box(0x58),
    Box_Nullable(0x59),
    Unbox(0x5A),
    Unbox_Nullable(0x5B),
    NewMultiDimArr(0x5C),
    Unbox_TypeTest(0x5D),
    NewObject(0x60),
    NewArray(0x61),
    CheckCastAny(0x62),
    CheckInstanceAny(0x63),
    GenericGcStaticBase(0x64),
    GenericNonGcStaticBase(0x65),
    GenericGcTlsBase(0x66),
    GenericNonGcTlsBase(0x67),
    VirtualFuncPtr(0x68),
    IsInstanceOfException(0x69),
    NewMaybeFrozenArray(0x6A),
    NewMaybeFrozenObject(0x6B),
    LMul(0xC0),
    LMulOfv(0xC1),
    ULMulOvf(0xC2),
    LDiv(0xC3),
    LMod(0xC4),
    ULDiv(0xC5),
    ULMod(0xC6),
    LLsh(0xC7),
    LRsh(0xC8),
    LRsz(0xC9),
    Lng2Dbl(0xCA),
    ULng2Dbl(0xCB),
    Div(0xCC),
    Mod(0xCD),
    UDiv(0xCE),
    UMod(0xCF),
    Dbl2Int(0xD0),
    Dbl2IntOvf(0xD1),
    Dbl2Lng(0xD2),
    Dbl2LngOvf(0xD3),
    Dbl2UInt(0xD4),
    Dbl2UIntOvf(0xD5),
    Dbl2ULng(0xD6),
    Dbl2ULngOvf(0xD7),
    Flt2Dbl(0xD8),
    Dbl2Flt(0xD9),
    DblRem(0xE0),
    FltRem(0xE1),
    DblRound(0xE2),
    FltRound(0xE3),
    PersonalityRoutine(0xF0),
    PersonalityRoutineFilterFunclet(0xF1),
    MonitorEnter(0xF8),
    MonitorExit(0xF9),
    EndCatch(0x110),
    StackProbe(0x111),
    GetCurrentManagedThreadId(0x112),
    AllocContinuation(0x113),
    AllocContinuationClass(0x114),
    AllocContinuationMethod(0x115),
    InitClass(0x116),
    InitInstClass(0x117),
    R2RToInterpreter(0x118);

    public final int id;

    ReadyToRunHelper(int id) {
        this.id = id;
    }

    public static ReadyToRunHelper fromId(int id) {
        for (ReadyToRunHelper h : values()) {
            if (h.id == id) {
                return h;
            }
        }
        return null;
    }

    public static String nameOf(int id) {
        ReadyToRunHelper h = fromId(id);
        if (h != null) {
            return h.name();
        }
        if (id >= 0x100 && id <= 0x10B) {
            return String.format("WriteBarrier_x86_0x%X", id);
        }
        return String.format("Helper(0x%X)", id);
    }
}
