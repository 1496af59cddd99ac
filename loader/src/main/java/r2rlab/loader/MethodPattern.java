package r2rlab.loader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import r2rlab.format.metadata.MetadataTable;
import r2rlab.format.r2r.CodeBodyKind;

/**
 * A method selector as {@code dump --method} and {@code diff --method} take it: a MethodDef token
 * ({@code 0x0600002B}), a name as dump prints it ({@code Namespace.Type.Method}) or any dotted tail of
 * it ({@code Type.Method}, {@code Method}), or a glob of either ({@code *} and {@code ?}); names compare
 * without regard to case, as r2rdump's {@code --query} does. A pattern matches a method's whole family:
 * the method, its async variant, its resumption stub and their Tier1 versions, each body recognised by
 * its base name ({@link #baseName}) and its family token ({@link #familyTokens}).
 */
public final class MethodPattern {
    private final String text;
    private final int token;
    private final Pattern glob;

    private MethodPattern(String text, int token, Pattern glob) {
        this.text = text;
        this.token = token;
        this.glob = glob;
    }

    /**
     * Parses a selector.
     *
     * @throws IllegalArgumentException the text is empty, or a hexadecimal literal that is no MethodDef token
     */
    public static MethodPattern parse(String text) {
        String t = text.trim();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty method pattern");
        }
        if (t.startsWith("0x") || t.startsWith("0X")) {
            long v;
            try {
                v = Long.parseLong(t.substring(2), 16);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(text + " is neither a name nor a MethodDef token (0x06xxxxxx)");
            }
            if (v > 0xFFFFFFFFL || MetadataTable.table((int) v) != MetadataTable.METHODDEF) {
                throw new IllegalArgumentException(text + " is not a MethodDef token (0x06xxxxxx)");
            }
            return new MethodPattern(t, (int) v, null);
        }
        Pattern glob = null;
        if (t.indexOf('*') >= 0 || t.indexOf('?') >= 0) {
            StringBuilder re = new StringBuilder();
            for (char c : t.toCharArray()) {
                re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
            }
            glob = Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
        }
        return new MethodPattern(t, 0, glob);
    }

    @Override
    public String toString() {
        return text;
    }

    /** Whether this pattern names the family of a body with this base name and family token. */
    public boolean matches(String baseName, int familyToken) {
        if (token != 0) {
            return familyToken == token;
        }
        // the whole name, or a tail after '.' or '+' (nested types)
        for (int i = -1; i < baseName.length(); i++) {
            if (i >= 0 && baseName.charAt(i) != '.' && baseName.charAt(i) != '+') {
                continue;
            }
            String tail = baseName.substring(i + 1);
            if (glob != null ? glob.matcher(tail).matches() : tail.toLowerCase(Locale.ROOT).equals(text.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    /** A body's name without the suffixes of resumption stubs and Tier1 versions: the name of its method. */
    public static String baseName(ReadyToRunMethod m) {
        String n = m.name();
        if (n.endsWith(R2RImage.TIER1_SUFFIX)) {
            n = n.substring(0, n.length() - R2RImage.TIER1_SUFFIX.length());
        }
        if (n.endsWith(R2RImage.STUB_SUFFIX)) {
            n = n.substring(0, n.length() - R2RImage.STUB_SUFFIX.length());
        }
        return n;
    }

    /**
     * Each body's family token, by entry runtime function: its own token, or for a resumption stub (token 0)
     * the token of the async variant whose fixup list names its cell (0 when none does).
     */
    public static Map<Integer, Integer> familyTokens(R2RImage img) {
        Map<Integer, Integer> owners = new HashMap<>();
        for (ResumptionStub s : img.resumptionStubs()) {
            if (s.owner() != null && s.runtimeFunction() >= 0) {
                owners.putIfAbsent(s.runtimeFunction(), s.owner().token());
            }
        }
        Map<Integer, Integer> out = new HashMap<>();
        for (ReadyToRunMethod m : img.methods()) {
            int t = m.kind() == CodeBodyKind.RESUMPTION_STUB ? owners.getOrDefault(m.entryRuntimeFunction(), 0) : m.token();
            out.putIfAbsent(m.entryRuntimeFunction(), t);
        }
        return out;
    }

    /** The bodies of {@code img} that any of {@code patterns} matches, in the image's order. */
    public static List<ReadyToRunMethod> select(R2RImage img, List<MethodPattern> patterns) {
        Map<Integer, Integer> tokens = familyTokens(img);
        List<ReadyToRunMethod> out = new ArrayList<>();
        for (ReadyToRunMethod m : img.methods()) {
            String base = baseName(m);
            int t = tokens.getOrDefault(m.entryRuntimeFunction(), 0);
            for (MethodPattern p : patterns) {
                if (p.matches(base, t)) {
                    out.add(m);
                    break;
                }
            }
        }
        return out;
    }
}
