package r2rlab.emitter.scenario;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Malformed input must give a ScenarioException, never another exception. */
class ScenarioRobustnessTest {
    private static final String[] PIECES = {"var", "x", "y", "a", "=", "==", "{", "}", "} else {", "if", "while",
        "return", "throw", "gcpoint", "call", "cell", "tailcall", "await", "yield", "this", "Demo.P.F", "Demo.P.G",
        "F", "(", ")", ",", "+", "-", "*", "/", "%", "&&", "||", "!", "<", "<=", "1", "0x10", "-5",
        "99999999999999999999", "\n", "\n", "\n", "#", "@", ".", "+Inner"};

    @Test
    void randomBodiesNeverCrash() {
        Random r = new Random(42);
        for (int iter = 0; iter < 3000; iter++) {
            StringBuilder body = new StringBuilder();
            int n = r.nextInt(30);
            for (int i = 0; i < n; i++) {
                body.append(PIECES[r.nextInt(PIECES.length)]).append(' ');
            }
            ScenarioBuilder b = ScenarioBuilder.create("fuzz.yaml").module("M").type("Demo.P")
                    .staticMethod("F").params("a").returnsInt().async(r.nextBoolean()).body(body.toString())
                    .instanceMethod("G").params("a").body(body.toString());
            try {
                b.build();
            } catch (ScenarioException e) {
                assertFalse(e.errors().isEmpty());
            }
            try {
                ScenarioParser.parse("fuzz.yaml", b.toYaml());
            } catch (ScenarioException e) {
                assertFalse(e.errors().isEmpty());
            }
        }
    }
}
