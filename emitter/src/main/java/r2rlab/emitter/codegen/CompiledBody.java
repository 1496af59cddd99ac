package r2rlab.emitter.codegen;

import java.util.List;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.r2r.CodeBodyKind;
import r2rlab.format.r2r.ExceptionClause;

/**
 * A compiled code body: its fragments (the main code first, then the funclets, then the cold part when split), the
 * read-only data it owns (the ResumeInfo records of an async variant), and its EH clauses (offsets from the body's
 * start, the funclets laid out contiguously after the main code), and what its GcInfo says.
 */
public record CompiledBody(MethodDecl method, CodeBodyKind kind, CodeVersion version, List<CodeFragment> fragments,
                           List<ObjectNode> data, List<ExceptionClause> clauses, BodyGcInfo gcInfo) {
    public CompiledBody {
        fragments = List.copyOf(fragments);
        data = List.copyOf(data);
        clauses = List.copyOf(clauses);
    }

    public String symbol() {
        return fragments.get(0).symbol();
    }

    /** The fragments of one kind, in order. */
    public List<CodeFragment> fragments(CodeFragment.Kind kind) {
        return fragments.stream().filter(f -> f.kind() == kind).toList();
    }
}
