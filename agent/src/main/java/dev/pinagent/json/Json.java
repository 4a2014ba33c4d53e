package dev.pinagent.json;

import dev.pinagent.verify.Printable;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON writing for what the agent and its tools print: maps, lists, strings, numbers, booleans.
 * {@link #write} indents, for the tools' {@code --format json}; {@link #line} writes one line, for the agent's
 * JSON log (one object per line) and its violation reports.
 */
public final class Json {
  private Json() {}

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
