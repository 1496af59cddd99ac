package r2rlab.emitter.scenario;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ScenarioErrorsTest {
    /** Lines 1-4 are the header; the first given line is line 5. */
    static String scn(String... lines) {
        return "module: M\ntypes:\n  - name: Demo.P\n    methods:\n" + String.join("\n", lines) + "\n";
    }

    static Arguments c(String name, String yaml, String expected) {
        return Arguments.of(name, yaml, expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("yaml syntax", "module: M\ntypes:\n  - name: [Demo.P\n",
                        "e.yaml:4: YAML syntax error: expected ',' or ']', but got <stream end>"),
                c("yaml bad indentation", "module: M\n types: []\n",
                        "e.yaml:2: YAML syntax error: mapping values are not allowed here"),
                c("unknown key in method", scn("      - name: F", "        color: red"),
                        "e.yaml:6: unknown key 'color' in a method"),
                c("unknown key at top", "module: M\ntypes: []\nversion: 2\n",
                        "e.yaml:3: unknown key 'version' at the top level"),
                c("missing module", "types: []\n", "e.yaml:1: missing 'module'"),
                c("type without name", "module: M\ntypes:\n  - methods: []\n", "e.yaml:3: type has no 'name'"),
                c("method without name", scn("      - static: true"), "e.yaml:5: method has no 'name'"),
                c("bad boolean", scn("      - name: F", "        async: maybe"),
                        "e.yaml:6: 'async' must be true or false, not 'maybe'"),
                c("bad returns", scn("      - name: F", "        returns: long"),
                        "e.yaml:6: 'returns' must be int, void, Box, Pair or object, not 'long'"),
                c("duplicate type", "module: M\ntypes:\n  - name: Demo.P\n  - name: Demo.P\n",
                        "e.yaml:4: duplicate type 'Demo.P' (first declared on line 3)"),
                c("undeclared enclosing type", "module: M\ntypes:\n  - name: Demo.Outer+Inner\n",
                        "e.yaml:3: enclosing type 'Demo.Outer' of 'Demo.Outer+Inner' is not declared"),
                c("duplicate method", scn("      - name: F", "      - name: F"),
                        "e.yaml:6: duplicate method 'Demo.P.F' with 0 parameters (first declared on line 5)"),
                c("duplicate static/instance method", scn("      - name: F", "        params: [a]",
                        "      - name: F", "        static: false", "        params: [b]"),
                        "e.yaml:7: duplicate method 'Demo.P.F' with 1 parameter (first declared on line 5)"),
                c("duplicate parameter", scn("      - name: F", "        params: [a, a]"),
                        "e.yaml:6: duplicate parameter 'a'"),
                c("reserved parameter", scn("      - name: F", "        params: [this]"),
                        "e.yaml:6: parameter name 'this' is a reserved word"),
                c("ambiguous call", scn("      - name: F", "        params: [a, b]",
                        "      - name: F", "        static: false", "        params: [a]",
                        "      - name: G", "        body: |", "          call Demo.P.F(1, 2)"),
                        "e.yaml:12: ambiguous call to 'Demo.P.F' with 2 arguments"),
                c("unknown method", scn("      - name: G", "        body: |", "          call Demo.P.Nope()"),
                        "e.yaml:7: unknown method 'Demo.P.Nope'"),
                c("unknown type in call", scn("      - name: G", "        body: |", "          call Demo.Q.F()"),
                        "e.yaml:7: unknown method 'Demo.Q.F'"),
                c("wrong argument count", scn("      - name: F", "        params: [a]",
                        "      - name: G", "        body: |", "          call Demo.P.F(1, 2)"),
                        "e.yaml:9: wrong argument count for 'Demo.P.F': expected 1, got 2"),
                c("instance call without receiver", scn("      - name: F", "        static: false",
                        "        params: [a]", "      - name: G", "        body: |", "          call Demo.P.F(1)"),
                        "e.yaml:10: wrong argument count for 'Demo.P.F': expected 2, got 1"),
                c("unknown variable", scn("      - name: G", "        body: |", "          var x = y"),
                        "e.yaml:7: unknown variable 'y'"),
                c("unknown assignment target", scn("      - name: G", "        body: |", "          y = 1"),
                        "e.yaml:7: unknown variable 'y'"),
                c("variable out of scope", scn("      - name: G", "        body: |", "          if 1 {",
                        "            var x = 1", "          }", "          x = 2"),
                        "e.yaml:10: unknown variable 'x'"),
                c("duplicate variable", scn("      - name: G", "        body: |", "          var x = 1",
                        "          var x = 2"), "e.yaml:8: duplicate variable 'x'"),
                c("variable shadows parameter", scn("      - name: G", "        params: [a]", "        body: |",
                        "          if a {", "            var a = 2", "          }"),
                        "e.yaml:9: duplicate variable 'a'"),
                c("await outside async", scn("      - name: G", "        body: |", "          await yield"),
                        "e.yaml:7: 'await' outside an async method"),
                c("await of non-async", scn("      - name: F", "      - name: G", "        async: true",
                        "        body: |", "          await Demo.P.F()"),
                        "e.yaml:9: 'await' of non-async method 'Demo.P.F'"),
                c("call of async without await", scn("      - name: F", "        async: true",
                        "      - name: G", "        body: |", "          call Demo.P.F()"),
                        "e.yaml:9: async method 'Demo.P.F' must be awaited ('await', not 'call')"),
                c("void call as value", scn("      - name: F", "      - name: G", "        body: |",
                        "          var x = call Demo.P.F()"),
                        "e.yaml:8: void method 'Demo.P.F' used as a value"),
                c("await yield as value", scn("      - name: G", "        async: true", "        body: |",
                        "          var x = await yield"), "e.yaml:8: 'await yield' has no value"),
                c("return value in void method", scn("      - name: G", "        body: |", "          return 1"),
                        "e.yaml:7: 'return' with a value in a void method"),
                c("plain return in int method", scn("      - name: G", "        returns: int", "        body: |",
                        "          return"), "e.yaml:8: 'return' without a value in an int method"),
                c("falls off the end", scn("      - name: G", "        returns: int", "        body: |",
                        "          if 1 {", "            return 1", "          }"),
                        "e.yaml:5: int method 'Demo.P.G' can reach the end without returning a value"),
                c("empty int method", scn("      - name: G", "        returns: int"),
                        "e.yaml:5: int method 'Demo.P.G' can reach the end without returning a value"),
                c("tailcall not in tail position", scn("      - name: F", "        returns: int",
                        "        body: return 1", "      - name: G", "        returns: int", "        body: |",
                        "          tailcall cell Demo.P.F()", "          return 1"),
                        "e.yaml:11: 'tailcall' must be in tail position (the last statement of the method)"),
                c("tailcall in a loop", scn("      - name: F", "      - name: G", "        body: |",
                        "          while 1 {", "            tailcall cell Demo.P.F()", "          }"),
                        "e.yaml:9: 'tailcall' must be in tail position (the last statement of the method)"),
                c("tailcall in a branch of a non-final if", scn("      - name: F", "      - name: G",
                        "        body: |", "          if 1 {", "            tailcall cell Demo.P.F()", "          }",
                        "          gcpoint"),
                        "e.yaml:9: 'tailcall' must be in tail position (the last statement of the method)"),
                c("tailcall in an async method", scn("      - name: F", "      - name: G", "        async: true",
                        "        body: |", "          tailcall cell Demo.P.F()"),
                        "e.yaml:9: 'tailcall' is not allowed in an async method"),
                c("tailcall return kind mismatch", scn("      - name: F", "      - name: G", "        returns: int",
                        "        body: |", "          tailcall cell Demo.P.F()"),
                        "e.yaml:9: 'tailcall' target 'Demo.P.F' returns void but 'Demo.P.G' returns int"),
                c("tailcall without cell", scn("      - name: F", "      - name: G", "        body: |",
                        "          tailcall Demo.P.F()"),
                        "e.yaml:8: expected 'cell' after 'tailcall' (tail jumps always go through an import cell)"),
                c("tailcall with stack arguments the caller did not receive", scn("      - name: F",
                        "        params: [a, b, c, d, e]", "        returns: int", "        body: return a",
                        "      - name: G", "        returns: int", "        body: |",
                        "          tailcall cell Demo.P.F(1, 2, 3, 4, 5)"),
                        "e.yaml:12: 'tailcall' passes 5 arguments but 'Demo.P.G' takes 0: arguments past the 4th go on"
                                + " the stack (x64), and a tail jump can only put them where the caller's own stack arguments"
                                + " came in"),
                c("nested parentheses", scn("      - name: G", "        returns: int", "        body: |",
                        "          return " + "(".repeat(3000) + "1" + ")".repeat(3000)),
                        "e.yaml:8: nesting deeper than 256 (blocks, else-ifs, parentheses, unary operators, call arguments)"),
                c("nested ifs", scn("      - name: G", "        body: |", "          if 1 {\n".repeat(300)
                        + "          }\n".repeat(300)),
                        "e.yaml:263: nesting deeper than 256 (blocks, else-ifs, parentheses, unary operators, call arguments)"),
                c("chained else-ifs", scn("      - name: G", "        params: [a]", "        body: |",
                        "          if a == 0 {\n" + "          } else if a == 1 {\n".repeat(300) + "          }"),
                        "e.yaml:264: nesting deeper than 256 (blocks, else-ifs, parentheses, unary operators, call arguments)"),
                c("nested calls", scn("      - name: F", "        params: [a]", "        returns: int", "        body: return a",
                        "      - name: G", "        returns: int", "        body: |",
                        "          return " + "call F(".repeat(400) + "1" + ")".repeat(400)),
                        "e.yaml:12: nesting deeper than 256 (blocks, else-ifs, parentheses, unary operators, call arguments)"),
                c("unary operators", scn("      - name: G", "        returns: int", "        body: |",
                        "          return " + "!-".repeat(200) + "1"),
                        "e.yaml:8: nesting deeper than 256 (blocks, else-ifs, parentheses, unary operators, call arguments)"),
                c("control character", "module: M\ntypes:\n  - name: Demo.\u0007P\n",
                        "e.yaml:3: character U+0007 is not allowed in a YAML file"),
                c("this in static method", scn("      - name: G", "        body: |", "          var x = this"),
                        "e.yaml:7: 'this' used in a static method"),
                c("int assigned a reference", scn("      - name: G", "        body: |", "          var x = 1", "          x = new Box(2)"),
                        "e.yaml:8: type mismatch: variable 'x' is int, the value is Box"),
                c("reference arithmetic", scn("      - name: G", "        body: |", "          var b = new Box(1)", "          var y = b + 1"),
                        "e.yaml:8: operator '+' needs ints, not Box and int"),
                c("int compared with a reference", scn("      - name: G", "        body: |", "          var b = new Box(1)",
                        "          var y = b == 0"), "e.yaml:8: cannot compare Box with int"),
                c("reference as a condition", scn("      - name: G", "        body: |", "          var b = new Box(1)",
                        "          if b {", "          }"), "e.yaml:8: a condition must be an int, not Box (compare it: 'o != null')"),
                c("untyped null", scn("      - name: G", "        body: |", "          var b = null"),
                        "e.yaml:7: the type of 'null' is not known: write 'var b: Box = null'"),
                c("unknown field", scn("      - name: G", "        body: |", "          var b = new Box(1)", "          var y = b.first"),
                        "e.yaml:8: Box has no field 'first' (value)"),
                c("field of an int", scn("      - name: G", "        params: [a]", "        body: |", "          var y = a.value"),
                        "e.yaml:8: '.value' of int: not a Box or Pair reference"),
                c("field of this", scn("      - name: G", "        static: false", "        body: |", "          var y = this.value"),
                        "e.yaml:8: '.value' of object: only Box and Pair have fields"),
                c("Pair of ints", scn("      - name: G", "        body: |", "          var p = new Pair(1, null)"),
                        "e.yaml:7: type mismatch: field 'first' of Pair is Box, the value is int"),
                c("wrong new argument count", scn("      - name: G", "        body: |", "          var p = new Box()"),
                        "e.yaml:7: wrong argument count for 'new Box': expected 1, got 0"),
                c("int passed for a reference parameter", scn("      - name: G", "        params: [Box b]", "      - name: H",
                        "        body: |", "          call G(5)"), "e.yaml:9: type mismatch: parameter 'b' of 'Demo.P.G' is Box, the value is int"),
                c("int receiver", scn("      - name: G", "        static: false", "      - name: H", "        body: |",
                        "          call G(5)"), "e.yaml:9: type mismatch: parameter 'this' of 'Demo.P.G' is object, the value is int"),
                c("unknown parameter type", scn("      - name: G", "        params: [Tree t]"),
                        "e.yaml:6: unknown parameter type 'Tree' (int, Box, Pair or object)"),
                c("wrong return type", scn("      - name: G", "        returns: Pair", "        body: |", "          return new Box(1)"),
                        "e.yaml:8: type mismatch: the return value of 'Demo.P.G' is Pair, the value is Box"),
                c("reference method falls off the end", scn("      - name: G", "        returns: Box", "        body: |", "          gcpoint"),
                        "e.yaml:5: Box method 'Demo.P.G' can reach the end without returning a value"),
                c("reserved type name", "module: M\ntypes:\n  - name: R2RLab.Box\n",
                        "e.yaml:3: type name 'R2RLab.Box' is reserved for the language's object type"),
                c("bad type after colon", scn("      - name: G", "        body: |", "          var b: Tree = null"),
                        "e.yaml:7: expected a type (int, Box, Pair or object) after 'var b:', found 'Tree'"),
                c("new of a non-object", scn("      - name: G", "        body: |", "          var b = new int(1)"),
                        "e.yaml:7: expected Box or Pair after 'new', found 'int'"),
                c("int literal too large", scn("      - name: G", "        body: |",
                        "          var x = 9223372036854775808"),
                        "e.yaml:7: integer literal 9223372036854775808 is out of the 64-bit range"),
                c("int literal too small", scn("      - name: G", "        body: |",
                        "          var x = -9223372036854775809"),
                        "e.yaml:7: integer literal -9223372036854775809 is out of the 64-bit range"),
                c("hex literal too large", scn("      - name: G", "        body: |",
                        "          var x = 0x10000000000000000"),
                        "e.yaml:7: integer literal 0x10000000000000000 is out of the 64-bit range"),
                c("unclosed brace", scn("      - name: G", "        body: |", "          var i = 0",
                        "          while i < 3 {", "            i = i + 1"),
                        "e.yaml:8: unbalanced braces: '{' is never closed"),
                c("extra closing brace", scn("      - name: G", "        body: |", "          var i = 0",
                        "          }"), "e.yaml:8: unbalanced braces: '}' without a matching '{'"),
                c("syntax error", scn("      - name: G", "        body: |", "          var x = 1 +"),
                        "e.yaml:7: expected an expression, found end of line"),
                c("bad character", scn("      - name: G", "        body: |", "          var x = 1 @ 2"),
                        "e.yaml:7: unexpected character '@'"),
                c("expression statement", scn("      - name: G", "        params: [a]", "        body: |",
                        "          a + 1"), "e.yaml:8: expression statement must be a call or an await"),
                c("errors are collected in line order", scn("      - name: G", "        body: |",
                        "          var x = y", "          return 1", "      - name: H",
                        "        body: var z = 9223372036854775808", "      - name: G", "        bogus: 1"),
                        "e.yaml:7: unknown variable 'y'\n"
                                + "e.yaml:8: 'return' with a value in a void method\n"
                                + "e.yaml:10: integer literal 9223372036854775808 is out of the 64-bit range\n"
                                + "e.yaml:11: duplicate method 'Demo.P.G' with 0 parameters (first declared on line 5)\n"
                                + "e.yaml:12: unknown key 'bogus' in a method"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsError(String name, String yaml, String expected) {
        ScenarioException e = assertThrows(ScenarioException.class, () -> ScenarioParser.parse("e.yaml", yaml));
        assertEquals(expected, e.getMessage());
    }

    @Test
    void validCornerCases() {
        assertDoesNotThrow(() -> ScenarioParser.parse("ok.yaml", scn(
                "      - name: F",
                "        params: [a]",
                "        returns: int",
                "        body: |",
                "          a = a + 1  # assignment to a parameter",
                "          var m = -9223372036854775808",
                "          var h = 0xFFFFFFFFFFFFFFFF",
                "          while 1 {",
                "            if a > 0 { return a } else { return m + h }",
                "          }",
                "      - name: F",
                "        params: [a, b]",
                "        returns: int",
                "        body: return call F(a) + call cell Demo.P.F(b)",
                "      - name: R",
                "        returns: int",
                "        body: |",
                "          if 1 {",
                "            return 1",
                "          } else if 2 {",
                "            throw 2",
                "          } else {",
                "            tailcall cell Demo.P.R()",
                "          }")));
    }

    /** Depth the parser allows, and chains of operators that nest in the tree but not in the text. */
    @Test
    void nestingUpToTheLimitAndLongChainsCompile() {
        Scenario s = ScenarioParser.parse("ok.yaml", scn("      - name: G", "        params: [a]", "        returns: int",
                "        body: |",
                "          var x = " + "(".repeat(255) + "a" + ")".repeat(255),
                "          var y = " + String.join(" + ", Collections.nCopies(10_000, "a")),
                "          var z = " + String.join(" && ", Collections.nCopies(10_000, "a")),
                "          return " + String.join(" - ", Collections.nCopies(10_000, "x * y")) + " + z"));
        Stmt.VarDecl sum = (Stmt.VarDecl) s.methods().findFirst().orElseThrow().body().get(1);
        assertEquals(9_999, ((Expr.Binary) sum.init()).leftChain().size());
    }

    @Test
    void aFileThatIsNotUtf8(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("bad.yaml");
        byte[] text = scn("      - name: G", "        body: |", "          # caf\u00e9", "          gcpoint").getBytes(StandardCharsets.UTF_8);
        byte[] bad = Arrays.copyOf(text, text.length);
        int e = new String(text, StandardCharsets.ISO_8859_1).indexOf("caf") + 3;
        bad[e + 1] = (byte) 0x41; // 0xC3 0x41: a lead byte without its continuation byte
        Files.write(f, bad);
        ScenarioException ex = assertThrows(ScenarioException.class, () -> ScenarioParser.parse(f));
        assertEquals(f + ":7: not UTF-8: byte 0xC3 at file offset " + e, ex.getMessage());
        Files.write(f, text);
        assertDoesNotThrow(() -> ScenarioParser.parse(f));
    }

    @Test
    void errorsCarryFileAndLine() {
        ScenarioException e = assertThrows(ScenarioException.class,
                () -> ScenarioParser.parse("x.yaml", scn("      - name: G", "        body: |", "          return 1")));
        assertEquals(1, e.errors().size());
        assertEquals(new Diagnostic("x.yaml", 7, "'return' with a value in a void method"), e.errors().get(0));
    }
}
