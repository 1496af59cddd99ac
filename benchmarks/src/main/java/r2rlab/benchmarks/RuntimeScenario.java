package r2rlab.benchmarks;

import r2rlab.emitter.Architecture;
import r2rlab.emitter.EmitOptions;
import r2rlab.emitter.Emitter;
import r2rlab.emitter.scenario.ScenarioParser;
import r2rlab.loader.R2RImage;
import r2rlab.loader.ReadyToRunMethod;

/**
 * The scenario the emulated-runtime benchmarks run, emitted once per architecture: a guest loop with
 * no helper, a loop with one helper trap (GCPoll) per iteration, a loop with one call through a
 * bound cell per iteration, a loop of {@code await yield}s (one suspend, dispatch and resume each), an
 * async chain ten deep whose innermost method yields, ten nested calls with a GC-safe point at the
 * bottom, and a module of methods each called once through its own cell.
 */
public final class RuntimeScenario {
    /** Methods {@code CallAll} calls through a cell each: one DelayLoad_MethodCall resolution apiece. */
    public static final int DELAY_LOAD_CELLS = 200;
    /** Depth of the async chain and of the nested calls. */
    public static final int DEPTH = 10;

    private RuntimeScenario() {
    }

    public static String yaml() {
        StringBuilder y = new StringBuilder("""
                module: Bench
                types:
                  - name: Bench.R
                    methods:
                      - name: Loop
                        params: [n]
                        returns: int
                        body: |
                          var s = 0
                          var i = 0
                          while i < n {
                            s = s + i
                            i = i + 1
                          }
                          return s
                      - name: Poll
                        params: [n]
                        returns: int
                        body: |
                          var i = 0
                          while i < n {
                            gcpoint
                            i = i + 1
                          }
                          return i
                      - name: One
                        returns: int
                        body: return 1
                      - name: Cells
                        params: [n]
                        returns: int
                        body: |
                          var s = 0
                          var i = 0
                          while i < n {
                            s = s + call cell Bench.R.One()
                            i = i + 1
                          }
                          return s
                      - name: Yields
                        async: true
                        params: [n]
                        returns: int
                        body: |
                          var i = 0
                          while i < n {
                            await yield
                            i = i + 1
                          }
                          return i
                """);
        for (int d = 1; d <= DEPTH; d++) {
            y.append("      - name: Chain").append(d).append("\n        async: true\n        params: [x]\n        returns: int\n");
            y.append(d < DEPTH ? "        body: return 1 + await Bench.R.Chain" + (d + 1) + "(x)\n"
                    : "        body: |\n          await yield\n          return x\n");
            y.append("      - name: Deep").append(d).append("\n        params: [x]\n        returns: int\n");
            y.append(d < DEPTH ? "        body: return 1 + call Bench.R.Deep" + (d + 1) + "(x)\n"
                    : "        body: |\n          gcpoint\n          return x\n");
        }
        y.append("      - name: CallAll\n        returns: int\n        body: |\n          var s = 0\n");
        for (int k = 0; k < DELAY_LOAD_CELLS; k++) {
            y.append("          s = s + call cell Bench.R.F").append(k).append("()\n");
        }
        y.append("          return s\n");
        for (int k = 0; k < DELAY_LOAD_CELLS; k++) {
            y.append("      - name: F").append(k).append("\n        returns: int\n        body: return ").append(k).append('\n');
        }
        return y.toString();
    }

    /** The scenario emitted for {@code arch} and read back. */
    public static R2RImage image(Architecture arch) {
        return R2RImage.read("bench-" + arch + ".dll", Emitter.emit(ScenarioParser.parse("bench.yaml", yaml()), EmitOptions.of(arch)));
    }

    /** The MethodDef token of {@code Bench.R.<name>}. */
    public static int token(R2RImage img, String name) {
        return method(img, name).token();
    }

    /** The MethodDefEntryPoints method {@code Bench.R.<name>}. */
    public static ReadyToRunMethod method(R2RImage img, String name) {
        String full = "Bench.R." + name;
        return img.methods().stream().filter(m -> m.source() == ReadyToRunMethod.Source.METHOD_DEF_ENTRY_POINTS && m.name().equals(full))
                .findFirst().orElseThrow(() -> new IllegalStateException("no method " + full));
    }
}
