package dev.pinagent.json;

import dev.pinagent.verify.Printable;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Just enough JSON for the commands' {@code --format json}, the inventory file, the agent's JSON log and its
 * violation reports: maps, lists, strings, numbers, booleans. {@link #write} indents; {@link #line} writes one
 * line. Written by hand; read with SnakeYAML, since JSON as this class writes it is YAML (flow collections,
 * double-quoted strings with JSON's escapes, integers) and the agent ships no other parser.
 *
 * <p>Where YAML reads JSON differently, {@link #read} is strict rather than lenient: duplicate keys are an error
 * (JSON leaves them undefined), nesting and size are capped, and only SnakeYAML's safe constructor runs, so a
 * document can build nothing but maps, lists and scalars. A number with an exponent ({@code 1e3}) reads as a
 * string under YAML 1.1; {@link #write} never writes one, and readers take numbers as {@link Number} only.
 */
public final class Json {
  /** Deeper than anything the agent writes; bounds what a crafted document costs. */
  static final int MAX_DEPTH = 16;

  private Json() {}

  /** A document that is not JSON the agent can read; the message names the line and column. */
  public static final class ParseException extends Exception {
    private static final long serialVersionUID = 1L;

    ParseException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * Reads one JSON document of at most {@code maxChars} characters into maps ({@code LinkedHashMap}), lists,
   * strings, numbers, booleans and nulls.
   */
  public static Object read(String text, int maxChars) throws ParseException {
    String trimmed = text.strip();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) {
      throw new ParseException("line 1: expected a JSON object or array, got "
          + (trimmed.isEmpty() ? "an empty document" : "'" + Printable.of(trimmed.substring(0,
              Math.min(20, trimmed.length()))) + "'"), null);
    }
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(0);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(maxChars);
    try {
      return new Yaml(new SafeConstructor(options)).load(text);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      String where = mark == null ? "" : "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + ": ";
      throw new ParseException(where + Printable.of(String.valueOf(e.getProblem() != null ? e.getProblem()
          : e.getContext())), e);
    } catch (RuntimeException e) {
      String message = String.valueOf(e.getMessage());
      throw new ParseException(message.startsWith("Nesting Depth") ? "nested deeper than " + MAX_DEPTH + " levels"
          : Printable.of(message), e);
    }
  }

  /** {@code value} indented by two spaces per level, ending with a line break. */
  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, "");
    return out.append('\n').toString();
  }

  /** {@code value} on one line, without a line break: strings never hold a raw one, as every control is escaped. */
  public static String line(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, null);
    return out.toString();
  }

  /** {@code indent} is {@code null} for one line. */
  private static void write(Object value, StringBuilder out, String indent) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Map) {
      Map<?, ?> map = (Map<?, ?>) value;
      if (map.isEmpty()) {
        out.append("{}");
        return;
      }
      out.append(indent == null ? "{" : "{\n");
      int i = 0;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        open(out, indent);
        string(String.valueOf(entry.getKey()), out);
        out.append(indent == null ? ":" : ": ");
        write(entry.getValue(), out, deeper(indent));
        close(out, indent, ++i < map.size());
      }
      out.append(indent == null ? "" : indent).append('}');
    } else if (value instanceof List) {
      List<?> list = (List<?>) value;
      if (list.isEmpty()) {
        out.append("[]");
        return;
      }
      out.append(indent == null ? "[" : "[\n");
      for (int i = 0; i < list.size(); i++) {
        open(out, indent);
        write(list.get(i), out, deeper(indent));
        close(out, indent, i + 1 < list.size());
      }
      out.append(indent == null ? "" : indent).append(']');
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else {
      string(String.valueOf(value), out);
    }
  }

  private static void open(StringBuilder out, String indent) {
    if (indent != null) {
      out.append(indent).append("  ");
    }
  }

  private static void close(StringBuilder out, String indent, boolean more) {
    out.append(more ? "," : "").append(indent == null ? "" : "\n");
  }

  private static String deeper(String indent) {
    return indent == null ? null : indent + "  ";
  }

  private static void string(String text, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          // Beyond what JSON requires: C1 controls, line separators and bidirectional controls too, so that
          // output shown raw (a CI log) still cannot break or reorder a line.
          if (Printable.needsEscape(c)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
