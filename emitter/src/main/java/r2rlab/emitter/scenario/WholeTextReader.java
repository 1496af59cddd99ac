package r2rlab.emitter.scenario;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.reader.StreamReader;

/**
 * SnakeYAML's {@link StreamReader} over a text already in memory. SnakeYAML's own reader refills a window of 1,024
 * characters by copying everything it has not consumed yet, so scanning a token of n characters (a 5 MB comment
 * line) costs n² / 1,024 copies; here every look-ahead is an array access. Positions (index, line, column) and
 * characters are SnakeYAML's; the text has already been checked for characters YAML does not allow
 * ({@link ScenarioParser}), which SnakeYAML's reader checks as it refills.
 */
final class WholeTextReader extends StreamReader {
    private static final String NAME = "'reader'";

    private final int[] text;
    private int pointer;
    private int index;
    private int documentIndex;
    private int line;
    private int column;

    WholeTextReader(String text) {
        super("");
        this.text = text.codePoints().toArray();
    }

    @Override
    public Mark getMark() {
        return new Mark(NAME, index, line, column, text, pointer);
    }

    @Override
    public void forward() {
        forward(1);
    }

    /** As SnakeYAML: a line break is LF, NEL, LS, PS, or a CR not followed by LF; a BOM takes no column. */
    @Override
    public void forward(int length) {
        for (int i = 0; i < length && pointer < text.length; i++) {
            int c = text[pointer++];
            index++;
            documentIndex++;
            if (c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029 || (c == '\r' && pointer < text.length && text[pointer] != '\n')) {
                line++;
                column = 0;
            } else if (c != 0xFEFF) {
                column++;
            }
        }
    }

    @Override
    public int peek() {
        return peek(0);
    }

    /** The code point {@code k} ahead, or NUL past the end. */
    @Override
    public int peek(int k) {
        long at = (long) pointer + k;
        return at < text.length ? text[(int) at] : '\0';
    }

    @Override
    public String prefix(int length) {
        if (length == 0 || pointer >= text.length) {
            return "";
        }
        return new String(text, pointer, Math.min(length, text.length - pointer));
    }

    /** The next {@code length} code points, consumed; SnakeYAML calls it for text without line breaks. */
    @Override
    public String prefixForward(int length) {
        String prefix = prefix(length);
        pointer += length;
        index += length;
        documentIndex += length;
        column += length;
        return prefix;
    }

    @Override
    public int getColumn() {
        return column;
    }

    @Override
    public int getDocumentIndex() {
        return documentIndex;
    }

    @Override
    public void resetDocumentIndex() {
        documentIndex = 0;
    }

    @Override
    public int getIndex() {
        return index;
    }

    @Override
    public int getLine() {
        return line;
    }
}
