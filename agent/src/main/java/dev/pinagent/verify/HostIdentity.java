package dev.pinagent.verify;

import dev.pinagent.policy.HostName;
import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.text.Normalizer;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.StringTokenizer;
import java.util.function.BooleanSupplier;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SNIHostName;

/**
 * Whether a server certificate names a host, exactly as the JDK's endpoint identification "HTTPS" decides it
 * ({@code sun.security.util.HostnameChecker}, TYPE_TLS): subjectAltName IP addresses for an IP literal;
 * otherwise subjectAltName DNS names, and the most specific common name only when there is no DNS name. In a
 * name a {@code *} may stand for any part of a label ({@code partial-w*.example.com}, {@code f*o.example.com});
 * since Java 19 (JDK-7192189) only in the leftmost label, before that in any label. A lone {@code *}, a
 * wildcard with no dot after it, and, for a chain that ends at one of the JDK's own roots, a wildcard directly
 * over a public suffix ({@code *.co.uk}; see {@link PublicSuffixes}) name nothing.
 *
 * <p>A pin on a CA key proves only that this CA issued the certificate; the name in it is what binds it to
 * the host. The JDK checks that name when the client asks for endpoint identification; trust-all managers,
 * allow-all hostname verifiers and raw sockets skip it, so the agent checks it itself whenever the pinned key
 * is not the leaf's own. It must be the JDK's rule and not a stricter one: a chain the JDK accepted for a host
 * would otherwise be refused (a partial wildcard from a private CA, issue 11 item 9). The JDK's checker is not
 * exported from {@code java.base} and its public door (a trust manager with endpoint identification) needs a
 * live handshake, so this is a port, line for line; {@code HostnameParityIT} compares it with the JDK's own on
 * every tested JVM.
 */
public final class HostIdentity {
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  /** JDK-7192189 (Java 19) confined the wildcard to the leftmost label; older JDKs follow RFC 2818. */
  private static final boolean WILDCARD_IN_LEFTMOST_LABEL_ONLY = Runtime.version().feature() >= 19;

  private HostIdentity() {}

  /**
   * Whether {@code leaf} is issued for {@code host}, a host {@linkplain HostName normalized} for connections,
   * when the chain is not known to end at one of the JDK's own roots.
   */
  public static boolean names(X509Certificate leaf, String host) {
    return names(leaf, host, () -> false, WILDCARD_IN_LEFTMOST_LABEL_ONLY);
  }

  /** {@link #names(X509Certificate, String)} for a chain that ends at {@code anchor}. */
  public static boolean names(X509Certificate leaf, String host, X509Certificate anchor) {
    return names(leaf, host, () -> anchor != null && JdkCaCertificates.contains(anchor),
        WILDCARD_IN_LEFTMOST_LABEL_ONLY);
  }

  /**
   * {@link #names(X509Certificate, String)}, with whether the chain ends at one of the JDK's own roots told
   * rather than looked up (asked only for a wildcard that could cover a public suffix).
   */
  public static boolean names(X509Certificate leaf, String host, BooleanSupplier chainsToPublicCa) {
    return names(leaf, host, chainsToPublicCa, WILDCARD_IN_LEFTMOST_LABEL_ONLY);
  }

  /** @param wildcardInLeftmostLabelOnly the rule since Java 19 */
  static boolean names(X509Certificate leaf, String host, BooleanSupplier chainsToPublicCa,
      boolean wildcardInLeftmostLabelOnly) {
    if (host == null) {
      return false;
    }
    Collection<List<?>> alternativeNames;
    try {
      alternativeNames = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (HostName.isIpLiteral(host)) {
      return namesIp(alternativeNames, host);
    }
    try {
      new SNIHostName(host);
    } catch (IllegalArgumentException e) {
      return false;
    }
    boolean sawDnsName = false;
    if (alternativeNames != null) {
      for (List<?> entry : alternativeNames) {
        if ((Integer) entry.get(0) == SAN_DNS) {
          sawDnsName = true;
          if (isMatched(host, String.valueOf(entry.get(1)), chainsToPublicCa, wildcardInLeftmostLabelOnly)) {
            return true;
          }
        }
      }
    }
    if (sawDnsName) {
      return false;
    }
    String commonName = mostSpecificCommonName(leaf);
    return commonName != null && Normalizer.isNormalized(commonName, Normalizer.Form.NFKC)
        && isMatched(host, commonName, chainsToPublicCa, wildcardInLeftmostLabelOnly);
  }

  /** An IP literal is named only by an IP entry: the same text, or the same address spelled otherwise. */
  private static boolean namesIp(Collection<List<?>> alternativeNames, String host) {
    if (alternativeNames == null) {
      return false;
    }
    for (List<?> entry : alternativeNames) {
      if ((Integer) entry.get(0) == SAN_IP) {
        String address = String.valueOf(entry.get(1));
        if (host.equalsIgnoreCase(address)) {
          return true;
        }
        try {
          // Both are literals (the host was normalized as one, the entry is an address), so no DNS query.
          if (InetAddress.getByName(host).equals(InetAddress.getByName(address))) {
            return true;
          }
        } catch (UnknownHostException e) {
          // Not the same address.
        }
      }
    }
    return false;
  }

  private static boolean isMatched(String name, String template, BooleanSupplier chainsToPublicCa,
      boolean wildcardInLeftmostLabelOnly) {
    if (isPlainAscii(name) && isPlainAscii(template)) {
      // What the JDK's steps come to for names without wildcards or IDN labels, at a fraction of the cost of
      // its IDN round trips (the common case, and every handshake's first check walks all DNS names): the
      // host already passed SNIHostName, so a template equal to it ignoring case is valid, and any other
      // template cannot match.
      return name.equalsIgnoreCase(template);
    }
    try {
      // Unicode, as the public suffix list is.
      name = IDN.toUnicode(IDN.toASCII(name));
      template = IDN.toUnicode(IDN.toASCII(template));
    } catch (RuntimeException e) {
      return false;
    }
    if (hasIllegalWildcard(template, chainsToPublicCa)) {
      return false;
    }
    try {
      new SNIHostName(template.replace('*', 'z'));
    } catch (IllegalArgumentException e) {
      return false;
    }
    return wildcardInLeftmostLabelOnly ? matchLeftmostWildcard(name, template) : matchAllWildcards(name, template);
  }

  /** ASCII, no wildcard and no punycode label: IDN normalization leaves it as it is. */
  private static boolean isPlainAscii(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 0x80 || c == '*') {
        return false;
      }
    }
    return !name.regionMatches(true, 0, "xn--", 0, 4) && name.toLowerCase(Locale.ENGLISH).indexOf(".xn--") < 0;
  }

  private static boolean hasIllegalWildcard(String template, BooleanSupplier chainsToPublicCa) {
    if (template.equals("*") || template.equals("*.")) {
      return true;
    }
    int lastWildcard = template.lastIndexOf('*');
    if (lastWildcard == -1) {
      return false;
    }
    String afterWildcard = template.substring(lastWildcard);
    int firstDot = afterWildcard.indexOf('.');
    if (firstDot == -1) {
      return true;
    }
    if (!chainsToPublicCa.getAsBoolean()) {
      return false;
    }
    String wildcardedDomain = afterWildcard.substring(firstDot + 1);
    String suffix = PublicSuffixes.icannSuffixOf("z." + wildcardedDomain);
    return suffix != null && wildcardedDomain.equalsIgnoreCase(suffix);
  }

  /** Since Java 19: the wildcard may only be in the leftmost label, the rest must be equal. */
  private static boolean matchLeftmostWildcard(String name, String template) {
    name = name.toLowerCase(Locale.ENGLISH);
    template = template.toLowerCase(Locale.ENGLISH);
    int templateDot = template.indexOf('.');
    int nameDot = name.indexOf('.');
    if (templateDot == -1) {
      templateDot = template.length();
    }
    if (nameDot == -1) {
      nameDot = name.length();
    }
    return matchWildcards(name.substring(0, nameDot), template.substring(0, templateDot))
        && template.substring(templateDot).equals(name.substring(nameDot));
  }

  /** Before Java 19 (RFC 2818 section 3.1): label by label, each may hold wildcards. */
  private static boolean matchAllWildcards(String name, String template) {
    name = name.toLowerCase(Locale.ENGLISH);
    template = template.toLowerCase(Locale.ENGLISH);
    StringTokenizer nameLabels = new StringTokenizer(name, ".");
    StringTokenizer templateLabels = new StringTokenizer(template, ".");
    if (nameLabels.countTokens() != templateLabels.countTokens()) {
      return false;
    }
    while (nameLabels.hasMoreTokens()) {
      if (!matchWildcards(nameLabels.nextToken(), templateLabels.nextToken())) {
        return false;
      }
    }
    return true;
  }

  /** One label against a template label: each {@code *} stands for any run of characters, none included. */
  private static boolean matchWildcards(String name, String template) {
    int wildcard = template.indexOf('*');
    if (wildcard == -1) {
      return name.equals(template);
    }
    boolean beginning = true;
    String afterWildcard = template;
    while (wildcard != -1) {
      String beforeWildcard = afterWildcard.substring(0, wildcard);
      afterWildcard = afterWildcard.substring(wildcard + 1);
      int start = name.indexOf(beforeWildcard);
      if (start == -1 || (beginning && start != 0)) {
        return false;
      }
      beginning = false;
      name = name.substring(start + beforeWildcard.length());
      wildcard = afterWildcard.indexOf('*');
    }
    return name.endsWith(afterWildcard);
  }

  private static String mostSpecificCommonName(X509Certificate certificate) {
    try {
      List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
      // LdapName lists RDNs from the right of the written name; the leftmost CN is the most specific.
      for (int i = rdns.size() - 1; i >= 0; i--) {
        Attribute commonName = rdns.get(i).toAttributes().get("cn");
        if (commonName != null) {
          Object value = commonName.get();
          return value instanceof String ? (String) value : null;
        }
      }
    } catch (NamingException e) {
      return null;
    }
    return null;
  }
}
