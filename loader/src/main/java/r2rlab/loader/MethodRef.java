package r2rlab.loader;

import java.util.List;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;

/**
 * A decoded ReadyToRun method signature (r2r-format.md §2.4): flags, the module its token lives in
 * (0 = this image), the token (MethodDef or MemberRef; 0 with SlotInsteadOfToken), the rendered name
 * ({@code Namespace.Type.Method}, instantiations in angle brackets) and the type arguments.
 */
public record MethodRef(int flags, int module, int token, String name, List<String> methodInstantiation) {
    /** How {@code dump} marks an async variant before its name: in method lists, signatures, annotations and funclet labels. */
    public static final String ASYNC_MARKER = "[ASYNC] ";
    /** How {@code dump} marks a resumption stub before its name. */
    public static final String RESUME_MARKER = "[RESUME] ";

    /** {@code name} with {@link #ASYNC_MARKER} when it names an async variant: the one rendering of that flag. */
    public static String label(String name, boolean asyncVariant) {
        return asyncVariant ? ASYNC_MARKER + name : name;
    }

    /** The name as {@code dump} shows it, marked when the signature has the AsyncVariant flag. */
    public String label() {
        return label(name, isAsyncVariant());
    }

    public boolean isAsyncVariant() {
        return (flags & ReadyToRunMethodSigFlags.AsyncVariant) != 0;
    }

    public boolean isUnboxingStub() {
        return (flags & ReadyToRunMethodSigFlags.UnboxingStub) != 0;
    }

    public boolean isInstantiatingStub() {
        return (flags & ReadyToRunMethodSigFlags.InstantiatingStub) != 0;
    }

    /** True when the token is in this image's own metadata. */
    public boolean isLocal() {
        return module == 0;
    }
}
