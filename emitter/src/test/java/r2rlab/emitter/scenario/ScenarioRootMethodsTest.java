package r2rlab.emitter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScenarioRootMethodsTest {
    private static List<String> roots(Scenario s) {
        return s.rootMethods().stream().map(MethodDecl::fullName).toList();
    }

    /** Every place a call can hide: conditions, loop bodies, operands, arguments, awaits and tail calls. */
    @Test
    void callsAnywhereInABodyMakeTheTargetNoRoot() {
        Scenario s = ScenarioBuilder.create("roots.yaml").module("Roots")
                .type("Demo.R")
                .staticMethod("Main").returnsInt().body("""
                        var t = 0
                        while call Demo.R.InLoopCond(t) < 3 {
                          t = t + call Demo.R.InOperand(call Demo.R.InArgument(t))
                        }
                        if -call Demo.R.InUnary(t) < 0 {
                          call Demo.R.InStatement(t)
                        }
                        tailcall cell Demo.R.InTailCall(t)
                        """)
                .staticMethod("InLoopCond").params("x").returnsInt().body("return x")
                .staticMethod("InOperand").params("x").returnsInt().body("return x")
                .staticMethod("InArgument").params("x").returnsInt().body("return 1")
                .staticMethod("InUnary").params("x").returnsInt().body("return x")
                .staticMethod("InStatement").params("x").body("throw call Demo.R.InThrow(x)")
                .staticMethod("InThrow").params("x").returnsInt().body("return x")
                .staticMethod("InTailCall").params("x").returnsInt().body("return x")
                .staticMethod("Run").async().returnsInt().body("""
                        await yield
                        var v = await Demo.R.Awaited(1)
                        return v
                        """)
                .staticMethod("Awaited").async().params("x").returnsInt().body("return call Demo.R.Recursive(x)")
                .staticMethod("Recursive").params("x").returnsInt().body("""
                        if x > 0 {
                          return call Demo.R.Recursive(x - 1)
                        }
                        return 0
                        """)
                .staticMethod("Unused").returnsVoid().body("gcpoint")
                .instanceMethod("NeverCalled").returnsInt().body("return 1")
                .build();
        assertEquals(List.of("Demo.R.Main", "Demo.R.Run", "Demo.R.Unused"), roots(s));
    }

    @Test
    void examples() throws Exception {
        Scenario calls = ScenarioParser.parse(ScenarioExamplesTest.examples().resolve("calls.yaml"));
        assertEquals(List.of("Demo.Calls.Main"), roots(calls));
        // Bump is an instance method: only static methods are roots.
        Scenario exceptions = ScenarioParser.parse(ScenarioExamplesTest.examples().resolve("async-exception.yaml"));
        assertEquals(List.of("Demo.Faults.Caller", "Demo.Counter.Run"), roots(exceptions));
    }
}
