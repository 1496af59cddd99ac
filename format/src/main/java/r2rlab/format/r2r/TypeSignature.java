package r2rlab.format.r2r;

import java.util.ArrayList;
import java.util.List;
import r2rlab.format.FormatException;
import r2rlab.format.SignatureReader;
import r2rlab.format.metadata.CodedIndex;

/**
 * A type signature as ReadyToRun fixups carry it: ECMA-335 II.23.2.12 plus the zapsig extensions
 * of corcompile.h (System.__Canon, native value types, and the module override that switches the
 * token context to another module). Tokens stay tokens: naming them needs the module's metadata,
 * which is the reader's business, not the encoding's.
 */
public sealed interface TypeSignature {
    /** Bound on nesting (generic arguments, arrays of arrays) so corrupt input cannot overflow the stack. */
    int MAX_DEPTH = 64;

    void write(SignatureWriter w);

    /** An element type with no payload: the primitives, System.__Canon. */
    record Simple(int elementType) implements TypeSignature {
        @Override
        public void write(SignatureWriter w) {
            w.u8(elementType);
        }
    }

    /** CLASS or VALUETYPE followed by a TypeDefOrRef coded index. */
    record TypeToken(int elementType, int codedIndex) implements TypeSignature {
        /** The TypeDef (tag 0), TypeRef (1) or TypeSpec (2) token the coded index names. */
        public int token() {
            return CodedIndex.TYPE_DEF_OR_REF.decode(codedIndex);
        }

        @Override
        public void write(SignatureWriter w) {
            w.u8(elementType).compressed(codedIndex);
        }
    }

    /** GENERICINST: the generic type definition and its type arguments. */
    record GenericInstance(TypeSignature definition, List<TypeSignature> arguments) implements TypeSignature {
        public GenericInstance {
            arguments = List.copyOf(arguments);
        }

        @Override
        public void write(SignatureWriter w) {
            w.u8(CorElementType.GENERICINST);
            definition.write(w);
            w.compressed(arguments.size());
            arguments.forEach(a -> a.write(w));
        }
    }

    /** An element type followed by one type: SZARRAY, PTR, BYREF, PINNED, NATIVE_VALUETYPE_ZAPSIG. */
    record Wrapped(int elementType, TypeSignature inner) implements TypeSignature {
        @Override
        public void write(SignatureWriter w) {
            w.u8(elementType);
            inner.write(w);
        }
    }

    /** ARRAY: element type, rank, sizes and lower bounds (II.23.2.13). */
    record Array(TypeSignature element, int rank, List<Integer> sizes, List<Integer> lowerBounds) implements TypeSignature {
        public Array {
            sizes = List.copyOf(sizes);
            lowerBounds = List.copyOf(lowerBounds);
        }

        @Override
        public void write(SignatureWriter w) {
            w.u8(CorElementType.ARRAY);
            element.write(w);
            w.compressed(rank).compressed(sizes.size());
            sizes.forEach(w::compressed);
            w.compressed(lowerBounds.size());
            lowerBounds.forEach(w::compressed);
        }
    }

    /** VAR (a type's generic parameter) or MVAR (a method's). */
    record GenericParameter(int elementType, int index) implements TypeSignature {
        @Override
        public void write(SignatureWriter w) {
            w.u8(elementType).compressed(index);
        }
    }

    /** CMOD_REQD / CMOD_OPT with its TypeDefOrRef coded index, modifying the type that follows. */
    record CustomModifier(int elementType, int codedIndex, TypeSignature inner) implements TypeSignature {
        @Override
        public void write(SignatureWriter w) {
            w.u8(elementType).compressed(codedIndex);
            inner.write(w);
        }
    }

    /** FNPTR: a method signature (calling convention, [generic count], parameter count, return, parameters). */
    record FunctionPointer(int callingConvention, int genericParameterCount, TypeSignature returnType,
                           List<TypeSignature> parameters) implements TypeSignature {
        /** IMAGE_CEE_CS_CALLCONV_GENERIC: a generic parameter count follows the calling convention. */
        public static final int GENERIC = 0x10;

        public FunctionPointer {
            parameters = List.copyOf(parameters);
        }

        @Override
        public void write(SignatureWriter w) {
            w.u8(CorElementType.FNPTR).u8(callingConvention);
            if ((callingConvention & GENERIC) != 0) {
                w.compressed(genericParameterCount);
            }
            w.compressed(parameters.size());
            returnType.write(w);
            parameters.forEach(p -> p.write(w));
        }
    }

    /** MODULE_ZAPSIG: the tokens of the inner type live in module {@code module}. */
    record ModuleOverride(int module, TypeSignature inner) implements TypeSignature {
        @Override
        public void write(SignatureWriter w) {
            w.u8(CorElementType.MODULE_ZAPSIG).compressed(module);
            inner.write(w);
        }
    }

    static TypeSignature read(SignatureReader r) {
        return read(r, 0);
    }

    static TypeSignature read(SignatureReader r, int depth) {
        if (depth > MAX_DEPTH) {
            throw r.error("signature nests deeper than " + MAX_DEPTH + " levels");
        }
        int et = r.readByte();
        if (CorElementType.primitiveName(et) != null || et == CorElementType.CANON_ZAPSIG) {
            return new Simple(et);
        }
        return switch (et) {
            case CorElementType.CLASS, CorElementType.VALUETYPE -> {
                int coded = r.readUInt();
                if ((coded & 3) == 3) {
                    throw r.error("TypeDefOrRef coded index with tag 3");
                }
                yield new TypeToken(et, coded);
            }
            case CorElementType.GENERICINST -> {
                TypeSignature def = read(r, depth + 1);
                int n = count(r);
                List<TypeSignature> args = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    args.add(read(r, depth + 1));
                }
                yield new GenericInstance(def, args);
            }
            case CorElementType.SZARRAY, CorElementType.PTR, CorElementType.BYREF, CorElementType.PINNED,
                 CorElementType.NATIVE_VALUETYPE_ZAPSIG -> new Wrapped(et, read(r, depth + 1));
            case CorElementType.ARRAY -> {
                TypeSignature elem = read(r, depth + 1);
                int rank = r.readUInt();
                List<Integer> sizes = integers(r);
                List<Integer> bounds = integers(r);
                yield new Array(elem, rank, sizes, bounds);
            }
            case CorElementType.VAR, CorElementType.MVAR -> new GenericParameter(et, r.readUInt());
            case CorElementType.CMOD_REQD, CorElementType.CMOD_OPT -> new CustomModifier(et, r.readUInt(), read(r, depth + 1));
            case CorElementType.FNPTR -> {
                int callConv = r.readByte();
                int generic = (callConv & FunctionPointer.GENERIC) != 0 ? r.readUInt() : 0;
                int params = count(r);
                TypeSignature ret = read(r, depth + 1);
                List<TypeSignature> ps = new ArrayList<>(params);
                for (int i = 0; i < params; i++) {
                    ps.add(read(r, depth + 1));
                }
                yield new FunctionPointer(callConv, generic, ret, ps);
            }
            case CorElementType.MODULE_ZAPSIG -> {
                int m = r.readUInt();
                yield new ModuleOverride(m, read(r, depth + 1));
            }
            default -> throw new FormatException(r.structure(), r.position() - 1,
                    String.format("element type 0x%02X is not valid in a type signature", et));
        };
    }

    private static List<Integer> integers(SignatureReader r) {
        int n = count(r);
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(r.readUInt());
        }
        return out;
    }

    /** A count inside a signature: every counted item takes at least one byte, so it cannot exceed what is left. */
    static int count(SignatureReader r) {
        int n = r.readUInt();
        if (n > r.remaining()) {
            throw r.error("count " + n + " exceeds the " + r.remaining() + " byte(s) left in the signature");
        }
        return n;
    }
}
