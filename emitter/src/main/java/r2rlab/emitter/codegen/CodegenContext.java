package r2rlab.emitter.codegen;

import java.util.Set;
import r2rlab.emitter.Defect;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.LabObject;

/**
 * What a backend needs from the rest of the image while it compiles a body: symbol names, and the
 * import cells it calls through. Asking for a cell creates it (once); cells in sections whose
 * fixups must run before the method (ContinuationLayout) are added to the fixup list of the body
 * being compiled.
 */
public interface CodegenContext {
    TargetOs os();

    boolean has(Defect defect);

    Set<Defect> defects();

    /** Symbol of a body's code (its first fragment). */
    String bodySymbol(MethodDecl method, CodeBodyKind kind, CodeVersion version);

    /** What a body's symbol adds to its method's: a method and its Task-returning body add nothing. */
    static String symbolSuffix(CodeBodyKind kind) {
        return switch (kind) {
            case METHOD, TASK_RETURNING_THUNK -> "";
            case ASYNC_VARIANT -> "$async";
            case RESUMPTION_STUB -> "$resume";
        };
    }

    /** Symbol of an async variant's ResumeInfo table: one {Resume, DiagnosticIP} record of 16 bytes per state. */
    String resumeInfoSymbol(MethodDecl method, CodeVersion version);

    /** A MethodImports cell calling a method of this module (its async variant when {@code asyncVariant}), resolved on first call. */
    String methodCell(MethodDecl target, boolean asyncVariant);

    /** A MethodImports cell for a tail jump (x64: initially the thunk for an existing indirection cell). */
    String tailCallCell(MethodDecl target);

    /**
     * A MethodImports cell calling a CoreLib method: MethodEntry_RefToken naming its MemberRef in the manifest
     * metadata, or for a generic method MethodEntry with the MemberRef and {@code instantiation}.
     */
    String coreLibCell(CoreLibMethod method, SignatureType... instantiation);

    /** A HelperImports cell for a READYTORUN_HELPER id (e.g. AllocContinuation 0x113, ThrowExact 0x27, GCPoll 0x44). */
    String helperCell(int helperId);

    /** The PrecodeImports ContinuationLayout (0x37) cell of an async variant's code version; added to its fixup list. */
    String continuationLayoutCell(MethodIr ir);

    /**
     * The PrecodeImports TypeHandle cell of CoreLib's System.Exception (named through the manifest module), whose
     * MethodTable {@code throw} hands the NewObject helper; added to the fixup list of the body being compiled.
     */
    String exceptionTypeCell();

    /**
     * The PrecodeImports TypeHandle cell of the language's object type {@code type} (a TypeDef of this module), whose
     * MethodTable {@code new} hands the NewObject helper; added to the fixup list of the body being compiled.
     */
    String typeHandleCell(LabObject type);

    /** The signature type naming {@code type}'s TypeDef in this module (a class). */
    SignatureType typeSignature(LabObject type);
}
