package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import r2rlab.format.CompressedInteger;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.SignatureType.Array;
import r2rlab.format.metadata.SignatureType.ByRef;
import r2rlab.format.metadata.SignatureType.Canon;
import r2rlab.format.metadata.SignatureType.FnPtr;
import r2rlab.format.metadata.SignatureType.GenericInst;
import r2rlab.format.metadata.SignatureType.GenericParam;
import r2rlab.format.metadata.SignatureType.Modified;
import r2rlab.format.metadata.SignatureType.ModuleOverride;
import r2rlab.format.metadata.SignatureType.NativeValueType;
import r2rlab.format.metadata.SignatureType.Pinned;
import r2rlab.format.metadata.SignatureType.Primitive;
import r2rlab.format.metadata.SignatureType.Ptr;
import r2rlab.format.metadata.SignatureType.SzArray;
import r2rlab.format.metadata.SignatureType.TypeDefOrRef;
import r2rlab.format.r2r.CorElementType;

/**
 * ECMA-335 signature blobs (II.23.2): Type, MethodDefSig/MethodRefSig, FieldSig and the MethodSpec
 * instantiation, read from a {@link SignatureReader} into {@link SignatureType} and
 * {@link MethodSignature} and written back to the same bytes. Each reader sits beside its writer.
 *
 * <p>Reading rejects what cannot be a signature with a {@link FormatException} at
 * the offending byte: unknown element types, a TypeDefOrRefOrSpecEncoded with tag 3 or row 0 (or,
 * given the metadata's row counts, a row past its table), counts larger than the bytes left, array
 * ranks outside 1..{@value #MAX_RANK}, nesting deeper than {@value #MAX_DEPTH} levels.
 */
public final class SignatureCodec {
    /** Bound on type nesting so corrupt input cannot overflow the stack. */
    public static final int MAX_DEPTH = 64;
    public static final int MAX_RANK = 32;

    private final SignatureReader r;
    private final IntUnaryOperator rowCount;
    private final boolean zapsig;

    private SignatureCodec(SignatureReader r, IntUnaryOperator rowCount, boolean zapsig) {
        this.r = r;
        this.rowCount = rowCount;
        this.zapsig = zapsig;
    }

    /** A reader of the signature at {@code r}'s position; type tokens are checked for tag and non-null row. */
    public static SignatureCodec reading(SignatureReader r) {
        return new SignatureCodec(r, null, false);
    }

    /** As {@link #reading(SignatureReader)}, also checking type tokens against the tables' row counts. */
    public static SignatureCodec reading(SignatureReader r, IntUnaryOperator rowCount) {
        return new SignatureCodec(r, rowCount, false);
    }

    /**
     * A reader of a type inside a ReadyToRun signature, where the zapsig element types may appear;
     * tokens may belong to other modules, so only their tag and row are checked.
     */
    public static SignatureCodec readingReadyToRun(SignatureReader r) {
        return new SignatureCodec(r, null, true);
    }

    // ---------------------------------------------------------------- Type (II.23.2.12)

    public SignatureType type() {
        return type(0);
    }

    private SignatureType type(int depth) {
        if (depth > MAX_DEPTH) {
            throw r.error("type signature nests deeper than " + MAX_DEPTH + " levels");
        }
        long at = r.position();
        int et = r.readByte();
        if (CorElementType.primitiveName(et) != null) {
            return new Primitive(et);
        }
        switch (et) {
            case CorElementType.CLASS, CorElementType.VALUETYPE:
                return new TypeDefOrRef(et, typeToken());
            case CorElementType.GENERICINST: {
                SignatureType generic = type(depth + 1);
                long argsAt = r.position();
                int n = count("generic argument count");
                if (n == 0) {
                    throw r.error(argsAt, "generic instantiation has no arguments");
                }
                List<SignatureType> args = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    args.add(type(depth + 1));
                }
                return new GenericInst(generic, args);
            }
            case CorElementType.SZARRAY:
                return new SzArray(type(depth + 1));
            case CorElementType.ARRAY:
                return array(type(depth + 1));
            case CorElementType.PTR:
                return new Ptr(type(depth + 1));
            case CorElementType.BYREF:
                return new ByRef(type(depth + 1));
            case CorElementType.PINNED:
                return new Pinned(type(depth + 1));
            case CorElementType.VAR, CorElementType.MVAR:
                return new GenericParam(et, r.readUInt());
            case CorElementType.FNPTR:
                return new FnPtr(methodSignature(depth + 1));
            case CorElementType.CMOD_REQD, CorElementType.CMOD_OPT: {
                int modifier = typeToken();
                return new Modified(et, modifier, type(depth + 1));
            }
            case CorElementType.CANON_ZAPSIG:
                if (zapsig) {
                    return new Canon();
                }
                break;
            case CorElementType.NATIVE_VALUETYPE_ZAPSIG:
                if (zapsig) {
                    return new NativeValueType(type(depth + 1));
                }
                break;
            case CorElementType.MODULE_ZAPSIG:
                if (zapsig) {
                    int module = r.readUInt();
                    return new ModuleOverride(module, type(depth + 1));
                }
                break;
            default:
                break;
        }
        throw r.error(at, String.format("element type 0x%02X is not valid in a type signature", et));
    }


    public static void write(ByteArrayOutputStream out, SignatureType type) {
        out.write(type.elementType());
        if (type instanceof TypeDefOrRef t) {
            writeTypeToken(out, t.token());
        } else if (type instanceof GenericInst g) {
            write(out, g.type());
            CompressedInteger.write(out, g.arguments().size());
            for (SignatureType a : g.arguments()) {
                write(out, a);
            }
        } else if (type instanceof SzArray a) {
            write(out, a.element());
        } else if (type instanceof Array a) {
            write(out, a.element());
            CompressedInteger.write(out, a.rank());
            CompressedInteger.write(out, a.sizes().size());
            for (int size : a.sizes()) {
                CompressedInteger.write(out, size);
            }
            CompressedInteger.write(out, a.lowerBounds().size());
            for (int bound : a.lowerBounds()) {
                CompressedInteger.writeSigned(out, bound);
            }
        } else if (type instanceof Ptr p) {
            write(out, p.target());
        } else if (type instanceof ByRef b) {
            write(out, b.target());
        } else if (type instanceof Pinned p) {
            write(out, p.type());
        } else if (type instanceof GenericParam g) {
            CompressedInteger.write(out, g.number());
        } else if (type instanceof FnPtr f) {
            write(out, f.signature());
        } else if (type instanceof Modified m) {
            writeTypeToken(out, m.modifier());
            write(out, m.type());
        } else if (type instanceof NativeValueType n) {
            write(out, n.type());
        } else if (type instanceof ModuleOverride m) {
            CompressedInteger.write(out, m.module());
            write(out, m.type());
        }
        // A Primitive or Canon is its element type byte alone.
    }

    /** The ArrayShape after an ARRAY's element type: rank, sizes, lower bounds. */
    private Array array(SignatureType element) {
        long rankAt = r.position();
        int rank = r.readUInt();
        if (rank == 0 || rank > MAX_RANK) {
            throw r.error(rankAt, "array rank " + rank + " is not in 1.." + MAX_RANK);
        }
        int sizeCount = count("array size count");
        List<Integer> sizes = new ArrayList<>(sizeCount);
        for (int i = 0; i < sizeCount; i++) {
            sizes.add(r.readUInt());
        }
        int boundCount = count("array lower bound count");
        List<Integer> bounds = new ArrayList<>(boundCount);
        for (int i = 0; i < boundCount; i++) {
            bounds.add(r.readInt());
        }
        return new Array(element, rank, sizes, bounds);
    }

    // ---------------------------------------------------------------- MethodDefSig / MethodRefSig

    public MethodSignature methodSignature() {
        return methodSignature(0);
    }

    private MethodSignature methodSignature(int depth) {
        int conv = r.readByte();
        int generics = (conv & CallingConvention.GENERIC) != 0 ? r.readUInt() : 0;
        int n = count("parameter count");
        SignatureType ret = type(depth);
        List<SignatureType> params = new ArrayList<>(n);
        int sentinel = MethodSignature.NO_SENTINEL;
        for (int i = 0; i < n; i++) {
            if (r.peekByte() == CorElementType.SENTINEL) {
                if (sentinel != MethodSignature.NO_SENTINEL) {
                    throw r.error("a second SENTINEL in one method signature");
                }
                r.readByte();
                sentinel = i;
            }
            params.add(type(depth));
        }
        return new MethodSignature(conv, generics, ret, params, sentinel);
    }

    public static void write(ByteArrayOutputStream out, MethodSignature sig) {
        out.write(sig.callingConvention());
        if (sig.isGeneric()) {
            CompressedInteger.write(out, sig.genericParameterCount());
        }
        CompressedInteger.write(out, sig.parameters().size());
        write(out, sig.returnType());
        for (int i = 0; i < sig.parameters().size(); i++) {
            if (i == sig.sentinel()) {
                out.write(CorElementType.SENTINEL);
            }
            write(out, sig.parameters().get(i));
        }
    }

    // ---------------------------------------------------------------- FieldSig (II.23.2.4)

    public SignatureType fieldSignature() {
        long at = r.position();
        int conv = r.readByte();
        if (conv != CallingConvention.FIELD) {
            throw r.error(at, String.format("FieldSig starts with 0x%02X instead of 0x%02X", conv,
                    CallingConvention.FIELD));
        }
        return type(0);
    }

    public static void writeField(ByteArrayOutputStream out, SignatureType type) {
        out.write(CallingConvention.FIELD);
        write(out, type);
    }

    // ---------------------------------------------------------------- MethodSpec (II.23.2.15)

    /** The type arguments of a MethodSpec instantiation blob (GENERICINST, count, types). */
    public List<SignatureType> methodInstantiation() {
        long at = r.position();
        int kind = r.readByte();
        if (kind != CallingConvention.GENERICINST) {
            throw r.error(at, String.format("MethodSpec blob starts with 0x%02X instead of 0x%02X", kind,
                    CallingConvention.GENERICINST));
        }
        int n = count("generic argument count");
        List<SignatureType> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            args.add(type(1));
        }
        return args;
    }

    public static void writeMethodInstantiation(ByteArrayOutputStream out, List<SignatureType> arguments) {
        out.write(CallingConvention.GENERICINST);
        CompressedInteger.write(out, arguments.size());
        for (SignatureType a : arguments) {
            write(out, a);
        }
    }

    // ---------------------------------------------------------------- encodings

    /** The bytes of a Type: a TypeSpec blob. */
    public static byte[] encode(SignatureType type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, type);
        return out.toByteArray();
    }

    public static byte[] encode(MethodSignature sig) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, sig);
        return out.toByteArray();
    }

    private int count(String what) {
        return r.readCount(what);
    }

    /** TypeDefOrRefOrSpecEncoded (II.23.2.8): a TypeDefOrRef coded index, compressed. */
    private int typeToken() {
        long at = r.position();
        int value = r.readUInt();
        CodedIndex coded = CodedIndex.TYPE_DEF_OR_REF;
        int table = coded.tableOf(value);
        if (table < 0) {
            throw r.error(at, String.format("TypeDefOrRefOrSpecEncoded 0x%X has tag %d", value,
                    value & ((1 << coded.tagBits()) - 1)));
        }
        int rid = coded.ridOf(value);
        int rows = rowCount != null ? rowCount.applyAsInt(table) : Integer.MAX_VALUE;
        if (rid == 0 || rid > rows) {
            throw r.error(at, "type token refers to " + MetadataTable.name(table) + " row " + rid
                    + (rowCount != null ? " but that table has " + rows + " rows" : ""));
        }
        return token(table, rid);
    }

    private static void writeTypeToken(ByteArrayOutputStream out, int token) {
        CompressedInteger.write(out, CodedIndex.TYPE_DEF_OR_REF.encode(token));
    }
}
