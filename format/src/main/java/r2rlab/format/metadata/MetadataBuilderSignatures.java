package r2rlab.format.metadata;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import r2rlab.format.metadata.SignatureType.ByRef;
import r2rlab.format.metadata.SignatureType.GenericInst;
import r2rlab.format.metadata.SignatureType.GenericParam;
import r2rlab.format.metadata.SignatureType.Primitive;
import r2rlab.format.metadata.SignatureType.SzArray;
import r2rlab.format.metadata.SignatureType.TypeDefOrRef;
import r2rlab.format.r2r.CorElementType;

/**
 * Builds the signature blobs (ECMA-335 II.23.2) that {@link MetadataBuilder} stores in #Blob:
 * MethodDefSig / MethodRefSig, FieldSig and TypeSpec. Types are built with the {@link Type}
 * factories, e.g. {@code genericInst(false, taskOfT, I4)} for {@code Task`1<int32>}, and encoded by
 * {@link SignatureCodec}, the codec {@link Metadata} reads them back with.
 */
public final class MetadataBuilderSignatures {
    public static final Type VOID = primitive(CorElementType.VOID);
    public static final Type BOOLEAN = primitive(CorElementType.BOOLEAN);
    public static final Type CHAR = primitive(CorElementType.CHAR);
    public static final Type I1 = primitive(CorElementType.I1);
    public static final Type U1 = primitive(CorElementType.U1);
    public static final Type I2 = primitive(CorElementType.I2);
    public static final Type U2 = primitive(CorElementType.U2);
    public static final Type I4 = primitive(CorElementType.I4);
    public static final Type U4 = primitive(CorElementType.U4);
    public static final Type I8 = primitive(CorElementType.I8);
    public static final Type U8 = primitive(CorElementType.U8);
    public static final Type R4 = primitive(CorElementType.R4);
    public static final Type R8 = primitive(CorElementType.R8);
    public static final Type STRING = primitive(CorElementType.STRING);
    public static final Type INTPTR = primitive(CorElementType.I);
    public static final Type UINTPTR = primitive(CorElementType.U);
    public static final Type OBJECT = primitive(CorElementType.OBJECT);

    /** A Type (II.23.2.12) and its encoding; immutable. */
    public static final class Type {
        private final SignatureType type;
        private final byte[] bytes;

        private Type(SignatureType type) {
            this.type = type;
            this.bytes = SignatureCodec.encode(type);
        }

        /** The decoded form. */
        public SignatureType signatureType() {
            return type;
        }

        /** The encoded bytes (a copy). */
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Type t && Arrays.equals(bytes, t.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private MetadataBuilderSignatures() {
    }

    /** A type that is a single element type byte (void, int32, string, object, ...). */
    public static Type primitive(int elementType) {
        return new Type(new Primitive(elementType));
    }

    /** CLASS TypeDefOrRefEncoded; {@code token} is a TypeDef, TypeRef or TypeSpec token. */
    public static Type classType(int token) {
        return new Type(new TypeDefOrRef(CorElementType.CLASS, token));
    }

    /** VALUETYPE TypeDefOrRefEncoded. */
    public static Type valueType(int token) {
        return new Type(new TypeDefOrRef(CorElementType.VALUETYPE, token));
    }

    /** GENERICINST (CLASS|VALUETYPE) genericType argCount args, e.g. Task`1&lt;int32&gt;. */
    public static Type genericInst(boolean isValueType, int genericTypeToken, Type... args) {
        int kind = isValueType ? CorElementType.VALUETYPE : CorElementType.CLASS;
        return new Type(new GenericInst(new TypeDefOrRef(kind, genericTypeToken), types(args)));
    }

    /** BYREF type: a managed pointer (ref/out parameters). */
    public static Type byRef(Type target) {
        return new Type(new ByRef(target.type));
    }

    /** SZARRAY element. */
    public static Type szArray(Type element) {
        return new Type(new SzArray(element.type));
    }

    /** VAR number: a generic parameter of the enclosing type ("!n"). */
    public static Type typeVar(int number) {
        return new Type(new GenericParam(CorElementType.VAR, number));
    }

    /** MVAR number: a generic parameter of the method ("!!n"). */
    public static Type methodVar(int number) {
        return new Type(new GenericParam(CorElementType.MVAR, number));
    }

    /** MethodDefSig / MethodRefSig without generic parameters: callconv, paramCount, retType, params. */
    public static byte[] methodSig(boolean instance, Type returnType, Type... params) {
        int conv = instance ? CallingConvention.HASTHIS : CallingConvention.DEFAULT;
        return SignatureCodec.encode(new MethodSignature(conv, returnType.type, types(params)));
    }

    /** MethodDefSig / MethodRefSig of a generic method: callconv | GENERIC, genParamCount, paramCount, retType, params. */
    public static byte[] genericMethodSig(boolean instance, int genericParameters, Type returnType, Type... params) {
        int conv = (instance ? CallingConvention.HASTHIS : CallingConvention.DEFAULT) | CallingConvention.GENERIC;
        return SignatureCodec.encode(new MethodSignature(conv, genericParameters, returnType.type, types(params), MethodSignature.NO_SENTINEL));
    }

    /** FieldSig: FIELD type. */
    public static byte[] fieldSig(Type type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SignatureCodec.writeField(out, type.type);
        return out.toByteArray();
    }

    /** A TypeSpec blob: just the encoded type. */
    public static byte[] typeSpec(Type type) {
        return type.bytes();
    }

    /** TypeDefOrRefEncoded (II.23.2.8): {@code rid << 2 | tag}, before compression. */
    public static int typeDefOrRefEncoded(int token) {
        return CodedIndex.TYPE_DEF_OR_REF.encode(token);
    }

    private static List<SignatureType> types(Type[] types) {
        return Arrays.stream(types).map(t -> t.type).toList();
    }
}
