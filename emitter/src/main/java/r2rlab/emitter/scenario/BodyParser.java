package r2rlab.emitter.scenario;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Lexes and parses one method body into unresolved statements. Linear in the body length. Blocks, {@code else if}s,
 * parentheses, unary operators and call arguments may nest at most {@link #MAX_NESTING} deep, so that no pass over the
 * tree runs out of Java stack (chains of binary operators are flat: every pass walks them with a loop).
 */
final class BodyParser {
    /** How deep blocks, {@code else if}s, parentheses, unary operators and call arguments may nest in a body. */
    static final int MAX_NESTING = 256;

    static final Set<String> RESERVED = Set.of("var", "if", "else", "while", "return", "throw", "gcpoint", "call",
            "cell", "tailcall", "await", "yield", "this", "try", "catch", "finally", "new", "null");

    private enum K { INT, WORD, OP, NL, EOF, BAD }

    private record Tok(K kind, String text, int line) {
        boolean is(String s) {
            return (kind == K.OP || kind == K.WORD) && text.equals(s);
        }

        String show() {
            return switch (kind) {
                case NL -> "end of line";
                case EOF -> "end of body";
                default -> "'" + text + "'";
            };
        }
    }

    /** Nesting past {@link #MAX_NESTING}: the whole body is given up, with one error. */
    private static final class NestingTooDeep extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int line;

        NestingTooDeep(int line) {
            super("nesting deeper than " + MAX_NESTING + " (blocks, else-ifs, parentheses, unary operators, call arguments)",
                    null, false, false);
            this.line = line;
        }
    }

    private static final class ParseError extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int line;

        ParseError(int line, String message) {
            super(message, null, false, false);
            this.line = line;
        }
    }

    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|\r|\n");
    private static final Pattern INTEGER_LITERAL = Pattern.compile("[0-9]+|0[xX][0-9a-fA-F]+");
    private static final BigInteger MAX_HEX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final BigInteger MIN_DEC = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger MAX_DEC = BigInteger.valueOf(Long.MAX_VALUE);

    private final Diagnostics diag;
    private final List<Tok> toks = new ArrayList<>();
    private int pos;
    private int depth;

    private BodyParser(Diagnostics diag) {
        this.diag = diag;
    }

    /** Parses {@code text}, whose first line is file line {@code firstLine}. Errors go to {@code diag}. */
    static List<Stmt> parse(String text, int firstLine, Diagnostics diag) {
        BodyParser p = new BodyParser(diag);
        p.lex(text, firstLine);
        try {
            return p.parseBlock(true);
        } catch (NestingTooDeep e) {
            diag.error(e.line, e.getMessage());
            return List.of();
        }
    }

    /** One level deeper at {@code line}; every call is paired with {@link #leave} in a finally block. */
    private void enter(int line) {
        if (++depth > MAX_NESTING) {
            throw new NestingTooDeep(line);
        }
    }

    private void leave() {
        depth--;
    }

    // ---------------------------------------------------------------- lexer

    private void lex(String text, int firstLine) {
        String[] lines = LINE_BREAK.split(text, -1);
        int lastLine = firstLine;
        for (int i = 0; i < lines.length; i++) {
            int ln = firstLine + i;
            lastLine = ln;
            lexLine(lines[i], ln);
            toks.add(new Tok(K.NL, "", ln));
        }
        toks.add(new Tok(K.EOF, "", lastLine));
    }

    private void lexLine(String s, int ln) {
        int start = toks.size();
        boolean bad = false;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
            } else if (c == '#') {
                break;
            } else if (Character.isDigit(c)) {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                String t = s.substring(i, j);
                if (!INTEGER_LITERAL.matcher(t).matches()) {
                    if (!bad) {
                        diag.error(ln, "invalid integer literal '" + t + "'");
                    }
                    bad = true;
                }
                toks.add(new Tok(K.INT, t, ln));
                i = j;
            } else if (Character.isLetter(c) || c == '_') {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                    j++;
                }
                toks.add(new Tok(K.WORD, s.substring(i, j), ln));
                i = j;
            } else {
                String two = i + 1 < n ? s.substring(i, i + 2) : "";
                if (two.equals("==") || two.equals("!=") || two.equals("<=") || two.equals(">=")
                        || two.equals("&&") || two.equals("||")) {
                    toks.add(new Tok(K.OP, two, ln));
                    i += 2;
                } else if ("+-*/%<>!=(){},.:".indexOf(c) >= 0) {
                    toks.add(new Tok(K.OP, String.valueOf(c), ln));
                    i++;
                } else {
                    if (!bad) {
                        diag.error(ln, "unexpected character '" + c + "'");
                    }
                    bad = true;
                    i++;
                }
            }
        }
        if (bad) {
            // The statement on this line was already reported; the parser skips it (keeping braces balanced).
            int insertAt = start;
            while (insertAt < toks.size() && toks.get(insertAt).is("}")) {
                insertAt++;
            }
            toks.add(insertAt, new Tok(K.BAD, "", ln));
        }
    }

    // ---------------------------------------------------------------- parser helpers

    private Tok peek() {
        return toks.get(pos);
    }

    private Tok next() {
        Tok t = toks.get(pos);
        if (t.kind != K.EOF) {
            pos++;
        }
        return t;
    }

    private boolean accept(String s) {
        if (peek().is(s)) {
            pos++;
            return true;
        }
        return false;
    }

    private Tok expect(String s, String what) {
        Tok t = peek();
        if (!t.is(s)) {
            throw new ParseError(t.line, "expected " + what + ", found " + t.show());
        }
        return next();
    }

    private boolean atLineEnd() {
        K k = peek().kind;
        return k == K.NL || k == K.EOF;
    }

    /** Skips the rest of a bad statement; a '{' opened on the skipped part is parsed as a block so braces stay balanced. */
    private void skipLine() {
        while (!atLineEnd()) {
            Tok t = peek();
            if (t.is("}")) {
                return;
            }
            next();
            if (t.is("{")) {
                parseBlock(false);
                if (!accept("}")) {
                    diag.error(t.line, "unbalanced braces: '{' is never closed");
                    return;
                }
            }
        }
    }

    // ---------------------------------------------------------------- statements

    private List<Stmt> parseBlock(boolean top) {
        if (top) {
            return parseStatements(true);
        }
        enter(peek().line);
        try {
            return parseStatements(false);
        } finally {
            leave();
        }
    }

    private List<Stmt> parseStatements(boolean top) {
        List<Stmt> out = new ArrayList<>();
        while (true) {
            Tok t = peek();
            if (t.kind == K.NL) {
                next();
                continue;
            }
            if (t.kind == K.EOF) {
                return out;
            }
            if (t.is("}")) {
                if (!top) {
                    return out;
                }
                diag.error(t.line, "unbalanced braces: '}' without a matching '{'");
                next();
                continue;
            }
            if (t.kind == K.BAD) {
                next();
                skipLine();
                continue;
            }
            try {
                Stmt s = parseStatement();
                endStatement();
                out.add(s);
            } catch (ParseError e) {
                diag.error(e.line, e.getMessage());
                skipLine();
            }
        }
    }

    private void endStatement() {
        Tok t = peek();
        if (t.kind == K.NL) {
            next();
        } else if (t.kind == K.BAD) {
            next();
            skipLine();
        } else if (t.kind != K.EOF && !t.is("}")) {
            throw new ParseError(t.line, "expected end of line after statement, found " + t.show());
        }
    }

    private Stmt parseStatement() {
        Tok t = peek();
        int ln = t.line;
        if (t.kind == K.WORD) {
            switch (t.text) {
                case "var" -> {
                    next();
                    String name = identifier("a variable name after 'var'");
                    VarType type = null;
                    if (accept(":")) {
                        Tok tt = peek();
                        type = tt.kind == K.WORD ? VarType.declared(tt.text) : null;
                        if (type == null) {
                            throw new ParseError(tt.line, "expected a type (int, Box, Pair or object) after 'var " + name + ":', found "
                                    + tt.show());
                        }
                        next();
                    }
                    expect("=", "'=' after 'var " + name + "'");
                    return new Stmt.VarDecl(name, type, parseExpr(), ln);
                }
                case "if" -> {
                    return parseIf();
                }
                case "while" -> {
                    next();
                    Expr cond = parseExpr();
                    return new Stmt.While(cond, parseBraced(), ln);
                }
                case "return" -> {
                    next();
                    if (atLineEnd() || peek().is("}")) {
                        return new Stmt.Return(null, ln);
                    }
                    return new Stmt.Return(parseExpr(), ln);
                }
                case "throw" -> {
                    next();
                    if (atLineEnd() || peek().is("}")) {
                        return new Stmt.Throw(null, ln);
                    }
                    return new Stmt.Throw(parseExpr(), ln);
                }
                case "try" -> {
                    return parseTry();
                }
                case "catch", "finally" -> throw new ParseError(ln, "'" + t.text + "' without a matching 'try' (write '} "
                        + (t.text.equals("catch") ? "catch e" : "finally") + " {' on the line of the '}')");
                case "gcpoint" -> {
                    next();
                    return new Stmt.GcPoint(ln);
                }
                case "tailcall" -> {
                    next();
                    if (!accept("cell")) {
                        throw new ParseError(ln, "expected 'cell' after 'tailcall' (tail jumps always go through an import cell)");
                    }
                    String name = qualifiedName();
                    return new Stmt.TailCall(new CallTarget(name), arguments(), ln);
                }
                case "else" -> throw new ParseError(ln, "'else' without a matching 'if'");
                default -> {
                    if (!RESERVED.contains(t.text) && toks.get(pos + 1).is("=")) {
                        next();
                        next();
                        return new Stmt.Assign(t.text, parseExpr(), ln);
                    }
                }
            }
        }
        Expr e = parseExpr();
        if (peek().is("=")) {
            if (!(e instanceof Expr.Field f)) {
                throw new ParseError(ln, "invalid assignment target");
            }
            next();
            return new Stmt.FieldAssign(f.object(), f.field(), parseExpr(), ln);
        }
        if (!(e instanceof Expr.Call) && !(e instanceof Expr.Await)) {
            throw new ParseError(ln, "expression statement must be a call or an await");
        }
        return new Stmt.ExprStmt(e, ln);
    }

    private Stmt parseIf() {
        int ln = expect("if", "'if'").line;
        Expr cond = parseExpr();
        List<Stmt> then = parseBraced();
        List<Stmt> otherwise = List.of();
        if (accept("else")) {
            if (peek().is("if")) {
                enter(peek().line);
                try {
                    otherwise = List.of(parseIf());
                } finally {
                    leave();
                }
            } else {
                otherwise = parseBraced();
            }
        }
        return new Stmt.If(cond, then, otherwise, ln);
    }

    /** {@code try { } [catch [e] { }] [finally { }]}, each clause on the line of the '}' before it, as {@code } else {}. */
    private Stmt parseTry() {
        int ln = expect("try", "'try'").line;
        List<Stmt> body = parseBraced();
        Stmt.Catch handler = null;
        Stmt.Finally fin = null;
        if (peek().is("catch")) {
            int cl = next().line;
            String variable = null;
            if (!peek().is("{")) {
                variable = identifier("a variable name or '{' after 'catch'");
            }
            handler = new Stmt.Catch(variable, parseBraced(), cl);
        }
        if (peek().is("finally")) {
            int fl = next().line;
            fin = new Stmt.Finally(parseBraced(), fl);
        }
        if (handler == null && fin == null) {
            throw new ParseError(ln, "'try' without 'catch' or 'finally'");
        }
        return new Stmt.Try(body, handler, fin, ln);
    }

    private List<Stmt> parseBraced() {
        Tok open = expect("{", "'{'");
        List<Stmt> body = parseBlock(false);
        if (!accept("}")) {
            throw new ParseError(open.line, "unbalanced braces: '{' is never closed");
        }
        return body;
    }

    private String identifier(String what) {
        Tok t = peek();
        if (t.kind != K.WORD || RESERVED.contains(t.text)) {
            throw new ParseError(t.line, "expected " + what + ", found " + t.show());
        }
        next();
        return t.text;
    }

    private String qualifiedName() {
        Tok t = peek();
        if (t.kind != K.WORD) {
            throw new ParseError(t.line, "expected a method name, found " + t.show());
        }
        StringBuilder sb = new StringBuilder(next().text);
        while (peek().is(".") || peek().is("+")) {
            sb.append(next().text);
            Tok p = peek();
            if (p.kind != K.WORD) {
                throw new ParseError(p.line, "expected a name after '" + sb.charAt(sb.length() - 1) + "', found " + p.show());
            }
            sb.append(next().text);
        }
        return sb.toString();
    }

    private List<Expr> arguments() {
        expect("(", "'(' after the method name");
        List<Expr> args = new ArrayList<>();
        if (accept(")")) {
            return args;
        }
        enter(peek().line);
        try {
            do {
                args.add(parseExpr());
            } while (accept(","));
        } finally {
            leave();
        }
        expect(")", "',' or ')'");
        return args;
    }

    // ---------------------------------------------------------------- expressions

    private Expr parseExpr() {
        Expr l = parseAnd();
        while (peek().is("||")) {
            int ln = next().line;
            l = new Expr.Binary(BinaryOp.OR, l, parseAnd(), ln);
        }
        return l;
    }

    private Expr parseAnd() {
        Expr l = parseEquality();
        while (peek().is("&&")) {
            int ln = next().line;
            l = new Expr.Binary(BinaryOp.AND, l, parseEquality(), ln);
        }
        return l;
    }

    private Expr parseEquality() {
        Expr l = parseRelational();
        while (true) {
            BinaryOp op = peek().is("==") ? BinaryOp.EQ : peek().is("!=") ? BinaryOp.NE : null;
            if (op == null) {
                return l;
            }
            int ln = next().line;
            l = new Expr.Binary(op, l, parseRelational(), ln);
        }
    }

    private Expr parseRelational() {
        Expr l = parseAdditive();
        while (true) {
            Tok t = peek();
            BinaryOp op = t.is("<") ? BinaryOp.LT : t.is("<=") ? BinaryOp.LE : t.is(">") ? BinaryOp.GT
                    : t.is(">=") ? BinaryOp.GE : null;
            if (op == null) {
                return l;
            }
            int ln = next().line;
            l = new Expr.Binary(op, l, parseAdditive(), ln);
        }
    }

    private Expr parseAdditive() {
        Expr l = parseMultiplicative();
        while (true) {
            BinaryOp op = peek().is("+") ? BinaryOp.ADD : peek().is("-") ? BinaryOp.SUB : null;
            if (op == null) {
                return l;
            }
            int ln = next().line;
            l = new Expr.Binary(op, l, parseMultiplicative(), ln);
        }
    }

    private Expr parseMultiplicative() {
        Expr l = parseUnary();
        while (true) {
            Tok t = peek();
            BinaryOp op = t.is("*") ? BinaryOp.MUL : t.is("/") ? BinaryOp.DIV : t.is("%") ? BinaryOp.REM : null;
            if (op == null) {
                return l;
            }
            int ln = next().line;
            l = new Expr.Binary(op, l, parseUnary(), ln);
        }
    }

    private Expr parseUnary() {
        Tok t = peek();
        if (t.is("-")) {
            next();
            if (peek().kind == K.INT) {
                return literal(next(), true);
            }
            return new Expr.Unary(UnaryOp.NEG, parseNested(this::parseUnary), t.line);
        }
        if (t.is("!")) {
            next();
            return new Expr.Unary(UnaryOp.NOT, parseNested(this::parseUnary), t.line);
        }
        return parsePrimary();
    }

    /** An operand one level deeper. */
    private Expr parseNested(Supplier<Expr> operand) {
        enter(peek().line);
        try {
            return operand.get();
        } finally {
            leave();
        }
    }

    private Expr literal(Tok t, boolean negative) {
        String s = t.text;
        boolean hex = s.length() > 2 && (s.charAt(1) == 'x' || s.charAt(1) == 'X');
        BigInteger v = hex ? new BigInteger(s.substring(2), 16) : new BigInteger(s);
        String shown = (negative ? "-" : "") + s;
        if (hex) {
            if (v.compareTo(MAX_HEX) > 0) {
                throw new ParseError(t.line, "integer literal " + shown + " is out of the 64-bit range");
            }
            long bits = v.longValue();
            return new Expr.IntLit(negative ? -bits : bits, t.line);
        }
        if (negative) {
            v = v.negate();
        }
        if (v.compareTo(MIN_DEC) < 0 || v.compareTo(MAX_DEC) > 0) {
            throw new ParseError(t.line, "integer literal " + shown + " is out of the 64-bit range");
        }
        return new Expr.IntLit(v.longValue(), t.line);
    }

    /** A primary expression and the fields read from it ({@code p.first.value}); each field is one level deeper. */
    private Expr parsePrimary() {
        Expr e = parseAtom();
        int fields = 0;
        while (peek().is(".")) {
            int ln = next().line;
            if (++fields + depth > MAX_NESTING) {
                throw new NestingTooDeep(ln);
            }
            Tok f = peek();
            if (f.kind != K.WORD || RESERVED.contains(f.text)) {
                throw new ParseError(f.line, "expected a field name after '.', found " + f.show());
            }
            e = new Expr.Field(e, next().text, ln);
        }
        return e;
    }

    private Expr parseAtom() {
        Tok t = peek();
        int ln = t.line;
        if (t.kind == K.INT) {
            return literal(next(), false);
        }
        if (t.is("(")) {
            next();
            Expr e = parseNested(this::parseExpr);
            expect(")", "')'");
            return e;
        }
        if (t.kind == K.WORD) {
            switch (t.text) {
                case "this" -> {
                    next();
                    return new Expr.This(ln);
                }
                case "null" -> {
                    next();
                    return new Expr.Null(ln);
                }
                case "new" -> {
                    next();
                    Tok tt = peek();
                    VarType type = tt.kind == K.WORD ? VarType.declared(tt.text) : null;
                    if (type == null || type.object == null) {
                        throw new ParseError(tt.line, "expected Box or Pair after 'new', found " + tt.show());
                    }
                    next();
                    return new Expr.New(type, arguments(), ln);
                }
                case "call" -> {
                    next();
                    CallKind kind = accept("cell") ? CallKind.CELL : CallKind.DIRECT;
                    String name = qualifiedName();
                    return new Expr.Call(kind, new CallTarget(name), arguments(), ln);
                }
                case "await" -> {
                    next();
                    if (accept("yield")) {
                        return new Expr.Await(CallKind.DIRECT, null, List.of(), true, ln);
                    }
                    CallKind kind = accept("cell") ? CallKind.CELL : CallKind.DIRECT;
                    String name = qualifiedName();
                    return new Expr.Await(kind, new CallTarget(name), arguments(), false, ln);
                }
                default -> {
                    if (!RESERVED.contains(t.text)) {
                        next();
                        if (peek().is("(")) {
                            throw new ParseError(ln, "a call needs 'call' or 'await': 'call " + t.text + "(...)'");
                        }
                        return new Expr.VarRef(t.text, ln);
                    }
                }
            }
        }
        throw new ParseError(ln, "expected an expression, found " + t.show());
    }
}
