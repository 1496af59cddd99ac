package r2rlab.emitter.codegen;

import java.util.List;
import r2rlab.emitter.image.ObjectNode;
import r2rlab.emitter.ir.CodeVersion;
import r2rlab.emitter.scenario.MethodDecl;
import r2rlab.format.r2r.CodeBodyKind;

/**
 * A compiled code body: its fragments (hot first; a cold one only when split), and the read-only
 * data it owns (the ResumeInfo records of an async variant).
 */
public record CompiledBody(MethodDecl method, CodeBodyKind kind, CodeVersion version, List<CodeFragment> fragments,
                           List<ObjectNode> data) {
    public CompiledBody {
        fragments = List.copyOf(fragments);
        data = List.copyOf(data);
    }

    public String symbol() {
        return fragments.get(0).symbol();
    }
}
