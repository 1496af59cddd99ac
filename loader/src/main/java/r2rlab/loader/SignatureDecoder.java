package r2rlab.loader;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.ByteReader;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.Metadata;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.r2r.CorElementType;
import r2rlab.format.r2r.ReadyToRunFieldSigFlags;
import r2rlab.format.r2r.ReadyToRunFixupKind;
import r2rlab.format.r2r.ReadyToRunHelper;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;

/**
 * Decodes ReadyToRun signatures: fixup signatures of every kind up to 0x39, method and field
 * signatures, and type signatures with the zapsig extensions. Names come from this image's
 * metadata; a token that lives in another module (module index != 0) cannot be named without that
 * module and is shown as its module index, the module's assembly name where the image records it,
 * and the raw token.
 */
public final class SignatureDecoder {
    /** Bound on nesting (generic arguments, dictionary lookups) so corrupt input cannot overflow the stack. */
    private static final int MAX_DEPTH = 64;

    public static final int LAYOUT_HFA = 0x01;
    public static final int LAYOUT_ALIGNMENT = 0x02;
    public static final int LAYOUT_ALIGNMENT_NATIVE = 0x04;
    public static final int LAYOUT_GCLAYOUT = 0x08;
    public static final int LAYOUT_GCLAYOUT_EMPTY = 0x10;

    private final ByteReader file;
    private final ModuleNames modules;
    private final int pointerSize;

    public SignatureDecoder(ByteReader file, ModuleNames modules, int pointerSize) {
        this.file = file;
        this.modules = modules;
        this.pointerSize = pointerSize;
    }

    /** Decodes the fixup signature at file offset {@code offset}; reads stop at {@code end}. */
    public FixupSignature fixup(long offset, long end, String structure) {
        SignatureReader r = new SignatureReader(file, offset, end, structure);
        return fixup(r, 0);
    }

    private FixupSignature fixup(SignatureReader r, int depth) {
        checkDepth(r, depth);
        int kindByte = r.readByte();
        int kind = kindByte & ~ReadyToRunFixupKind.ModuleOverride;
        int module = 0;
        int moduleOverride = -1;
        if ((kindByte & ReadyToRunFixupKind.ModuleOverride) != 0) {
            moduleOverride = r.readUInt();
            module = moduleOverride;
        }
        ReadyToRunFixupKind k = ReadyToRunFixupKind.fromValue(kind);
        if (k == null) {
            r.error(String.format("unknown fixup kind 0x%02X", kind));
            throw new FormatException(r.structure(), r.start(), String.format("unknown fixup kind 0x%02X", kind));
        }
        String payload;
        long stubRva = FixupSignature.NO_RVA;
        int helper = FixupSignature.NO_HELPER;
        MethodRef method = null;
        switch (k) {
            case ThisObjDictionaryLookup -> {
                String type = type(r, module, depth + 1);
                payload = type + ": " + fixup(r, depth + 1).text();
            }
            case TypeDictionaryLookup, MethodDictionaryLookup -> payload = fixup(r, depth + 1).text();
            case TypeHandle, NewObject, NewArray, IsInstanceOf, ChkCast, CctorTrigger, StaticBaseNonGC, StaticBaseGC,
                 ThreadStaticBaseNonGC, ThreadStaticBaseGC, FieldBaseOffset, TypeDictionary, DeclaringTypeHandle ->
                    payload = type(r, module, depth + 1);
            case MethodHandle, MethodEntry, VirtualEntry, MethodDictionary, IndirectPInvokeTarget, PInvokeTarget -> {
                method = method(r, module, depth + 1);
                payload = method.name();
            }
            case MethodEntry_DefToken, VirtualEntry_DefToken -> {
                int rid = r.readUInt();
                method = new MethodRef(0, module, MetadataTable.token(MetadataTable.METHODDEF, rid),
                        methodDefName(module, rid, null, r), List.of());
                payload = method.name();
            }
            case MethodEntry_RefToken, VirtualEntry_RefToken -> {
                int rid = r.readUInt();
                method = new MethodRef(ReadyToRunMethodSigFlags.MemberRefToken, module,
                        MetadataTable.token(MetadataTable.MEMBERREF, rid), memberRefName(module, rid, null, r), List.of());
                payload = method.name();
            }
            case VirtualEntry_Slot -> {
                int slot = r.readUInt();
                payload = type(r, module, depth + 1) + " slot #" + slot;
            }
            case Helper -> {
                helper = r.readUInt();
                payload = ReadyToRunHelper.nameOf(helper);
            }
            case StringHandle -> {
                int rid = r.readUInt();
                payload = String.format("string 0x%08X", 0x70000000 | rid);
            }
            case FieldHandle, FieldAddress, FieldOffset -> payload = field(r, module, depth + 1);
            case Check_FieldOffset -> {
                int expected = r.readUInt();
                payload = field(r, module, depth + 1) + " offset " + expected;
            }
            case Verify_FieldOffset -> {
                int first = r.readUInt();
                int second = r.readUInt();
                payload = field(r, module, depth + 1) + " offsets " + first + ", " + second;
            }
            case Check_TypeLayout, Verify_TypeLayout, ContinuationLayout ->
                    payload = type(r, module, depth + 1) + layout(r);
            case DelegateCtor -> {
                method = method(r, module, depth + 1);
                payload = method.name() + " => " + type(r, module, depth + 1);
            }
            case Check_InstructionSetSupport -> {
                int n = r.readUInt();
                checkCount(r, n);
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    int e = r.readUInt();
                    sb.append(i == 0 ? "" : " ").append("isa#").append(e >>> 1).append((e & 1) != 0 ? "+" : "-");
                }
                payload = sb.toString();
            }
            case Check_VirtualFunctionOverride, Verify_VirtualFunctionOverride -> {
                int flags = r.readUInt();
                String decl = method(r, module, depth + 1).name();
                String implType = type(r, module, depth + 1);
                payload = decl + " in " + implType + ((flags & 1) != 0 ? " overridden by " + method(r, module, depth + 1).name() : " not overridden");
            }
            case Check_IL_Body, Verify_IL_Body -> {
                int ilBytes = r.readUInt();
                r.readBytes(ilBytes);
                int types = r.readUInt();
                checkCount(r, types);
                for (int i = 0; i < types; i++) {
                    type(r, module, depth + 1);
                }
                payload = method(r, module, depth + 1).name() + " IL " + ilBytes + " bytes, " + types + " types";
            }
            case ResumptionStubEntryPoint -> {
                stubRva = r.readU32();
                payload = String.format("stub RVA 0x%X", stubRva);
            }
            case InjectStringThunks -> {
                StringBuilder sb = new StringBuilder();
                int n = 0;
                while (true) {
                    StringBuilder s = new StringBuilder();
                    int b;
                    while ((b = r.readByte()) != 0) {
                        s.append((char) b);
                    }
                    if (s.length() == 0) {
                        break;
                    }
                    long v = r.readU32();
                    sb.append(n++ == 0 ? "" : ", ").append('"').append(s).append('"').append(String.format(" 0x%X", v));
                }
                payload = sb.toString();
            }
            default -> throw new FormatException(r.structure(), r.start(), "fixup kind " + k + " has no decoder");
        }
        String text = k.name() + (moduleOverride >= 0 ? " [module " + moduleOverride + "]" : "") + " " + payload;
        return new FixupSignature(kindByte, kind, moduleOverride, text, stubRva, helper, method);
    }

    private String layout(SignatureReader r) {
        int flags = r.readUInt();
        int size = r.readUInt();
        StringBuilder sb = new StringBuilder(String.format(" flags 0x%X size %d", flags, size));
        if ((flags & LAYOUT_HFA) != 0) {
            sb.append(" hfa ").append(r.readUInt());
        }
        if ((flags & LAYOUT_ALIGNMENT) != 0 && (flags & LAYOUT_ALIGNMENT_NATIVE) == 0) {
            sb.append(" align ").append(r.readUInt());
        }
        if ((flags & LAYOUT_GCLAYOUT) != 0 && (flags & LAYOUT_GCLAYOUT_EMPTY) == 0) {
            // The runtime sizes the map from the rounded-up cell count (runtime-async.md B8).
            int bytes = ((size + pointerSize - 1) / pointerSize + 7) / 8;
            byte[] map = r.readBytes(bytes);
            sb.append(" gcmap ");
            for (byte b : map) {
                sb.append(String.format("%02x", b & 0xFF));
            }
        }
        return sb.toString();
    }

    /** Decodes a method signature (flags, [module], [owner type], token, [instantiation], [constraint]). */
    public MethodRef method(SignatureReader r, int module, int depth) {
        checkDepth(r, depth);
        int flags = r.readUInt();
        if ((flags & ReadyToRunMethodSigFlags.UpdateContext) != 0) {
            module = r.readUInt();
        }
        String owner = null;
        if ((flags & ReadyToRunMethodSigFlags.OwnerType) != 0) {
            owner = type(r, module, depth + 1);
        }
        int token;
        String name;
        if ((flags & ReadyToRunMethodSigFlags.SlotInsteadOfToken) != 0) {
            int slot = r.readUInt();
            token = 0;
            name = (owner != null ? owner : "?") + ".slot#" + slot;
        } else {
            int rid = r.readUInt();
            if ((flags & ReadyToRunMethodSigFlags.MemberRefToken) != 0) {
                token = MetadataTable.token(MetadataTable.MEMBERREF, rid);
                name = memberRefName(module, rid, owner, r);
            } else {
                token = MetadataTable.token(MetadataTable.METHODDEF, rid);
                name = methodDefName(module, rid, owner, r);
            }
        }
        List<String> inst = List.of();
        if ((flags & ReadyToRunMethodSigFlags.MethodInstantiation) != 0) {
            int n = r.readUInt();
            checkCount(r, n);
            inst = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                inst.add(type(r, module, depth + 1));
            }
            name = name + "<" + String.join(", ", inst) + ">";
        }
        if ((flags & ReadyToRunMethodSigFlags.Constrained) != 0) {
            name = name + " @ " + type(r, module, depth + 1);
        }
        return new MethodRef(flags, module, token, name, inst);
    }

    private String field(SignatureReader r, int module, int depth) {
        checkDepth(r, depth);
        int flags = r.readUInt();
        String owner = null;
        if ((flags & ReadyToRunFieldSigFlags.OwnerType) != 0) {
            owner = type(r, module, depth + 1);
        }
        int rid = r.readUInt();
        boolean memberRef = (flags & ReadyToRunFieldSigFlags.MemberRefToken) != 0;
        int token = MetadataTable.token(memberRef ? MetadataTable.MEMBERREF : MetadataTable.FIELD, rid);
        Metadata md = modules.metadataOf(module);
        if (md == null) {
            return (owner != null ? owner + "." : "") + foreignToken(module, token);
        }
        checkRid(r, md, memberRef ? MetadataTable.MEMBERREF : MetadataTable.FIELD, rid);
        String name = memberRef ? md.memberRef(rid).name() : md.fieldName(rid);
        return (owner != null ? owner : String.format("0x%08X", token)) + "." + name;
    }

    /** Decodes a type signature; {@code module} is the module its tokens belong to (0 = this image). */
    public String type(SignatureReader r, int module, int depth) {
        checkDepth(r, depth);
        int et = r.readByte();
        String primitive = CorElementType.primitiveName(et);
        if (primitive != null) {
            return primitive;
        }
        switch (et) {
            case CorElementType.CLASS, CorElementType.VALUETYPE -> {
                int coded = r.readUInt();
                int tag = coded & 3;
                int rid = coded >>> 2;
                int table = switch (tag) {
                    case 0 -> MetadataTable.TYPEDEF;
                    case 1 -> MetadataTable.TYPEREF;
                    case 2 -> MetadataTable.TYPESPEC;
                    default -> throw r.error("TypeDefOrRef coded index with tag 3");
                };
                int token = MetadataTable.token(table, rid);
                Metadata md = modules.metadataOf(module);
                if (md == null) {
                    return foreignToken(module, token);
                }
                checkRid(r, md, table, rid);
                return md.typeDefOrRefName(token);
            }
            case CorElementType.GENERICINST -> {
                String def = type(r, module, depth + 1);
                int n = r.readUInt();
                checkCount(r, n);
                List<String> args = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    args.add(type(r, module, depth + 1));
                }
                return def + "<" + String.join(", ", args) + ">";
            }
            case CorElementType.SZARRAY -> {
                return type(r, module, depth + 1) + "[]";
            }
            case CorElementType.ARRAY -> {
                String elem = type(r, module, depth + 1);
                int rank = r.readUInt();
                int sizes = r.readUInt();
                checkCount(r, sizes);
                for (int i = 0; i < sizes; i++) {
                    r.readUInt();
                }
                int bounds = r.readUInt();
                checkCount(r, bounds);
                for (int i = 0; i < bounds; i++) {
                    r.readUInt();
                }
                return elem + "[" + ",".repeat(Math.max(0, Math.min(rank, 32) - 1)) + "]";
            }
            case CorElementType.PTR -> {
                return type(r, module, depth + 1) + "*";
            }
            case CorElementType.BYREF -> {
                return type(r, module, depth + 1) + "&";
            }
            case CorElementType.VAR -> {
                return "!" + r.readUInt();
            }
            case CorElementType.MVAR -> {
                return "!!" + r.readUInt();
            }
            case CorElementType.CMOD_REQD, CorElementType.CMOD_OPT -> {
                r.readUInt();
                return type(r, module, depth + 1);
            }
            case CorElementType.PINNED -> {
                return type(r, module, depth + 1);
            }
            case CorElementType.FNPTR -> {
                int callConv = r.readByte();
                if ((callConv & 0x10) != 0) {
                    r.readUInt();
                }
                int params = r.readUInt();
                checkCount(r, params);
                String ret = type(r, module, depth + 1);
                List<String> ps = new ArrayList<>();
                for (int i = 0; i < params; i++) {
                    ps.add(type(r, module, depth + 1));
                }
                return "method " + ret + " *(" + String.join(", ", ps) + ")";
            }
            case CorElementType.CANON_ZAPSIG -> {
                return "System.__Canon";
            }
            case CorElementType.NATIVE_VALUETYPE_ZAPSIG -> {
                return "native " + type(r, module, depth + 1);
            }
            case CorElementType.MODULE_ZAPSIG -> {
                int m = r.readUInt();
                return type(r, m, depth + 1);
            }
            default -> {
                long at = r.position() - 1;
                throw new FormatException(r.structure(), at, String.format("element type 0x%02X is not valid in a type signature", et));
            }
        }
    }

    private String methodDefName(int module, int rid, String owner, SignatureReader r) {
        int token = MetadataTable.token(MetadataTable.METHODDEF, rid);
        Metadata md = modules.metadataOf(module);
        if (md == null) {
            return (owner != null ? owner + "." : "") + foreignToken(module, token);
        }
        checkRid(r, md, MetadataTable.METHODDEF, rid);
        return owner != null ? owner + "." + md.methodDef(rid).name() : md.methodDefName(rid);
    }

    private String memberRefName(int module, int rid, String owner, SignatureReader r) {
        int token = MetadataTable.token(MetadataTable.MEMBERREF, rid);
        Metadata md = modules.metadataOf(module);
        if (md == null) {
            return (owner != null ? owner + "." : "") + foreignToken(module, token);
        }
        checkRid(r, md, MetadataTable.MEMBERREF, rid);
        return owner != null ? owner + "." + md.memberRef(rid).name() : md.memberRefName(rid);
    }

    /** A token in another module, which cannot be named without that module's metadata. */
    private String foreignToken(int module, int token) {
        return String.format("[module %d%s]0x%08X", module, modules.describe(module), token);
    }

    private static void checkRid(SignatureReader r, Metadata md, int table, int rid) {
        int rows = md.rowCount(table);
        if (rid < 1 || rid > rows) {
            throw r.error(MetadataTable.name(table) + " rid " + rid + " is out of range (the table has " + rows + " rows)");
        }
    }

    private static void checkDepth(SignatureReader r, int depth) {
        if (depth > MAX_DEPTH) {
            throw r.error("signature nests deeper than " + MAX_DEPTH + " levels");
        }
    }

    /** A count inside a signature can never exceed the bytes left in the file. */
    private void checkCount(SignatureReader r, int n) {
        if (n < 0 || n > file.length() - r.position()) {
            throw r.error("count " + n + " exceeds the bytes left in the file");
        }
    }
}
