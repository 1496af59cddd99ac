package r2rlab.format.r2r;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import r2rlab.format.FormatException;
import r2rlab.format.metadata.MethodSignature;
import r2rlab.format.metadata.SignatureType;

/** Each payload shape of the typed fixup-signature model: literal bytes read, and the record written back to the same bytes. */
class FixupSignatureTest {
    private static byte[] b(int... v) {
        byte[] out = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (byte) v[i];
        }
        return out;
    }

    private static FixupSignature roundTrip(byte[] bytes, FixupSignature expected) {
        FixupSignature read = FixupSignature.read(bytes, 8);
        assertEquals(expected, read);
        assertArrayEquals(bytes, expected.toByteArray());
        return read;
    }

    @Test
    void resumptionStubEntryPoint_isTheKindByteAndARawU32() {
        // ZipFile's first stub cell: 38 a0 6d 00 00 -> RVA 0x6DA0.
        FixupSignature s = roundTrip(b(0x38, 0xA0, 0x6D, 0x00, 0x00), FixupSignature.ResumptionStubEntryPoint.of(0x6DA0));
        assertEquals(0x38, s.kindByte());
    }

    @Test
    void continuationLayout_typeWithModuleOverrideThenLayout() {
        // ContinuationLayout, MODULE_ZAPSIG module 5, CLASS TypeRef 10 (coded 10 << 2 | 1), flags 0x0E, size 40, map 1f.
        SignatureType type = new SignatureType.ModuleOverride(5, new SignatureType.TypeDefOrRef(CorElementType.CLASS, 0x0100000A));
        FixupSignature.Layout layout = (FixupSignature.Layout) roundTrip(b(0x37, 0x3F, 0x05, 0x12, 0x29, 0x0E, 0x28, 0x1F),
                new FixupSignature.Layout(ReadyToRunFixupKind.ContinuationLayout, FixupSignature.NO_MODULE_OVERRIDE, type,
                        TypeLayout.continuation(40, b(0x1F))));
        assertEquals(0x0100000A, ((SignatureType.TypeDefOrRef) ((SignatureType.ModuleOverride) layout.type()).type()).token());
        assertEquals(40, layout.layout().size());
    }

    @Test
    void methodEntry_withAsyncVariantAndModuleOverride() {
        // 0x93 = MethodEntry | ModuleOverride, module 2; flags 0x100 (AsyncVariant, two compressed bytes 81 00), MethodDef rid 0x2B.
        FixupSignature.MethodEntry m = (FixupSignature.MethodEntry) roundTrip(b(0x93, 0x02, 0x81, 0x00, 0x2B),
                new FixupSignature.MethodEntry(ReadyToRunFixupKind.MethodEntry, 2,
                        ReadyToRunMethodSignature.methodDef(ReadyToRunMethodSigFlags.AsyncVariant, 0x2B)));
        assertTrue(m.method().isAsyncVariant());
        assertEquals(0x0600002B, m.method().token());
        assertEquals(2, m.tokenModule());
        assertEquals(0x93, m.kindByte());
    }

    @Test
    void methodSignature_everyOptionalPart() {
        // flags OwnerType|MethodInstantiation|Constrained|UpdateContext (0xE4), module 3, owner CLASS TypeDef 2,
        // MethodDef rid 7, one type argument System.Int32, constraint VAR 0.
        int flags = ReadyToRunMethodSigFlags.OwnerType | ReadyToRunMethodSigFlags.MethodInstantiation
                | ReadyToRunMethodSigFlags.Constrained | ReadyToRunMethodSigFlags.UpdateContext;
        ReadyToRunMethodSignature sig = new ReadyToRunMethodSignature(flags, 3, new SignatureType.TypeDefOrRef(CorElementType.CLASS, 0x02000002), 7,
                List.of(new SignatureType.Primitive(CorElementType.I4)), new SignatureType.GenericParam(CorElementType.VAR, 0));
        roundTrip(b(0x29, 0x80, 0xE4, 0x03, 0x12, 0x08, 0x07, 0x01, 0x08, 0x13, 0x00),
                new FixupSignature.MethodEntry(ReadyToRunFixupKind.MethodDictionary, FixupSignature.NO_MODULE_OVERRIDE, sig));
        assertEquals(0x06000007, sig.token());
    }

    @Test
    void tokens_helpers_fields_slots() {
        assertEquals(0x0A000002, ((FixupSignature.Token) roundTrip(b(0x95, 0x05, 0x02),
                new FixupSignature.Token(ReadyToRunFixupKind.MethodEntry_RefToken, 5, 2))).token());
        assertEquals(0x70000123, ((FixupSignature.Token) roundTrip(b(0x1B, 0x81, 0x23),
                new FixupSignature.Token(ReadyToRunFixupKind.StringHandle, FixupSignature.NO_MODULE_OVERRIDE, 0x123))).token());
        roundTrip(b(0x1A, 0x01), FixupSignature.Helper.of(ReadyToRunHelper.Module.id));
        // Check_FieldOffset: expected offset 16, then field sig: flags MemberRefToken, rid 4.
        roundTrip(b(0x2B, 0x10, 0x10, 0x04), new FixupSignature.Field(ReadyToRunFixupKind.Check_FieldOffset,
                FixupSignature.NO_MODULE_OVERRIDE, List.of(16), new ReadyToRunFieldSignature(ReadyToRunFieldSigFlags.MemberRefToken, null, 4)));
        roundTrip(b(0x31, 0x08, 0x0C, 0x00, 0x05), new FixupSignature.Field(ReadyToRunFixupKind.Verify_FieldOffset,
                FixupSignature.NO_MODULE_OVERRIDE, List.of(8, 12), new ReadyToRunFieldSignature(0, null, 5)));
        roundTrip(b(0x19, 0x03, 0x11, 0x0D), new FixupSignature.VirtualSlot(ReadyToRunFixupKind.VirtualEntry_Slot,
                FixupSignature.NO_MODULE_OVERRIDE, 3, new SignatureType.TypeDefOrRef(CorElementType.VALUETYPE, 0x01000003)));
        roundTrip(b(0x30, 0x02, 0x2C, 0x2F), new FixupSignature.InstructionSetSupport(ReadyToRunFixupKind.Check_InstructionSetSupport,
                FixupSignature.NO_MODULE_OVERRIDE, List.of(0x2C, 0x2F)));
    }

    @Test
    void typeSignatures_nestedShapes() {
        // TypeHandle of GENERICINST CLASS TypeRef 1 <SZARRAY System.String, ARRAY I4 rank 2 [3] [0 0], FNPTR void(I8), PTR U1>.
        SignatureType t = new SignatureType.GenericInst(new SignatureType.TypeDefOrRef(CorElementType.CLASS, 0x01000001), List.of(
                new SignatureType.SzArray(new SignatureType.Primitive(CorElementType.STRING)),
                new SignatureType.Array(new SignatureType.Primitive(CorElementType.I4), 2, List.of(3), List.of(0, 0)),
                new SignatureType.FnPtr(new MethodSignature(0, 0, new SignatureType.Primitive(CorElementType.VOID),
                        List.of(new SignatureType.Primitive(CorElementType.I8)), MethodSignature.NO_SENTINEL)),
                new SignatureType.Ptr(new SignatureType.Primitive(CorElementType.U1))));
        roundTrip(b(0x10, 0x15, 0x12, 0x05, 0x04, 0x1D, 0x0E, 0x14, 0x08, 0x02, 0x01, 0x03, 0x02, 0x00, 0x00,
                0x1B, 0x00, 0x01, 0x01, 0x0A, 0x0F, 0x05), new FixupSignature.TypeHandle(ReadyToRunFixupKind.TypeHandle,
                FixupSignature.NO_MODULE_OVERRIDE, t));
        // CMOD_OPT TypeRef 2 on System.Object, MVAR 1, System.__Canon, native value type.
        roundTrip(b(0x10, 0x20, 0x09, 0x1C), new FixupSignature.TypeHandle(ReadyToRunFixupKind.TypeHandle,
                FixupSignature.NO_MODULE_OVERRIDE, new SignatureType.Modified(CorElementType.CMOD_OPT, 0x01000002,
                        new SignatureType.Primitive(CorElementType.OBJECT))));
        roundTrip(b(0x1C, 0x3D, 0x11, 0x08), new FixupSignature.TypeHandle(ReadyToRunFixupKind.NewObject,
                FixupSignature.NO_MODULE_OVERRIDE, new SignatureType.NativeValueType(
                        new SignatureType.TypeDefOrRef(CorElementType.VALUETYPE, 0x02000002))));
        roundTrip(b(0x28, 0x3E), new FixupSignature.TypeHandle(ReadyToRunFixupKind.TypeDictionary,
                FixupSignature.NO_MODULE_OVERRIDE, new SignatureType.Canon()));
    }

    @Test
    void dictionaryLookups_delegateCtor_overrides_ilBody_raw() {
        // ThisObjDictionaryLookup: this type MVAR 0, then a nested TypeHandle fixup of VAR 1.
        roundTrip(b(0x07, 0x1E, 0x00, 0x10, 0x13, 0x01), new FixupSignature.DictionaryLookup(ReadyToRunFixupKind.ThisObjDictionaryLookup,
                FixupSignature.NO_MODULE_OVERRIDE, new SignatureType.GenericParam(CorElementType.MVAR, 0),
                new FixupSignature.TypeHandle(ReadyToRunFixupKind.TypeHandle, FixupSignature.NO_MODULE_OVERRIDE,
                        new SignatureType.GenericParam(CorElementType.VAR, 1))));
        roundTrip(b(0x2C, 0x00, 0x04, 0x12, 0x09), new FixupSignature.DelegateCtor(ReadyToRunFixupKind.DelegateCtor,
                FixupSignature.NO_MODULE_OVERRIDE, ReadyToRunMethodSignature.methodDef(0, 4), new SignatureType.TypeDefOrRef(CorElementType.CLASS, 0x01000002)));
        roundTrip(b(0x33, 0x01, 0x00, 0x02, 0x12, 0x08, 0x00, 0x03), new FixupSignature.VirtualFunctionOverride(
                ReadyToRunFixupKind.Check_VirtualFunctionOverride, FixupSignature.NO_MODULE_OVERRIDE, 1, ReadyToRunMethodSignature.methodDef(0, 2),
                new SignatureType.TypeDefOrRef(CorElementType.CLASS, 0x02000002), ReadyToRunMethodSignature.methodDef(0, 3)));
        roundTrip(b(0x35, 0x02, 0x16, 0x2A, 0x01, 0x08, 0x00, 0x01), new FixupSignature.IlBody(ReadyToRunFixupKind.Check_IL_Body,
                FixupSignature.NO_MODULE_OVERRIDE, b(0x16, 0x2A), List.of(new SignatureType.Primitive(CorElementType.I4)),
                ReadyToRunMethodSignature.methodDef(0, 1)));
        // InjectStringThunks: "ab" 0x1234, then the empty name that ends the list.
        roundTrip(b(0x39, 'a', 'b', 0x00, 0x34, 0x12, 0x00, 0x00, 0x00), new FixupSignature.Raw(ReadyToRunFixupKind.InjectStringThunks,
                FixupSignature.NO_MODULE_OVERRIDE, b('a', 'b', 0x00, 0x34, 0x12, 0x00, 0x00, 0x00)));
    }

    @Test
    void badInput_namesTheStructureAndOffset() {
        FormatException unknown = assertThrows(FormatException.class, () -> FixupSignature.read(b(0x06, 0x00), 8));
        assertEquals("fixup signature at file offset 0x0: unknown fixup kind 0x06", unknown.getMessage());
        FormatException shortRva = assertThrows(FormatException.class, () -> FixupSignature.read(b(0x38, 0xA0, 0x6D), 8));
        assertTrue(shortRva.getMessage().startsWith("fixup signature at file offset 0x1: "), shortRva.getMessage());
        // A generic instantiation claiming 100 arguments in a 4-byte signature.
        FormatException count = assertThrows(FormatException.class, () -> FixupSignature.read(b(0x10, 0x15, 0x12, 0x05, 0x64), 8));
        assertEquals("fixup signature at file offset 0x4: generic argument count 100 exceeds the 0 bytes left in the signature", count.getMessage());
        // Element type 0x42 is no type.
        FormatException et = assertThrows(FormatException.class, () -> FixupSignature.read(b(0x10, 0x42), 8));
        assertEquals("fixup signature at file offset 0x1: element type 0x42 is not valid in a type signature", et.getMessage());
    }

    @Test
    void nestedLookups_areBounded() {
        byte[] deep = new byte[40];
        Arrays.fill(deep, (byte) 0x08); // TypeDictionaryLookup of TypeDictionaryLookup of ...
        FormatException e = assertThrows(FormatException.class, () -> FixupSignature.read(deep, 8));
        assertEquals("fixup signature at file offset 0x11: fixup signatures nest deeper than 16 levels", e.getMessage());
    }
}
