package r2rlab.format.metadata;

import java.util.List;

/**
 * A MethodDefSig, MethodRefSig or StandAloneMethodSig (II.23.2.1-II.23.2.3), decoded:
 * the calling convention byte ({@link CallingConvention}), the generic parameter count (present
 * when the GENERIC bit is set), the return type and the parameters. {@code sentinel} is the index
 * of the first parameter of a vararg call site's variable part (a SENTINEL byte precedes it), or
 * {@link #NO_SENTINEL}.
 */
public record MethodSignature(int callingConvention, int genericParameterCount, SignatureType returnType,
        List<SignatureType> parameters, int sentinel) {
    public static final int NO_SENTINEL = -1;

    public MethodSignature {
        if (callingConvention < 0 || callingConvention > 0xFF) {
            throw new IllegalArgumentException("calling convention " + callingConvention + " is not a byte");
        }
        if ((callingConvention & CallingConvention.GENERIC) == 0 && genericParameterCount != 0) {
            throw new IllegalArgumentException("only a GENERIC signature has generic parameters");
        }
        parameters = List.copyOf(parameters);
        if (sentinel < NO_SENTINEL || sentinel >= parameters.size()) {
            throw new IllegalArgumentException("sentinel " + sentinel + " is not before one of the "
                    + parameters.size() + " parameters");
        }
    }

    /** A non-generic method signature without a vararg part. */
    public MethodSignature(int callingConvention, SignatureType returnType, List<SignatureType> parameters) {
        this(callingConvention, 0, returnType, parameters, NO_SENTINEL);
    }

    public boolean hasThis() {
        return (callingConvention & CallingConvention.HASTHIS) != 0;
    }

    public boolean isGeneric() {
        return (callingConvention & CallingConvention.GENERIC) != 0;
    }
}
