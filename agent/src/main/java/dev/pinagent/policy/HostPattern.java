package dev.pinagent.policy;

/**
 * Which hosts a pin-set covers. Three forms, as in OkHttp's {@code CertificatePinner}:
 *
 * <ul>
 *   <li>{@code api.example.com} or an IP literal: that host only;
 *   <li>{@code *.example.com}: exactly one label below {@code example.com}, not {@code example.com} itself;
 *   <li>{@code **.example.com}: {@code example.com} itself and any depth below it.
 * </ul>
 *
 * A wildcard anywhere else ({@code api*.example.com}, {@code a.*.example.com}) is refused rather than
 * guessed at: a pattern that silently matches nothing leaves its hosts unpinned.
 */
public final class HostPattern {
  /** How a pattern matches; declared from most to least specific, which is the order lookups try them. */
  public enum Kind {
    EXACT(""),
    ONE_LABEL("*."),
    ANY_DEPTH("**.");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }
  }

  private final Kind kind;
  private final String domain;

  private HostPattern(Kind kind, String domain) {
    this.kind = kind;
    this.domain = domain;
  }

  /** Parses a pattern as written in a policy; the exception message says what is wrong. */
  public static HostPattern parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new IllegalArgumentException(expected() + ", got an empty value");
    }
    Kind kind = Kind.EXACT;
    String rest = text;
    if (text.startsWith(Kind.ANY_DEPTH.prefix)) {
      kind = Kind.ANY_DEPTH;
      rest = text.substring(Kind.ANY_DEPTH.prefix.length());
    } else if (text.startsWith(Kind.ONE_LABEL.prefix)) {
      kind = Kind.ONE_LABEL;
      rest = text.substring(Kind.ONE_LABEL.prefix.length());
    }
    if (rest.indexOf('*') >= 0) {
      throw new IllegalArgumentException(
          expected() + ", got '" + text + "': a wildcard may only be the whole first label");
    }
    if (rest.indexOf('%') >= 0) {
      throw new IllegalArgumentException(
          expected() + ", got '" + text + "': write IPv6 addresses without a zone ('%...')");
    }
    String domain;
    try {
      domain = HostName.normalize(rest);
    } catch (AmbiguousHostNameException e) {
      // It already says what to write; only the wildcard has to go back on the name and its readings.
      throw e.withPrefix(kind.prefix);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(expected() + ", got '" + text + "': " + e.getMessage());
    }
    if (kind != Kind.EXACT && HostName.isIpLiteral(domain)) {
      throw new IllegalArgumentException(
          expected() + ", got '" + text + "': wildcards apply to domain names, not IP addresses");
    }
    return new HostPattern(kind, domain);
  }

  /**
   * A pattern from parts already normalized and validated, such as those of another pattern: for the lint, which
   * probes the policy's patterns by host suffix.
   */
  static HostPattern of(Kind kind, String normalizedDomain) {
    return new HostPattern(kind, normalizedDomain);
  }

  private static String expected() {
    return "expected a host ('api.example.com'), '*.example.com', '**.example.com' or an IP literal";
  }

  public Kind kind() {
    return kind;
  }

  /** The normalized host (exact) or the domain below which the wildcard applies. */
  public String domain() {
    return domain;
  }

  /** Whether this pattern covers {@code host}, which must be {@linkplain HostName#normalize normalized}. */
  public boolean matches(String host) {
    switch (kind) {
      case EXACT:
        return host.equals(domain);
      case ONE_LABEL:
        return host.length() > domain.length() + 1
            && host.endsWith(domain)
            && host.charAt(host.length() - domain.length() - 1) == '.'
            && host.indexOf('.') == host.length() - domain.length() - 1;
      case ANY_DEPTH:
        return host.equals(domain)
            || (host.length() > domain.length() + 1
                && host.endsWith(domain)
                && host.charAt(host.length() - domain.length() - 1) == '.');
      default:
        throw new AssertionError(kind);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof HostPattern
        && kind == ((HostPattern) other).kind
        && domain.equals(((HostPattern) other).domain);
  }

  @Override
  public int hashCode() {
    return 31 * kind.hashCode() + domain.hashCode();
  }

  @Override
  public String toString() {
    return kind.prefix + domain;
  }
}
