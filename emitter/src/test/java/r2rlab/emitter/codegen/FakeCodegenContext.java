package r2rlab.emitter.codegen;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import r2rlab.emitter.Defect;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.ir.MethodIr;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.metadata.SignatureType;
import r2rlab.format.pe.TargetOs;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.CorElementType;
import r2rlab.format.r2r.CoreLibMethod;
import r2rlab.format.r2r.LabObject;

/** Test context: predictable symbol names; records every cell requested, in order. */
public final class FakeCodegenContext implements CodegenContext {
    public final TargetOs os;
    public final Set<Defect> defects;
    public final List<String> requested = new ArrayList<>();

    public FakeCodegenContext(Defect... defects) {
        this(TargetOs.LINUX, defects);
    }

    public FakeCodegenContext(TargetOs os, Defect... defects) {
        this.os = os;
        this.defects = EnumSet.noneOf(Defect.class);
        this.defects.addAll(List.of(defects));
    }

    public static String body(MethodDecl m, CodeBodyKind kind, CodeVersion v) {
        return m.fullName() + CodegenContext.symbolSuffix(kind) + v.suffix;
    }

    public static String resumeInfo(MethodDecl m, CodeVersion v) {
        return m.fullName() + "$resumeinfo" + v.suffix;
    }

    @Override
    public TargetOs os() {
        return os;
    }

    @Override
    public boolean has(Defect defect) {
        return defects.contains(defect);
    }

    @Override
    public Set<Defect> defects() {
        return defects;
    }

    @Override
    public String bodySymbol(MethodDecl method, CodeBodyKind kind, CodeVersion version) {
        return body(method, kind, version);
    }

    @Override
    public String resumeInfoSymbol(MethodDecl method, CodeVersion version) {
        return resumeInfo(method, version);
    }

    private String cell(String name) {
        requested.add(name);
        return name;
    }

    @Override
    public String methodCell(MethodDecl target, boolean asyncVariant) {
        return cell("cell:" + target.fullName() + (asyncVariant ? "$async" : ""));
    }

    @Override
    public String tailCallCell(MethodDecl target) {
        return cell("tailcell:" + target.fullName());
    }

    @Override
    public String coreLibCell(CoreLibMethod method, SignatureType... instantiation) {
        return cell("rm:" + method.name());
    }

    @Override
    public String helperCell(int helperId) {
        return cell(String.format("helper:0x%X", helperId));
    }

    @Override
    public String exceptionTypeCell() {
        return cell("type:System.Exception");
    }

    @Override
    public String typeHandleCell(LabObject type) {
        return cell("type:" + type.fullName());
    }

    @Override
    public SignatureType typeSignature(LabObject type) {
        return new SignatureType.TypeDefOrRef(CorElementType.CLASS, 0x02000010 + type.ordinal());
    }

    @Override
    public String continuationLayoutCell(MethodIr ir) {
        return cell("layout:" + ir.method().fullName() + ir.version().suffix);
    }
}
