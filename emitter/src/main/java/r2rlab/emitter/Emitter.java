package r2rlab.emitter;

import r2rlab.emitter.arm64.Arm64Backend;
import r2rlab.emitter.codegen.Backend;
import r2rlab.emitter.r2r.ReadyToRunEmitter;
import r2rlab.emitter.scenario.Scenario;
import r2rlab.emitter.x64.X64Backend;

/** The emitter's entry point: a validated scenario and options in, ReadyToRun image bytes out. */
public final class Emitter {
    private Emitter() {
    }

    public static Backend backend(Architecture arch) {
        return switch (arch) {
            case X64 -> new X64Backend();
            case ARM64 -> new Arm64Backend();
        };
    }

    /** The image; the same scenario and options always give byte-identical output. */
    public static byte[] emit(Scenario scenario, EmitOptions options) {
        return ReadyToRunEmitter.emit(scenario, options, backend(options.arch()));
    }
}
