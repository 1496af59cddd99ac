package r2rlab.loader;

import java.util.List;
import r2rlab.format.r2r.ReadyToRunMethodSigFlags;

/**
 * A decoded ReadyToRun method signature (r2r-format.md §2.4): flags, the module its token lives in
 * (0 = this image), the token (MethodDef or MemberRef; 0 with SlotInsteadOfToken), the rendered name
 * ({@code Namespace.Type.Method}, instantiations in angle brackets) and the type arguments.
 */
public record MethodRef(int flags, int module, int token, String name, List<String> methodInstantiation) {
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
