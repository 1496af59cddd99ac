package r2rlab.format.metadata;

import static r2rlab.format.metadata.MetadataTable.*;

import java.util.List;
import r2rlab.format.r2r.CorElementType;

/**
 * A Type of an ECMA-335 signature (II.23.2.12), decoded: one record per element-type shape, plus
 * the zapsig extensions of corcompile.h that ReadyToRun fixup signatures add ({@link Canon},
 * {@link NativeValueType}, {@link ModuleOverride}).
 * {@link SignatureCodec} reads and writes it; {@link #elementType()} is the byte it starts with.
 * Tokens are TypeDef, TypeRef or TypeSpec tokens ({@link MetadataTable#token}).
 */
public sealed interface SignatureType {
    /** The CorElementType byte the encoded type starts with. */
    int elementType();

    /** A type that is one element type byte: VOID, BOOLEAN .. R8, STRING, TYPEDBYREF, I, U, OBJECT. */
    record Primitive(int elementType) implements SignatureType {
        public Primitive {
            if (CorElementType.primitiveName(elementType) == null) {
                throw new IllegalArgumentException(String.format("element type 0x%02X is not a primitive",
                        elementType));
            }
        }
    }

    /** CLASS or VALUETYPE followed by a TypeDefOrRefOrSpecEncoded token. */
    record TypeDefOrRef(int elementType, int token) implements SignatureType {
        public TypeDefOrRef {
            require(elementType, CorElementType.CLASS, CorElementType.VALUETYPE);
            requireTypeToken(token);
        }
    }

    /** GENERICINST: a generic type (normally a {@link TypeDefOrRef}) and its type arguments. */
    record GenericInst(SignatureType type, List<SignatureType> arguments) implements SignatureType {
        public GenericInst {
            arguments = List.copyOf(arguments);
            if (arguments.isEmpty()) {
                throw new IllegalArgumentException("a generic instantiation needs at least one type argument");
            }
        }

        @Override
        public int elementType() {
            return CorElementType.GENERICINST;
        }
    }

    /** SZARRAY: a single-dimensional, zero-based array. */
    record SzArray(SignatureType element) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.SZARRAY;
        }
    }

    /** ARRAY: element type and ArrayShape (rank, sizes, signed lower bounds; II.23.2.13). */
    record Array(SignatureType element, int rank, List<Integer> sizes, List<Integer> lowerBounds)
            implements SignatureType {
        public Array {
            sizes = List.copyOf(sizes);
            lowerBounds = List.copyOf(lowerBounds);
        }

        @Override
        public int elementType() {
            return CorElementType.ARRAY;
        }
    }

    /** PTR: an unmanaged pointer. */
    record Ptr(SignatureType target) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.PTR;
        }
    }

    /** BYREF: a managed pointer (ref and out parameters). */
    record ByRef(SignatureType target) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.BYREF;
        }
    }

    /** PINNED: a pinned local. */
    record Pinned(SignatureType type) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.PINNED;
        }
    }

    /** VAR (a generic parameter of the type, "!n") or MVAR (of the method, "!!n"). */
    record GenericParam(int elementType, int number) implements SignatureType {
        public GenericParam {
            require(elementType, CorElementType.VAR, CorElementType.MVAR);
        }
    }

    /** FNPTR: a function pointer with its method signature. */
    record FnPtr(MethodSignature signature) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.FNPTR;
        }
    }

    /** CMOD_REQD or CMOD_OPT: a custom modifier type token in front of the type it modifies. */
    record Modified(int elementType, int modifier, SignatureType type) implements SignatureType {
        public Modified {
            require(elementType, CorElementType.CMOD_REQD, CorElementType.CMOD_OPT);
            requireTypeToken(modifier);
        }
    }

    /** System.__Canon (CANON_ZAPSIG): the shared-generics placeholder of ReadyToRun signatures. */
    record Canon() implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.CANON_ZAPSIG;
        }
    }

    /** NATIVE_VALUETYPE_ZAPSIG: the native layout of a value type (ReadyToRun signatures). */
    record NativeValueType(SignatureType type) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.NATIVE_VALUETYPE_ZAPSIG;
        }
    }

    /** MODULE_ZAPSIG: the tokens of {@code type} live in module {@code module} (ReadyToRun signatures). */
    record ModuleOverride(int module, SignatureType type) implements SignatureType {
        @Override
        public int elementType() {
            return CorElementType.MODULE_ZAPSIG;
        }
    }

    private static void require(int elementType, int a, int b) {
        if (elementType != a && elementType != b) {
            throw new IllegalArgumentException(String.format("element type 0x%02X is neither 0x%02X nor 0x%02X",
                    elementType, a, b));
        }
    }

    private static void requireTypeToken(int token) {
        int table = table(token);
        if ((table != TYPEDEF && table != TYPEREF && table != TYPESPEC) || rid(token) == 0) {
            throw new IllegalArgumentException("not a TypeDef, TypeRef or TypeSpec token: " + describe(token));
        }
    }
}
