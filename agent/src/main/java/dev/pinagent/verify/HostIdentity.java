package dev.pinagent.verify;

import dev.pinagent.policy.HostName;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Whether a server certificate names a host, as endpoint identification does (RFC 6125 / RFC 2818): the
 * subjectAltName's DNS names (a {@code *} may stand for the whole leftmost label) or IP addresses, and the
 * most specific common name only when there are no DNS names.
 *
 * <p>A pin on a CA key proves only that this CA issued the certificate; the name in it is what binds it to
 * the host. The JDK checks that name when the client asks for endpoint identification; trust-all managers,
 * allow-all hostname verifiers and raw sockets skip it, so the agent checks it itself whenever the pinned key
 * is not the leaf's own.
 */
public final class HostIdentity {
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  private HostIdentity() {}

  /** Whether {@code leaf} is issued for {@code host}, a host {@linkplain HostName normalized} for connections. */
  public static boolean names(X509Certificate leaf, String host) {
    boolean ip = HostName.isIpLiteral(host);
    boolean sawDnsName = false;
    Collection<List<?>> alternativeNames;
    try {
      alternativeNames = leaf.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (alternativeNames != null) {
      for (List<?> entry : alternativeNames) {
        int type = (Integer) entry.get(0);
        String value = String.valueOf(entry.get(1));
        if (type == SAN_DNS) {
          sawDnsName = true;
          if (!ip && dnsNameMatches(value, host)) {
            return true;
          }
        } else if (type == SAN_IP && ip && host.equals(HostName.normalizeConnectionHost(value))) {
          return true;
        }
      }
    }
    if (ip || sawDnsName) {
      return false;
    }
    String commonName = mostSpecificCommonName(leaf);
    return commonName != null && dnsNameMatches(commonName, host);
  }

  private static boolean dnsNameMatches(String pattern, String host) {
    boolean wildcard = pattern.startsWith("*.");
    String name = HostName.normalizeConnectionHost(wildcard ? pattern.substring(2) : pattern);
    if (name == null) {
      return false;
    }
    if (!wildcard) {
      return name.equals(host);
    }
    int firstDot = host.indexOf('.');
    // The wildcard stands for exactly one whole label, never for a registrable domain's apex.
    return firstDot > 0 && host.substring(firstDot + 1).equals(name) && name.indexOf('.') > 0;
  }

  private static String mostSpecificCommonName(X509Certificate certificate) {
    try {
      List<Rdn> rdns = new LdapName(certificate.getSubjectX500Principal().getName()).getRdns();
      // LdapName lists RDNs from the right of the written name; the leftmost CN is the most specific.
      for (int i = rdns.size() - 1; i >= 0; i--) {
        if (rdns.get(i).getType().equalsIgnoreCase("CN")) {
          return String.valueOf(rdns.get(i).getValue());
        }
      }
    } catch (InvalidNameException e) {
      return null;
    }
    return null;
  }
}
