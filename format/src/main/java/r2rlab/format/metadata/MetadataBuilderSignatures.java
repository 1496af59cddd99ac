package r2rlab.format.metadata;

import r2rlab.format.r2r.CorElementType;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * Encodes the signature blobs (ECMA-335 II.23.2) that {@link MetadataBuilder} stores in #Blob:
 * MethodDefSig / MethodRefSig, FieldSig and TypeSpec. Types are built with the {@link Type}
 * factories, e.g. {@code genericInst(false, taskOfT, I4)} for {@code Task`1<int32>}.
 */
public final class MetadataBuilderSignatures {
    // Element types (II.23.1.16).
    public static final int ELEMENT_VOID = CorElementType.VOID;
    public static final int ELEMENT_BOOLEAN = CorElementType.BOOLEAN;
    public static final int ELEMENT_CHAR = CorElementType.CHAR;
    public static final int ELEMENT_I1 = CorElementType.I1;
    public static final int ELEMENT_U1 = CorElementType.U1;
    public static final int ELEMENT_I2 = CorElementType.I2;
    public static final int ELEMENT_U2 = CorElementType.U2;
    public static final int ELEMENT_I4 = CorElementType.I4;
    public static final int ELEMENT_U4 = CorElementType.U4;
    public static final int ELEMENT_I8 = CorElementType.I8;
    public static final int ELEMENT_U8 = CorElementType.U8;
    public static final int ELEMENT_R4 = CorElementType.R4;
    public static final int ELEMENT_R8 = CorElementType.R8;
    public static final int ELEMENT_STRING = CorElementType.STRING;
    public static final int ELEMENT_VALUETYPE = CorElementType.VALUETYPE;
    public static final int ELEMENT_CLASS = CorElementType.CLASS;
    public static final int ELEMENT_VAR = CorElementType.VAR;
    public static final int ELEMENT_GENERICINST = CorElementType.GENERICINST;
    public static final int ELEMENT_I = CorElementType.I;
    public static final int ELEMENT_U = CorElementType.U;
    public static final int ELEMENT_OBJECT = CorElementType.OBJECT;
    public static final int ELEMENT_SZARRAY = CorElementType.SZARRAY;
    public static final int ELEMENT_MVAR = CorElementType.MVAR;
    public static final int ELEMENT_BYREF = CorElementType.BYREF;

    // Calling convention bytes (II.23.2.1).
    public static final int CALLCONV_DEFAULT = 0x00;
    public static final int CALLCONV_FIELD = 0x06;
    public static final int CALLCONV_HASTHIS = 0x20;

    public static final Type VOID = primitive(ELEMENT_VOID);
    public static final Type BOOLEAN = primitive(ELEMENT_BOOLEAN);
    public static final Type CHAR = primitive(ELEMENT_CHAR);
    public static final Type I1 = primitive(ELEMENT_I1);
    public static final Type U1 = primitive(ELEMENT_U1);
    public static final Type I2 = primitive(ELEMENT_I2);
    public static final Type U2 = primitive(ELEMENT_U2);
    public static final Type I4 = primitive(ELEMENT_I4);
    public static final Type U4 = primitive(ELEMENT_U4);
    public static final Type I8 = primitive(ELEMENT_I8);
    public static final Type U8 = primitive(ELEMENT_U8);
    public static final Type R4 = primitive(ELEMENT_R4);
    public static final Type R8 = primitive(ELEMENT_R8);
    public static final Type STRING = primitive(ELEMENT_STRING);
    public static final Type INTPTR = primitive(ELEMENT_I);
    public static final Type UINTPTR = primitive(ELEMENT_U);
    public static final Type OBJECT = primitive(ELEMENT_OBJECT);

    /** An encoded Type (II.23.2.12); immutable. */
    public static final class Type {
        private final byte[] bytes;

        private Type(byte[] bytes) {
            this.bytes = bytes;
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
        if (elementType < 0 || elementType > 0xFF) {
            throw new IllegalArgumentException("element type " + elementType + " is not a byte");
        }
        return new Type(new byte[] {(byte) elementType});
    }

    /** CLASS TypeDefOrRefEncoded; {@code token} is a TypeDef, TypeRef or TypeSpec token. */
    public static Type classType(int token) {
        return tokenType(ELEMENT_CLASS, token);
    }

    /** VALUETYPE TypeDefOrRefEncoded. */
    public static Type valueType(int token) {
        return tokenType(ELEMENT_VALUETYPE, token);
    }

    /** GENERICINST (CLASS|VALUETYPE) genericType argCount args, e.g. Task`1&lt;int32&gt;. */
    public static Type genericInst(boolean isValueType, int genericTypeToken, Type... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("a generic instantiation needs at least one type argument");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ELEMENT_GENERICINST);
        out.write(isValueType ? ELEMENT_VALUETYPE : ELEMENT_CLASS);
        writeCompressed(out, typeDefOrRefEncoded(genericTypeToken));
        writeCompressed(out, args.length);
        for (Type a : args) {
            out.writeBytes(a.bytes);
        }
        return new Type(out.toByteArray());
    }

    /** BYREF type: a managed pointer (ref/out parameters). */
    public static Type byRef(Type target) {
        byte[] b = new byte[target.bytes.length + 1];
        b[0] = ELEMENT_BYREF;
        System.arraycopy(target.bytes, 0, b, 1, target.bytes.length);
        return new Type(b);
    }

    /** SZARRAY element. */
    public static Type szArray(Type element) {
        byte[] b = new byte[element.bytes.length + 1];
        b[0] = ELEMENT_SZARRAY;
        System.arraycopy(element.bytes, 0, b, 1, element.bytes.length);
        return new Type(b);
    }

    /** VAR number: a generic parameter of the enclosing type ("!n"). */
    public static Type typeVar(int number) {
        return numbered(ELEMENT_VAR, number);
    }

    /** MVAR number: a generic parameter of the method ("!!n"). */
    public static Type methodVar(int number) {
        return numbered(ELEMENT_MVAR, number);
    }

    /** MethodDefSig / MethodRefSig without generic parameters: callconv, paramCount, retType, params. */
    public static byte[] methodSig(boolean instance, Type returnType, Type... params) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(instance ? CALLCONV_HASTHIS : CALLCONV_DEFAULT);
        writeCompressed(out, params.length);
        out.writeBytes(returnType.bytes);
        for (Type p : params) {
            out.writeBytes(p.bytes);
        }
        return out.toByteArray();
    }

    /** FieldSig: FIELD type. */
    public static byte[] fieldSig(Type type) {
        byte[] b = new byte[type.bytes.length + 1];
        b[0] = CALLCONV_FIELD;
        System.arraycopy(type.bytes, 0, b, 1, type.bytes.length);
        return b;
    }

    /** A TypeSpec blob: just the encoded type. */
    public static byte[] typeSpec(Type type) {
        return type.bytes();
    }

    /** TypeDefOrRefEncoded (II.23.2.8): {@code rid << 2 | tag}, before compression. */
    public static int typeDefOrRefEncoded(int token) {
        return MetadataBuilder.codedIndex(CodedIndex.TYPE_DEF_OR_REF, token);
    }

    /** ECMA-335 II.23.2 compressed unsigned integer (0..0x1FFFFFFF). */
    public static byte[] compressUnsigned(int value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeCompressed(out, value);
        return out.toByteArray();
    }

    static void writeCompressed(ByteArrayOutputStream out, int value) {
        r2rlab.format.CompressedInteger.write(out, value);
    }

    private static Type tokenType(int elementType, int token) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(elementType);
        writeCompressed(out, typeDefOrRefEncoded(token));
        return new Type(out.toByteArray());
    }

    private static Type numbered(int elementType, int number) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(elementType);
        writeCompressed(out, number);
        return new Type(out.toByteArray());
    }
}
