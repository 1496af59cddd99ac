package r2rlab.emitter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ScenarioBuilderTest {
    static ScenarioBuilder demo() {
        return ScenarioBuilder.create("same.yaml").module("AsyncDemo")
                .type("Demo.Program")
                .staticMethod("Add").params("a", "b").returnsInt().body("return a + b")
                .staticMethod("Run").async().returnsInt().tier1().body("""
                        var x = call cell Demo.Program.Add(1, 2)
                        await yield
                        if x > 2 {
                          x = await Demo.Program+Inner.Get(x)
                        }
                        return x
                        """)
                .type("Demo.Program+Inner")
                .instanceMethod("Touch").params("v").body("gcpoint\nthrow v")
                .staticMethod("Get").async().params("v").returnsInt().body("return v * 2");
    }

    static final String CANONICAL = """
            module: AsyncDemo
            types:
              - name: Demo.Program
                methods:
                  - name: Add
                    static: true
                    async: false
                    params: [a, b]
                    returns: int
                    tier1: false
                    body: |
                      return a + b
                  - name: Run
                    static: true
                    async: true
                    params: []
                    returns: int
                    tier1: true
                    body: |
                      var x = call cell Demo.Program.Add(1, 2)
                      await yield
                      if x > 2 {
                        x = await Demo.Program+Inner.Get(x)
                      }
                      return x
              - name: Demo.Program+Inner
                methods:
                  - name: Touch
                    static: false
                    async: false
                    params: [v]
                    returns: void
                    tier1: false
                    body: |
                      gcpoint
                      throw v
                  - name: Get
                    static: true
                    async: true
                    params: [v]
                    returns: int
                    tier1: false
                    body: |
                      return v * 2
            """;

    @Test
    void builderAndParserGiveEqualAsts() {
        Scenario built = demo().build();
        Scenario parsed = ScenarioParser.parse("same.yaml", CANONICAL);
        assertEquals(parsed, built);
        assertEquals(CANONICAL, demo().toYaml());
        assertEquals(built, ScenarioParser.parse("same.yaml", demo().toYaml()));
        MethodDecl run = built.types().get(0).methods().get(1);
        Expr.Call call = (Expr.Call) ((Stmt.VarDecl) run.body().get(0)).init();
        assertSame(built.types().get(0).methods().get(0), call.target());
        assertEquals(20, call.line());
    }

    @Test
    void builderUsesTheSameValidation() {
        ScenarioBuilder b = ScenarioBuilder.create("b.yaml").module("M").type("Demo.P")
                .staticMethod("F").returnsInt().body("var x = 1\nreturn y");
        ScenarioException e = assertThrows(ScenarioException.class, b::build);
        assertEquals("b.yaml:13: unknown variable 'y'", e.getMessage());
        ScenarioException p = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("b.yaml", b.toYaml()));
        assertEquals(e.getMessage(), p.getMessage());
    }

    @Test
    void hundredThousandMethods() {
        ScenarioBuilder b = ScenarioBuilder.create("gen.yaml").module("Generated").type("Demo.Gen");
        b.staticMethod("M0").params("x").returnsInt().body("return x");
        for (int i = 1; i < 100_000; i++) {
            if (i % 2 == 0) {
                b.staticMethod("M" + i).params("x").returnsInt()
                        .body("var y = call Demo.Gen.M" + (i - 2) + "(x)\nreturn y + " + i);
            } else {
                b.staticMethod("M" + i).async().params("x").returnsInt()
                        .body("await yield\nreturn x - " + i);
            }
        }
        Scenario s = b.build();
        assertEquals(100_000, s.methodCount());
    }
}
