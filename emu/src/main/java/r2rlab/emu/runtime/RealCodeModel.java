package r2rlab.emu.runtime;

import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RAX;
import static r2rlab.emu.unicorn.UnicornConst.UC_X86_REG_RSP;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import r2rlab.emu.unicorn.CpuEngine;
import r2rlab.emu.unicorn.TrapCall;
import r2rlab.emu.unicorn.TrapHandler;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.metadata.TypeDef;
import r2rlab.format.r2r.FixupSignature;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.loader.ImportCell;
import r2rlab.loader.ImportSection;
import r2rlab.loader.runtime.FixupFailure;

/**
 * What real crossgen2 code reaches first beyond the async protocol, modelled so that it runs as far as the model
 * allows: the lazy helper cells (DelayLoad_Helper, _Obj, _ObjObj: the cell is resolved to a helper bound to its type,
 * patched, and the call goes on there), objects (NewObject), casts of null and of objects of the type itself
 * (IsInstanceOf, ChkCast), static bases and class-constructor triggers, field offsets as integers (FieldOffset,
 * FieldBaseOffset), string literals as string objects (StringHandle), and CoreLib's
 * {@code CancellationToken.ThrowIfCancellationRequested}, {@code ExecutionAndSyncBlockStore.Push}/{@code Pop} and the
 * Task and ValueTask completions the Task-returning thunks call (FromResult over a shared instantiation, the
 * *FromException methods, FinalizeValueTaskReturningThunk).
 *
 * GetRuntimeTypeHandle (typeof) answers a RuntimeType object per type handle.
 *
 * <p>The model has no type layouts: a field of a TypeDef of this image gets the offset 8 + 16 × its index among its
 * type's fields (16 bytes hold any reference, primitive or small struct), an object of such a type has room for all
 * of them, and a type's base fields start at 8; any other field (of an instantiation, of another module) gets the
 * next free 16-byte slot of its owner's 256-byte object in the order the code first asks for them. A string is {MethodTable, int32 length, UTF-16 characters} as the
 * runtime lays it out, read from the #US heap. What the model cannot answer (a cast of an object of another type, a
 * field of another module, a cancellation source) stops the run with a {@link NotModelledException} naming it.
 */
final class RealCodeModel {
    /** Room of a type whose fields the model cannot count (another module's). */
    static final int UNKNOWN_TYPE_SIZE = 256;
    /** The bytes a field takes in the model's layout. */
    static final int FIELD_SLOT = 16;
    /** Where an object's fields start: after the MethodTable pointer. */
    static final int FIRST_FIELD = 8;
    /** String object: length at +8, characters from +12. */
    static final int STRING_LENGTH = 8;
    static final int STRING_CHARS = 12;

    private final EmulatedRuntime rt;
    private final CpuEngine uc;
    private final long stringMethodTable;
    private final Map<String, Long> typeMethodTables = new HashMap<>();
    private final Map<String, Long> staticBases = new HashMap<>();
    private final Map<String, Long> helperTraps = new HashMap<>();
    private final Map<String, Long> assignedOffsets = new HashMap<>();
    private final Map<Long, Long> runtimeTypes = new HashMap<>();
    private final long runtimeTypeMethodTable;
    private final Map<String, Integer> slotsUsed = new HashMap<>();

    /** A thing the emulated runtime does not model, reached by the guest: the run stops naming it. */
    static final class NotModelledException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotModelledException(String what) {
            super(what + " is not modelled by the emulated runtime");
        }
    }

    RealCodeModel(EmulatedRuntime rt) {
        this.rt = rt;
        this.uc = rt.engine();
        this.stringMethodTable = rt.async().methodTable(STRING_CHARS);
        this.runtimeTypeMethodTable = rt.async().methodTable(16);
    }

    void install(HelperTable helpers, CoreLibMethods coreLib) {
        helpers.provide(ReadyToRunHelper.GetRuntimeTypeHandle, call -> result(runtimeType(arg(0))))
                .provide(ReadyToRunHelper.DelayLoad_Helper, this::delayLoadHelper)
                .provide(ReadyToRunHelper.DelayLoad_Helper_Obj, this::delayLoadHelper)
                .provide(ReadyToRunHelper.DelayLoad_Helper_ObjObj, this::delayLoadHelper);
        // ExecutionAndSyncBlockStore.Push/Pop and the exact TaskFromException are ThreadContexts' and AsyncDispatcher's
        coreLib.provide("System.Threading.CancellationToken.ThrowIfCancellationRequested", (r, call) -> throwIfCancellationRequested());
        // Task and ValueTask completions of the Task-returning thunks; a shared instantiation takes its dictionary first,
        // a ValueTask comes back through a return buffer, which comes before the dictionary
        coreLib.provide(CoreLibMethods.sharedKey(TASK_FROM_RESULT), (r, call) -> result(task(rt.async().completed(arg(1)), "FromResult")))
                .provide(CoreLibMethods.sharedKey(ASYNC_HELPERS + "TaskFromException``1"),
                        (r, call) -> result(task(rt.async().faulted(arg(1)), "TaskFromException")))
                .provide(CoreLibMethods.sharedKey("System.Threading.Tasks.ValueTask.FromResult``1"),
                        (r, call) -> valueTaskOfT(0, arg(2)))
                .provide(CoreLibMethods.sharedKey(ASYNC_HELPERS + "ValueTaskFromException``1"),
                        (r, call) -> valueTaskOfT(rt.async().faulted(arg(2)), 0))
                .provide(CoreLibMethods.sharedKey(ASYNC_HELPERS + "FinalizeValueTaskReturningThunk``1"),
                        (r, call) -> valueTaskOfT(rt.async().pendingTaskOfSuspension("FinalizeValueTaskReturningThunk"), 0))
                .provide(ASYNC_HELPERS + "ValueTaskFromException", (r, call) -> valueTask(rt.async().faulted(arg(1))))
                .provide(ASYNC_HELPERS + "FinalizeValueTaskReturningThunk",
                        (r, call) -> valueTask(rt.async().pendingTaskOfSuspension("FinalizeValueTaskReturningThunk")));
    }

    private static final String ASYNC_HELPERS = "System.Runtime.CompilerServices.AsyncHelpers.";
    private static final String TASK_FROM_RESULT = "System.Threading.Tasks.Task.FromResult``1";

    private long task(long task, String from) {
        rt.event(String.format("%s -> Task 0x%X", from, task));
        return task;
    }

    private void result(long value) {
        uc.regWrite(rt.abi().resultRegister, value);
    }

    /**
     * A {@code ValueTask<T>} over a reference T into the return buffer (the first argument): {object _obj; T _result;
     * short _token; bool _continueOnCapturedContext}, 24 bytes, as the thunks copy it (16 bytes, then 8 at +0x10).
     */
    private void valueTaskOfT(long obj, long value) {
        long buffer = arg(0);
        uc.writeLong(buffer, obj);
        uc.writeLong(buffer + 8, value);
        uc.writeLong(buffer + 16, 1L << 16); // _token 0, _continueOnCapturedContext true
        rt.event(String.format("ValueTask<T> [0x%X] = {_obj 0x%X, _result 0x%X}", buffer, obj, value));
        result(buffer);
    }

    /** A {@code ValueTask} into the return buffer: {object _obj; short _token; bool _continueOnCapturedContext}, 16 bytes. */
    private void valueTask(long obj) {
        long buffer = arg(0);
        uc.writeLong(buffer, obj);
        uc.writeLong(buffer + 8, 1L << 16);
        rt.event(String.format("ValueTask [0x%X] = {_obj 0x%X}", buffer, obj));
        result(buffer);
    }

    private long arg(int i) {
        return uc.regRead(rt.abi().argumentRegister(i));
    }

    /**
     * The value of a cell the model gives a meaning, or 0 for any other: a helper bound to the cell's type for the
     * lazy helper kinds, a field offset, a string handle.
     */
    long resolve(ImportCell cell) {
        FixupSignature sig = cell.signature();
        if (sig == null) {
            return 0;
        }
        switch (sig.kind()) {
            case NewObject:
                return trap(cell, "NewObject", call -> newObject(cell));
            case IsInstanceOf:
                return trap(cell, "IsInstanceOf", call -> cast(cell));
            case ChkCast:
                return trap(cell, "ChkCast", call -> cast(cell));
            case StaticBaseGC:
            case StaticBaseNonGC:
                return trap(cell, sig.kind().name(), call -> uc.regWrite(rt.abi().resultRegister, staticBase(cell)));
            case CctorTrigger:
                return trap(cell, "CctorTrigger", call -> { });
            case FieldOffset:
                return fieldOffset(cell);
            case FieldBaseOffset:
                return FIRST_FIELD;
            case StringHandle:
                return stringHandle(cell);
            default:
                return 0;
        }
    }

    private long trap(ImportCell cell, String what, TrapHandler handler) {
        String key = what + " " + cell.signatureText();
        Long t = helperTraps.get(key);
        if (t == null) {
            t = rt.traps().add(key, handler);
            helperTraps.put(key, t);
        }
        return t;
    }

    /**
     * DelayLoad_Helper[_Obj[_ObjObj]]: x64 thunks push the section index and the Module* and leave RAX = 0, the cell
     * being the call site's (the int32 before the return address). The cell is resolved, patched, and the call goes on
     * at its target with the caller's arguments (the _Obj forms only keep one or two of them alive across the helper,
     * which this one does not touch).
     */
    private void delayLoadHelper(TrapCall call) {
        if (uc.isArm64()) {
            throw new NotModelledException("ARM64 " + call.name());
        }
        long rsp = uc.regRead(UC_X86_REG_RSP);
        int section = (int) uc.readLong(rsp + 8);
        long rax = uc.regRead(UC_X86_REG_RAX);
        long cellAddress;
        if (rax != 0) {
            cellAddress = rax;
        } else {
            long returnAddress = uc.readLong(rsp + 16);
            cellAddress = returnAddress + uc.readInt(returnAddress - 4);
        }
        long rva = cellAddress - rt.imageBase();
        if (section < 0 || section >= rt.image().importSections().size() || !rt.image().importSections().get(section).containsRva(rva)) {
            throw new IllegalArgumentException(String.format("%s: cell RVA 0x%X is not in import section %d", call.name(), rva, section));
        }
        ImportSection s = rt.image().importSections().get(section);
        ImportCell cell = s.cells().get((int) ((rva - s.rva()) / s.cellSize(rt.image().pe().pointerSize())));
        long target = resolve(cell);
        if (target == 0) {
            throw new FixupFailure(section, cell.index(), cell.signature() == null ? "?" : cell.signature().kind().name(),
                    FixupFailure.Reason.UNRESOLVED, call.name() + " of " + cell.signatureText() + " is not modelled by the emulated runtime");
        }
        uc.regWrite(UC_X86_REG_RSP, rsp + 16);
        uc.writeLong(cellAddress, target);
        rt.info().setCellValue(section, cell.index(), target);
        rt.event(String.format("%s cell 0x%X (section %d) %s -> 0x%X", call.name(), rva, section, cell.signatureText(), target));
        call.jumpTo(target);
    }

    // ---- objects, casts, statics

    /** The TypeDef of this image a type signature names, or null (another module, an instantiation, ...). */
    private TypeDef typeDefOf(FixupSignature sig) {
        if (sig instanceof FixupSignature.TypeHandle t && t.moduleOverride() <= 0
                && t.type() instanceof SignatureType.TypeDefOrRef d
                && MetadataTable.table(d.token()) == MetadataTable.TYPEDEF) {
            return rt.image().metadata().typeDef(MetadataTable.rid(d.token()));
        }
        return null;
    }

    /** How many fields a TypeDef declares (its FieldList run up to the next TypeDef's). */
    private int fieldCount(TypeDef t) {
        Metadata md = rt.image().metadata();
        int end = t.rid() < md.rowCount(MetadataTable.TYPEDEF) ? md.typeDef(t.rid() + 1).fieldList() : md.rowCount(MetadataTable.FIELD) + 1;
        return Math.max(0, end - t.fieldList());
    }

    /** The model's MethodTable of the cell's type, sized for its fields. */
    private long typeMethodTable(ImportCell cell) {
        String type = cell.signatureText().replaceFirst("^\\S+ ", "");
        Long mt = typeMethodTables.get(type);
        if (mt == null) {
            TypeDef t = typeDefOf(cell.signature());
            mt = rt.async().methodTable(t == null ? UNKNOWN_TYPE_SIZE : FIRST_FIELD + FIELD_SLOT * fieldCount(t));
            typeMethodTables.put(type, mt);
        }
        return mt;
    }

    private void newObject(ImportCell cell) {
        long obj = rt.async().allocateObject(typeMethodTable(cell));
        rt.event(String.format("%s -> 0x%X", cell.signatureText(), obj));
        uc.regWrite(rt.abi().resultRegister, obj);
    }

    /** IsInstanceOf / ChkCast: null casts to null; an object whose MethodTable is the type's own is an instance. */
    private void cast(ImportCell cell) {
        long obj = arg(0);
        if (obj != 0 && uc.readLong(obj) != typeMethodTable(cell)) {
            throw new NotModelledException(String.format("%s of object 0x%X (of another type; type hierarchies)", cell.signatureText(), obj));
        }
        uc.regWrite(rt.abi().resultRegister, obj);
    }

    /** GetRuntimeTypeHandle (typeof): the RuntimeType object of a type handle, one per handle, {MethodTable, handle at +8}. */
    private long runtimeType(long typeHandle) {
        return runtimeTypes.computeIfAbsent(typeHandle, h -> {
            long obj = rt.async().allocateObject(runtimeTypeMethodTable);
            uc.writeLong(obj + 8, h);
            rt.event(String.format("GetRuntimeTypeHandle 0x%X -> RuntimeType 0x%X", h, obj));
            return obj;
        });
    }

    private long staticBase(ImportCell cell) {
        return staticBases.computeIfAbsent(cell.signatureText().replaceFirst("^\\S+ ", ""), k -> rt.allocate(UNKNOWN_TYPE_SIZE));
    }

    // ---- fields and strings

    /** FieldOffset: 8 + 16 × the field's index among its TypeDef's fields, or its owner's next free slot. */
    private long fieldOffset(ImportCell cell) {
        if (cell.signature() instanceof FixupSignature.Field f && f.moduleOverride() <= 0 && !f.field().isMemberRef()) {
            Metadata md = rt.image().metadata();
            int rid = MetadataTable.rid(f.field().token());
            int types = md.rowCount(MetadataTable.TYPEDEF);
            for (int t = types; t >= 1; t--) {
                int first = md.typeDef(t).fieldList();
                if (first <= rid) {
                    return FIRST_FIELD + (long) FIELD_SLOT * (rid - first);
                }
            }
        }
        // a field the TypeDefs do not index (of an instantiation, of another module): the next free slot of its owner
        String field = cell.signatureText().replaceFirst("^\\S+ ", "");
        Long assigned = assignedOffsets.get(field);
        if (assigned == null) {
            int dot = field.lastIndexOf('.');
            String owner = dot < 0 ? "" : field.substring(0, dot);
            int n = slotsUsed.merge(owner, 1, Integer::sum) - 1;
            if (FIRST_FIELD + FIELD_SLOT * (n + 1) > UNKNOWN_TYPE_SIZE) {
                throw new FixupFailure(cell.section(), cell.index(), cell.signature().kind().name(), FixupFailure.Reason.UNRESOLVED,
                        "the emulated runtime has no layout for " + cell.signatureText() + " (more fields of " + owner + " than "
                                + UNKNOWN_TYPE_SIZE + " bytes hold)");
            }
            assigned = (long) FIRST_FIELD + (long) FIELD_SLOT * n;
            assignedOffsets.put(field, assigned);
        }
        return assigned;
    }

    /** StringHandle: a handle (a pointer-size slot) holding a string object with the literal of the #US heap. */
    private long stringHandle(ImportCell cell) {
        if (!(cell.signature() instanceof FixupSignature.Token t) || t.moduleOverride() > 0) {
            return 0;
        }
        String text = rt.image().metadata().userString(t.rid());
        byte[] chars = text.getBytes(StandardCharsets.UTF_16LE);
        long str = rt.allocate(STRING_CHARS + chars.length + 2L);
        uc.writeLong(str, stringMethodTable);
        rt.async().write32(str + STRING_LENGTH, text.length());
        uc.memWrite(str + STRING_CHARS, chars);
        long handle = rt.allocate(8);
        uc.writeLong(handle, str);
        return handle;
    }

    // ---- CoreLib

    /** CancellationToken.ThrowIfCancellationRequested (this = the token): a token without a source is never cancelled. */
    private void throwIfCancellationRequested() {
        long source = uc.readLong(arg(0));
        if (source != 0) {
            throw new NotModelledException(String.format("CancellationToken.ThrowIfCancellationRequested with source 0x%X", source));
        }
    }
}
