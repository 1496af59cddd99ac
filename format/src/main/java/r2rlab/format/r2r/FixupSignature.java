package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.metadata.SignatureCodec;
import r2rlab.format.metadata.SignatureType;

/**
 * A fixup signature (r2r-format.md §2.3): the kind byte, with the ModuleOverride bit and a
 * compressed module index when the payload's tokens live in another module, then the payload of
 * the kind. One record per payload shape; {@link #read} and {@link #write} mirror each other, so an
 * image's signature bytes read and written back are byte-identical.
 */
public sealed interface FixupSignature {
    /** Bound on fixups nested in dictionary lookups, so corrupt input cannot overflow the stack. */
    int MAX_NESTING = 16;
    int NO_MODULE_OVERRIDE = -1;

    ReadyToRunFixupKind kind();

    /** The module index after the ModuleOverride bit, or {@link #NO_MODULE_OVERRIDE}. */
    int moduleOverride();

    void writePayload(SignatureWriter w);

    /** The kind byte as it stands in the image: the kind, with the ModuleOverride bit when there is an override. */
    default int kindByte() {
        return moduleOverride() == NO_MODULE_OVERRIDE ? kind().value : kind().value | ReadyToRunFixupKind.ModuleOverride;
    }

    /** The module the payload's tokens live in: the override, or 0 (this image). */
    default int tokenModule() {
        return moduleOverride() == NO_MODULE_OVERRIDE ? 0 : moduleOverride();
    }

    default void write(SignatureWriter w) {
        w.u8(kindByte());
        if (moduleOverride() != NO_MODULE_OVERRIDE) {
            w.compressed(moduleOverride());
        }
        writePayload(w);
    }

    default byte[] toByteArray() {
        SignatureWriter w = new SignatureWriter();
        write(w);
        return w.toByteArray();
    }

    /** A type: TypeHandle, NewObject, NewArray, casts, static bases, FieldBaseOffset, TypeDictionary, ... */
    record TypeHandle(ReadyToRunFixupKind kind, int moduleOverride, SignatureType type) implements FixupSignature {
        @Override
        public void writePayload(SignatureWriter w) {
            w.type(type);
        }
    }

    /** A method signature: MethodEntry (AsyncVariant among its flags), MethodHandle, VirtualEntry, MethodDictionary, P/Invoke targets. */
    record MethodEntry(ReadyToRunFixupKind kind, int moduleOverride, ReadyToRunMethodSignature method) implements FixupSignature {
        @Override
        public void writePayload(SignatureWriter w) {
            method.write(w);
        }
    }

    /** A bare rid: MethodEntry_DefToken, MethodEntry_RefToken, the VirtualEntry twins, StringHandle. */
    record Token(ReadyToRunFixupKind kind, int moduleOverride, int rid) implements FixupSignature {
        /** The full token: MethodDef, MemberRef or UserString by kind. */
        public int token() {
            int table = switch (kind) {
                case MethodEntry_DefToken, VirtualEntry_DefToken -> MetadataTable.METHODDEF;
                case MethodEntry_RefToken, VirtualEntry_RefToken -> MetadataTable.MEMBERREF;
                default -> MetadataTable.USER_STRING;
            };
            return MetadataTable.token(table, rid);
        }

        @Override
        public void writePayload(SignatureWriter w) {
            w.compressed(rid);
        }
    }

    /** A READYTORUN_HELPER id. */
    record Helper(ReadyToRunFixupKind kind, int moduleOverride, int helperId) implements FixupSignature {
        public static Helper of(int helperId) {
            return new Helper(ReadyToRunFixupKind.Helper, NO_MODULE_OVERRIDE, helperId);
        }

        @Override
        public void writePayload(SignatureWriter w) {
            w.compressed(helperId);
        }
    }

    /**
     * A field: FieldHandle, FieldAddress, FieldOffset (no values), Check_FieldOffset (the expected
     * offset), Verify_FieldOffset (two values), each before the field signature.
     */
    record Field(ReadyToRunFixupKind kind, int moduleOverride, List<Integer> values, ReadyToRunFieldSignature field) implements FixupSignature {
        public Field {
            values = List.copyOf(values);
        }

        @Override
        public void writePayload(SignatureWriter w) {
            values.forEach(w::compressed);
            field.write(w);
        }
    }

    /** A type and its layout: Check_TypeLayout, Verify_TypeLayout, ContinuationLayout (0x37). */
    record Layout(ReadyToRunFixupKind kind, int moduleOverride, SignatureType type, TypeLayout layout) implements FixupSignature {
        @Override
        public void writePayload(SignatureWriter w) {
            w.type(type);
            layout.write(w);
        }
    }

    /** ResumptionStubEntryPoint (0x38): the stub's code RVA as a raw little-endian u32, at any alignment. */
    record ResumptionStubEntryPoint(ReadyToRunFixupKind kind, int moduleOverride, long stubRva) implements FixupSignature {
        public static ResumptionStubEntryPoint of(long stubRva) {
            return new ResumptionStubEntryPoint(ReadyToRunFixupKind.ResumptionStubEntryPoint, NO_MODULE_OVERRIDE, stubRva);
        }

        @Override
        public void writePayload(SignatureWriter w) {
            w.u32(stubRva);
        }
    }

    /** Check_InstructionSetSupport: entries {@code instructionSet << 1 | supported}. */
    record InstructionSetSupport(ReadyToRunFixupKind kind, int moduleOverride, List<Integer> entries) implements FixupSignature {
        public InstructionSetSupport {
            entries = List.copyOf(entries);
        }

        @Override
        public void writePayload(SignatureWriter w) {
            w.compressed(entries.size());
            entries.forEach(w::compressed);
        }
    }

    /** VirtualEntry_Slot: a vtable slot of a type. */
    record VirtualSlot(ReadyToRunFixupKind kind, int moduleOverride, int slot, SignatureType type) implements FixupSignature {
        @Override
        public void writePayload(SignatureWriter w) {
            w.compressed(slot);
            w.type(type);
        }
    }

    /** ThisObj/Type/MethodDictionaryLookup: a fixup looked up in a generic dictionary ({@code thisType} only for ThisObj). */
    record DictionaryLookup(ReadyToRunFixupKind kind, int moduleOverride, SignatureType thisType, FixupSignature inner)
            implements FixupSignature {
        @Override
        public void writePayload(SignatureWriter w) {
            if (kind == ReadyToRunFixupKind.ThisObjDictionaryLookup) {
                w.type(thisType);
            }
            inner.write(w);
        }
    }

    /** DelegateCtor: the target method, then the delegate type. */
    record DelegateCtor(ReadyToRunFixupKind kind, int moduleOverride, ReadyToRunMethodSignature method, SignatureType delegateType)
            implements FixupSignature {
        @Override
        public void writePayload(SignatureWriter w) {
            method.write(w);
            w.type(delegateType);
        }
    }

    /** Check/Verify_VirtualFunctionOverride: flags, declaration, implementing type, [implementation when flag 1]. */
    record VirtualFunctionOverride(ReadyToRunFixupKind kind, int moduleOverride, int flags, ReadyToRunMethodSignature declaration,
                                   SignatureType implementingType, ReadyToRunMethodSignature implementation) implements FixupSignature {
        public static final int OVERRIDDEN = 1;

        @Override
        public void writePayload(SignatureWriter w) {
            w.compressed(flags);
            declaration.write(w);
            w.type(implementingType);
            if ((flags & OVERRIDDEN) != 0) {
                implementation.write(w);
            }
        }
    }

    /** Check/Verify_IL_Body: the IL bytes the code was compiled from, the types it depends on, the method. */
    record IlBody(ReadyToRunFixupKind kind, int moduleOverride, byte[] il, List<SignatureType> types, ReadyToRunMethodSignature method)
            implements FixupSignature {
        public IlBody {
            il = il.clone();
            types = List.copyOf(types);
        }

        @Override
        public byte[] il() {
            return il.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IlBody b && kind == b.kind && moduleOverride == b.moduleOverride && Arrays.equals(il, b.il)
                    && types.equals(b.types) && method.equals(b.method);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, moduleOverride, Arrays.hashCode(il), types, method);
        }

        @Override
        public String toString() {
            return "IlBody[" + kind + ", IL " + HexFormat.of().formatHex(il) + ", " + types + ", " + method + "]";
        }

        @Override
        public void writePayload(SignatureWriter w) {
            w.compressed(il.length).bytes(il).compressed(types.size());
            types.forEach(w::type);
            method.write(w);
        }
    }

    /** A kind whose payload r2rlab carries as raw bytes (InjectStringThunks: NUL-terminated names with u32 values, then an empty name). */
    record Raw(ReadyToRunFixupKind kind, int moduleOverride, byte[] payload) implements FixupSignature {
        public Raw {
            payload = payload.clone();
        }

        @Override
        public byte[] payload() {
            return payload.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Raw r && kind == r.kind && moduleOverride == r.moduleOverride && Arrays.equals(payload, r.payload);
        }

        @Override
        public int hashCode() {
            return Objects.hash(kind, moduleOverride, Arrays.hashCode(payload));
        }

        @Override
        public String toString() {
            return "Raw[" + kind + ", " + HexFormat.of().formatHex(payload) + "]";
        }

        @Override
        public void writePayload(SignatureWriter w) {
            w.bytes(payload);
        }
    }

    /** Decodes the signature at the reader's position; {@code pointerSize} sizes layout GC maps. */
    static FixupSignature read(SignatureReader r, int pointerSize) {
        return read(r, pointerSize, 0);
    }

    /** Decodes a signature held in {@code bytes} (an emitted one, or bytes copied out of an image). */
    static FixupSignature read(byte[] bytes, int pointerSize) {
        return read(new SignatureReader(new ByteReader(bytes), 0, bytes.length, "fixup signature"), pointerSize);
    }

    private static FixupSignature read(SignatureReader r, int pointerSize, int nesting) {
        if (nesting > MAX_NESTING) {
            throw r.error("fixup signatures nest deeper than " + MAX_NESTING + " levels");
        }
        int kindByte = r.readByte();
        int mo = (kindByte & ReadyToRunFixupKind.ModuleOverride) != 0 ? r.readUInt() : NO_MODULE_OVERRIDE;
        ReadyToRunFixupKind k = ReadyToRunFixupKind.fromValue(kindByte);
        if (k == null) {
            throw new FormatException(r.structure(), r.start(), String.format("unknown fixup kind 0x%02X", kindByte & 0x7F));
        }
        return switch (k) {
            case ThisObjDictionaryLookup -> {
                SignatureType t = SignatureCodec.readingReadyToRun(r).type();
                yield new DictionaryLookup(k, mo, t, read(r, pointerSize, nesting + 1));
            }
            case TypeDictionaryLookup, MethodDictionaryLookup -> new DictionaryLookup(k, mo, null, read(r, pointerSize, nesting + 1));
            case TypeHandle, NewObject, NewArray, IsInstanceOf, ChkCast, CctorTrigger, StaticBaseNonGC, StaticBaseGC,
                 ThreadStaticBaseNonGC, ThreadStaticBaseGC, FieldBaseOffset, TypeDictionary, DeclaringTypeHandle ->
                    new TypeHandle(k, mo, SignatureCodec.readingReadyToRun(r).type());
            case MethodHandle, MethodEntry, VirtualEntry, MethodDictionary, IndirectPInvokeTarget, PInvokeTarget ->
                    new MethodEntry(k, mo, ReadyToRunMethodSignature.read(r));
            case MethodEntry_DefToken, VirtualEntry_DefToken, MethodEntry_RefToken, VirtualEntry_RefToken, StringHandle ->
                    new Token(k, mo, r.readUInt());
            case VirtualEntry_Slot -> {
                int slot = r.readUInt();
                yield new VirtualSlot(k, mo, slot, SignatureCodec.readingReadyToRun(r).type());
            }
            case Helper -> new Helper(k, mo, r.readUInt());
            case FieldHandle, FieldAddress, FieldOffset -> new Field(k, mo, List.of(), ReadyToRunFieldSignature.read(r));
            case Check_FieldOffset -> {
                int expected = r.readUInt();
                yield new Field(k, mo, List.of(expected), ReadyToRunFieldSignature.read(r));
            }
            case Verify_FieldOffset -> {
                int first = r.readUInt();
                int second = r.readUInt();
                yield new Field(k, mo, List.of(first, second), ReadyToRunFieldSignature.read(r));
            }
            case Check_TypeLayout, Verify_TypeLayout, ContinuationLayout -> {
                SignatureType t = SignatureCodec.readingReadyToRun(r).type();
                yield new Layout(k, mo, t, TypeLayout.read(r, pointerSize));
            }
            case DelegateCtor -> {
                ReadyToRunMethodSignature m = ReadyToRunMethodSignature.read(r);
                yield new DelegateCtor(k, mo, m, SignatureCodec.readingReadyToRun(r).type());
            }
            case Check_InstructionSetSupport -> {
                int n = r.readCount("instruction set count");
                List<Integer> entries = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    entries.add(r.readUInt());
                }
                yield new InstructionSetSupport(k, mo, entries);
            }
            case Check_VirtualFunctionOverride, Verify_VirtualFunctionOverride -> {
                int flags = r.readUInt();
                ReadyToRunMethodSignature decl = ReadyToRunMethodSignature.read(r);
                SignatureType implType = SignatureCodec.readingReadyToRun(r).type();
                ReadyToRunMethodSignature impl = (flags & VirtualFunctionOverride.OVERRIDDEN) != 0 ? ReadyToRunMethodSignature.read(r) : null;
                yield new VirtualFunctionOverride(k, mo, flags, decl, implType, impl);
            }
            case Check_IL_Body, Verify_IL_Body -> {
                int ilBytes = r.readUInt();
                byte[] il = r.readBytes(ilBytes);
                int n = r.readCount("IL body type count");
                List<SignatureType> types = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    types.add(SignatureCodec.readingReadyToRun(r).type());
                }
                yield new IlBody(k, mo, il, types, ReadyToRunMethodSignature.read(r));
            }
            case ResumptionStubEntryPoint -> new ResumptionStubEntryPoint(k, mo, r.readU32());
            case InjectStringThunks -> {
                SignatureWriter payload = new SignatureWriter();
                for (int b = r.readByte(); b != 0; b = r.readByte()) {
                    for (; b != 0; b = r.readByte()) {
                        payload.u8(b);
                    }
                    payload.u8(0).u32(r.readU32());
                }
                yield new Raw(k, mo, payload.u8(0).toByteArray());
            }
        };
    }
}
