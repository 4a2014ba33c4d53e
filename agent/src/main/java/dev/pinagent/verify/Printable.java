package dev.pinagent.verify;

import java.security.cert.X509Certificate;

/**
 * Text from outside the agent (certificate names, servers' and libraries' messages, values from a policy file),
 * made safe to print on one line. A CA writes whatever it likes into a subject: with a line break in it, a name
 * could forge lines of the tools' output (a "TRUSTED" verdict, an extra pin in YAML meant to be pasted) or of the
 * application's log.
 *
 * <p>Control characters (C0, DEL, C1), the Unicode line and paragraph separators and the bidirectional controls
 * (which can make a terminal show text in another order than it is) are written as escapes: {@code \n},
 * {@code \r}, {@code \t}, others as {@code \}{@code u0085}. Everything else, non-ASCII letters included, is kept,
 * so an ordinary name prints as it always did.
 *
 * <pre>
 * Printable.of("CN=Evil\nTRUSTED")   // "CN=Evil\\nTRUSTED": one line
 * </pre>
 */
public final class Printable {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Printable() {}

  /** {@code text} with every character that could break or reorder a line escaped; {@code "null"} for null. */
  public static String of(String text) {
    if (text == null) {
      return "null";
    }
    int first = 0;
    while (first < text.length() && !needsEscape(text.charAt(first))) {
      first++;
    }
    if (first == text.length()) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!needsEscape(c)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else {
        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf])
            .append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  /** {@link #of(String)} of anything's {@code toString()}, e.g. an exception's. */
  public static String of(Object value) {
    return of(String.valueOf(value));
  }

  /** The certificate's subject in RFC 2253 form, made printable. */
  public static String subject(X509Certificate certificate) {
    return of(certificate.getSubjectX500Principal().getName());
  }

  /** The certificate's issuer in RFC 2253 form, made printable. */
  public static String issuer(X509Certificate certificate) {
    return of(certificate.getIssuerX500Principal().getName());
  }

  /** Whether {@code c} could break, end or reorder a line of output. */
  public static boolean needsEscape(int c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f)
        || c == '\u2028' || c == '\u2029'
        || c == '\u061c' || c == '\u200e' || c == '\u200f'
        || (c >= '\u202a' && c <= '\u202e')
        || (c >= '\u2066' && c <= '\u2069');
  }
}
