package r2rlab.emitter.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import r2rlab.emitter.scenario.Expr.Await;
import r2rlab.emitter.scenario.Expr.Binary;
import r2rlab.emitter.scenario.Expr.IntLit;
import r2rlab.emitter.scenario.Expr.VarRef;

class ScenarioExamplesTest {
    static Path examples() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("examples"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("examples/ not found");
        }
        return dir.resolve("examples");
    }

    /** Each example with the types and methods its YAML declares. */
    @ParameterizedTest
    @CsvSource({"calls.yaml, 2, 7", "async-basic.yaml, 1, 2", "async-nested.yaml, 1, 3", "async-exception.yaml, 2, 4",
            "gcpoint.yaml, 1, 2", "tiering.yaml, 1, 2"})
    void exampleParses(String name, int types, int methods) throws Exception {
        Path file = examples().resolve(name);
        Scenario s = ScenarioParser.parse(file);
        assertEquals(file.toString(), s.file());
        assertEquals(types, s.types().size());
        assertEquals(methods, s.methodCount());
        // Parsing is deterministic and equality is structural.
        assertEquals(s, ScenarioParser.parse(file));
    }

    @Test
    void everyExampleFileParses() throws Exception {
        try (var files = Files.list(examples())) {
            List<Path> yamls = files.filter(p -> p.toString().endsWith(".yaml")).toList();
            assertEquals(8, yamls.size(), yamls.toString());
            for (Path p : yamls) {
                ScenarioParser.parse(p);
            }
        }
    }

    @Test
    void asyncNestedAst() throws Exception {
        Scenario s = ScenarioParser.parse(examples().resolve("async-nested.yaml"));
        assertEquals("AsyncNested", s.module());
        assertEquals(1, s.types().size());
        TypeDecl t = s.types().get(0);
        assertEquals("Demo", t.namespace());
        assertEquals("Nested", t.name());
        assertNull(t.enclosing());
        assertEquals("Demo.Nested", t.fullName());
        assertEquals(4, t.line());
        assertEquals(3, t.methods().size());
        MethodDecl a = t.methods().get(0);
        MethodDecl b = t.methods().get(1);
        MethodDecl c = t.methods().get(2);
        for (MethodDecl m : t.methods()) {
            assertTrue(m.isStatic());
            assertTrue(m.isAsync());
            assertFalse(m.tier1());
            assertEquals(List.of("x"), m.params());
            assertEquals(ReturnKind.INT, m.returns());
            assertSame(t, m.type());
        }
        assertEquals("A", a.name());
        assertEquals(6, a.line());
        assertEquals("B", b.name());
        assertEquals(13, b.line());
        assertEquals("C", c.name());
        assertEquals(21, c.line());
        assertEquals("Demo.Nested.B", b.fullName());

        // A: var r = await Demo.Nested.B(x + 1) / return r * 2
        assertEquals(2, a.body().size());
        Stmt.VarDecl aR = assertInstanceOf(Stmt.VarDecl.class, a.body().get(0));
        assertEquals("r", aR.name());
        assertEquals(11, aR.line());
        Await awB = assertInstanceOf(Await.class, aR.init());
        assertEquals(CallKind.DIRECT, awB.kind());
        assertFalse(awB.isYield());
        assertSame(b, awB.target());
        assertEquals(11, awB.line());
        assertEquals(List.of(new Binary(BinaryOp.ADD, new VarRef("x", 11), new IntLit(1, 11), 11)), awB.args());
        assertEquals(new Stmt.Return(new Binary(BinaryOp.MUL, new VarRef("r", 12), new IntLit(2, 12), 12), 12),
                a.body().get(1));

        // B: var before = x / var r = await cell Demo.Nested.C(x) / return r + before
        assertEquals(3, b.body().size());
        assertEquals(new Stmt.VarDecl("before", new VarRef("x", 18), 18), b.body().get(0));
        Stmt.VarDecl bR = assertInstanceOf(Stmt.VarDecl.class, b.body().get(1));
        assertEquals(19, bR.line());
        Await awC = assertInstanceOf(Await.class, bR.init());
        assertEquals(CallKind.CELL, awC.kind());
        assertSame(c, awC.target());
        assertEquals(List.of(new VarRef("x", 19)), awC.args());
        assertEquals(new Stmt.Return(new Binary(BinaryOp.ADD, new VarRef("r", 20), new VarRef("before", 20), 20), 20),
                b.body().get(2));

        // C: await yield / return x + 100
        assertEquals(2, c.body().size());
        assertEquals(new Stmt.ExprStmt(new Await(CallKind.DIRECT, null, List.of(), true, 26), 26), c.body().get(0));
        assertNull(((Await) ((Stmt.ExprStmt) c.body().get(0)).expr()).target());
        assertEquals(new Stmt.Return(new Binary(BinaryOp.ADD, new VarRef("x", 27), new IntLit(100, 27), 27), 27),
                c.body().get(1));
    }

    @Test
    void callsExampleDetails() throws Exception {
        Scenario s = ScenarioParser.parse(examples().resolve("calls.yaml"));
        TypeDecl math = s.type("Demo.Calls+Math");
        assertEquals("Demo", math.namespace());
        assertEquals("Math", math.name());
        assertEquals("Demo.Calls", math.enclosing());
        MethodDecl chain = s.type("Demo.Calls").methods().get(3);
        assertEquals("Chain", chain.name());
        Stmt.TailCall tc = assertInstanceOf(Stmt.TailCall.class, chain.body().get(1));
        assertEquals("Clamp", tc.target().name());
        assertEquals(3, tc.args().size());
        MethodDecl check = s.type("Demo.Calls").methods().get(5);
        Stmt.If f = assertInstanceOf(Stmt.If.class, check.body().get(0));
        assertEquals(new Stmt.Throw(new IntLit(-1, 54), 54), f.then().get(0));
        Binary or = assertInstanceOf(Binary.class, f.cond());
        assertEquals(BinaryOp.OR, or.op());
        assertEquals(new Binary(BinaryOp.GT, new VarRef("v", 53), new IntLit(0x7fffffffL, 53), 53), or.right());
    }

    @Test
    void instanceMethodGetsThis() throws Exception {
        Scenario s = ScenarioParser.parse(examples().resolve("async-exception.yaml"));
        MethodDecl bump = s.type("Demo.Counter").methods().get(0);
        assertFalse(bump.isStatic());
        assertEquals(List.of("this", "delta"), bump.params());
        assertEquals(new Stmt.VarDecl("before", new Expr.This(32), 32), bump.body().get(0));
        assertNull(s.type("Demo.Tiering"));
        assertTrue(ScenarioParser.parse(examples().resolve("tiering.yaml")).type("Demo.Tiering").methods().get(0).tier1());
    }
}
