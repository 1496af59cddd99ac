package r2rlab.format.metadata;

import java.util.List;
import r2rlab.format.metadata.SignatureType.Array;
import r2rlab.format.metadata.SignatureType.ByRef;
import r2rlab.format.metadata.SignatureType.FnPtr;
import r2rlab.format.metadata.SignatureType.GenericInst;
import r2rlab.format.metadata.SignatureType.GenericParam;
import r2rlab.format.metadata.SignatureType.Modified;
import r2rlab.format.metadata.SignatureType.Pinned;
import r2rlab.format.metadata.SignatureType.Primitive;
import r2rlab.format.metadata.SignatureType.Ptr;
import r2rlab.format.metadata.SignatureType.SzArray;
import r2rlab.format.metadata.SignatureType.TypeDefOrRef;
import r2rlab.format.r2r.CorElementType;

/**
 * Renders decoded signatures as text, e.g. "System.Collections.Generic.List`1&lt;System.Int32&gt;",
 * "System.Byte[]", "!0", "method System.Void *(System.Int32)". Types named by token are rendered by
 * {@link MetadataNames}; {@code specDepth} counts the TypeSpecs being rendered around this one.
 */
final class SignatureFormatter {
    private final MetadataNames names;
    private final int specDepth;

    SignatureFormatter(MetadataNames names, int specDepth) {
        this.names = names;
        this.specDepth = specDepth;
    }

    String type(SignatureType type) {
        StringBuilder sb = new StringBuilder();
        type(sb, type);
        return sb.toString();
    }

    /** "&lt;A,B&gt;" of a MethodSpec instantiation. */
    String methodInstantiation(List<SignatureType> arguments) {
        StringBuilder sb = new StringBuilder("<");
        list(sb, arguments, MethodSignature.NO_SENTINEL);
        return sb.append('>').toString();
    }

    private void type(StringBuilder sb, SignatureType type) {
        if (type instanceof Primitive p) {
            sb.append(CorElementType.primitiveName(p.elementType()));
        } else if (type instanceof TypeDefOrRef t) {
            sb.append(names.typeDefOrRefName(t.token(), specDepth));
        } else if (type instanceof GenericInst g) {
            type(sb, g.type());
            sb.append('<');
            list(sb, g.arguments(), MethodSignature.NO_SENTINEL);
            sb.append('>');
        } else if (type instanceof SzArray a) {
            type(sb, a.element());
            sb.append("[]");
        } else if (type instanceof Array a) {
            type(sb, a.element());
            sb.append('[').append(",".repeat(a.rank() - 1)).append(']');
        } else if (type instanceof Ptr p) {
            type(sb, p.target());
            sb.append('*');
        } else if (type instanceof ByRef b) {
            type(sb, b.target());
            sb.append('&');
        } else if (type instanceof GenericParam g) {
            sb.append(g.elementType() == CorElementType.MVAR ? "!!" : "!").append(g.number());
        } else if (type instanceof FnPtr f) {
            sb.append("method ");
            type(sb, f.signature().returnType());
            sb.append(" *(");
            list(sb, f.signature().parameters(), f.signature().sentinel());
            sb.append(')');
        } else if (type instanceof Modified m) {
            // Custom modifiers are not rendered.
            type(sb, m.type());
        } else if (type instanceof Pinned p) {
            type(sb, p.type());
        }
    }

    /** Comma-separated types; "...," marks where a vararg call site's variable part starts. */
    private void list(StringBuilder sb, List<SignatureType> types, int sentinel) {
        for (int i = 0; i < types.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            if (i == sentinel) {
                sb.append("...,");
            }
            type(sb, types.get(i));
        }
    }
}
