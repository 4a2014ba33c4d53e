package dev.pinagent.policy;

import java.net.IDN;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.text.Normalizer;
import java.util.Locale;

/**
 * Brings a host name into the one form that policy patterns and connection hosts are compared in: ASCII
 * (IDNs as punycode, RFC 3490), lower case, without the one trailing dot of a fully qualified name, and IP
 * literals in the canonical form {@link InetAddress#getHostAddress()} gives them (IPv6 without brackets or
 * zone). Comparing any other way lets {@code API.example.com.} or a Unicode spelling slip past an exact pin.
 *
 * <p>Unicode is converted with {@link IDN} (IDNA2003), which is what the JDK itself sends as the SNI name and
 * checks certificates against. DNS registrars, browsers and OkHttp use IDNA2008 (UTS #46 non-transitional)
 * instead, and the two read four characters differently: IDNA2003 maps {@code ß} to {@code ss} and {@code ς} to
 * {@code σ}, and drops the joiners U+200C and U+200D, where IDNA2008 keeps them. {@code faß.example.com} is
 * {@code fass.example.com} to one and {@code xn--fa-hia.example.com} to the other: two hosts, of which a policy
 * would pin only one. A policy host holding one of these characters is therefore refused, with both readings
 * and the ASCII form to write instead; a name written in punycode is unambiguous and accepted.
 */
public final class HostName {
  /** RFC 1035 section 2.3.4. */
  private static final int MAX_NAME_LENGTH = 253;

  private static final int MAX_LABEL_LENGTH = 63;

  /** UTS #46 section 4 (deviation characters): ß, ς, ZWNJ, ZWJ. */
  private static final String DEVIATIONS = "\u00DF\u03C2\u200C\u200D";

  private static final String JOINERS = "\u200C\u200D";

  /** RFC 3490 section 3.1: the full stop and the three dots IDNA also reads as label separators. */
  private static final String LABEL_SEPARATORS = ".\u3002\uFF0E\uFF61";

  private HostName() {}

  /**
   * Returns the normalized form of {@code raw}, a host as a policy writes it.
   *
   * @throws AmbiguousHostNameException when IDNA2003 and IDNA2008 read {@code raw} as two different hosts
   * @throws IllegalArgumentException naming what is wrong, when {@code raw} is not a host name or IP literal
   */
  public static String normalize(String raw) {
    String idna2003 = normalizeWithIdna2003(raw);
    int deviation = firstDeviation(raw);
    if (deviation >= 0) {
      throw ambiguity(raw, idna2003, deviation);
    }
    return idna2003;
  }

  /** Reads {@code raw} the way the JDK does, converting any Unicode with IDNA2003. */
  private static String normalizeWithIdna2003(String raw) {
    if (raw == null || raw.isEmpty()) {
      throw new IllegalArgumentException("expected a host name or IP literal, got an empty value");
    }
    if (isPlainLowerCaseName(raw)) {
      return raw;
    }
    String host = raw;
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.indexOf(':') >= 0) {
      return normalizeIpv6(raw, host);
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (looksLikeIpv4(host)) {
      return normalizeIpv4(raw, host);
    }
    if (host.isEmpty() || host.startsWith(".") || host.contains("..")) {
      throw new IllegalArgumentException("'" + raw + "' has an empty label (two dots in a row, or a leading dot)");
    }
    String ascii;
    try {
      ascii = IDN.toASCII(host).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      // IDN knows Unicode 3.2 only: a newer character (ẞ, an emoji) is refused as unassigned.
      throw new IllegalArgumentException("'" + raw + "' is not a valid internationalized host name: " + e.getMessage()
          + "; write the name in its punycode form (xn--...), as your registrar shows it");
    }
    if (looksLikeIpv4(ascii)) {
      // IDN mapping turns some Unicode (fullwidth or superscript digits) into digits and dots: the result is an
      // address, and must take the address form every other spelling of that address takes.
      return normalizeIpv4(raw, ascii);
    }
    checkDomainSyntax(raw, ascii);
    return ascii;
  }

  /**
   * Normalizes a host a connection was made to, or returns {@code null} when it cannot be read. Unlike a
   * policy pattern, which must be written unambiguously, a connection host is read the way the JDK read it
   * to connect: {@code 167772167}, {@code 10.7} and {@code 010.0.0.7} all reach 10.0.0.7, so they must all
   * find a pin-set for 10.0.0.7.
   */
  public static String normalizeConnectionHost(String raw) {
    if (raw == null || raw.isEmpty()) {
      return null;
    }
    String host = raw.endsWith(".") ? raw.substring(0, raw.length() - 1) : raw;
    if (!host.isEmpty() && looksLikeIpv4(host)) {
      return parseIpv4LikeJdk(host);
    }
    try {
      // IDNA2003, ambiguous or not: the JDK sent this reading as the SNI name and checked the certificate
      // against it, so it is the host this connection is for.
      return normalizeWithIdna2003(raw);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * The JDK's reading of a numeric IPv4 literal (java.net.InetAddress): one to four decimal parts, the last
   * filling the remaining bytes; leading zeros are decimal. Returns {@code null} for anything else, which
   * the JDK would have sent to DNS and could not have connected to as an address.
   */
  private static String parseIpv4LikeJdk(String host) {
    String[] parts = host.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      if (parts[i].isEmpty() || parts[i].length() > 10) {
        return null;
      }
      values[i] = Long.parseLong(parts[i]);
    }
    long address = 0;
    for (int i = 0; i < parts.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      address = (address << 8) | values[i];
    }
    int remainingBytes = 4 - (parts.length - 1);
    long last = values[parts.length - 1];
    if (last >= (1L << (8 * remainingBytes))) {
      return null;
    }
    address = (address << (8 * remainingBytes)) | last;
    return ((address >> 24) & 0xff) + "." + ((address >> 16) & 0xff) + "." + ((address >> 8) & 0xff) + "."
        + (address & 0xff);
  }

  private static int firstDeviation(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      if (DEVIATIONS.indexOf(raw.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }

  private static AmbiguousHostNameException ambiguity(String raw, String idna2003, int deviation) {
    String invisible = null;
    for (int i = deviation; i < raw.length() && invisible == null; i++) {
      if (JOINERS.indexOf(raw.charAt(i)) >= 0) {
        invisible = describe(raw.charAt(i));
      }
    }
    return new AmbiguousHostNameException(raw, idna2003, idna2008(raw), invisible, describe(raw.charAt(deviation)));
  }

  private static String describe(char c) {
    return String.format(Locale.ROOT, "U+%04X %s", (int) c, Character.getName(c));
  }

  /**
   * The IDNA2008 (UTS #46 non-transitional) reading of {@code raw} in ASCII, or {@code null} when it cannot be
   * computed here. A label holding a deviation is mapped piece by piece around those characters the way IDNA2003
   * maps it (lower case, NFKC: what UTS #46 does too, but for the deviations), keeping them, then encoded with
   * {@link Punycode}; every other label converts as in IDNA2003. IDNA2008's rule that a joiner is valid only
   * in some contexts (CONTEXTJ, RFC 5892 appendix A) is not checked, which is why a joiner's message offers
   * both readings rather than recommending this one.
   */
  private static String idna2008(String raw) {
    String host = raw.endsWith(".") ? raw.substring(0, raw.length() - 1) : raw;
    try {
      StringBuilder ascii = new StringBuilder(host.length() + 8);
      int start = 0;
      for (int i = 0; i <= host.length(); i++) {
        if (i == host.length() || LABEL_SEPARATORS.indexOf(host.charAt(i)) >= 0) {
          if (start > 0) {
            ascii.append('.');
          }
          ascii.append(idna2008Label(host.substring(start, i)));
          start = i + 1;
        }
      }
      String result = ascii.toString();
      checkDomainSyntax(raw, result);
      return result;
    } catch (IllegalArgumentException | ArithmeticException e) {
      // A label too long once encoded, or a piece IDN refuses: IDNA2008 would refuse the name too, or read it
      // in a way this cannot tell.
      return null;
    }
  }

  private static String idna2008Label(String label) {
    if (firstDeviation(label) < 0) {
      return lowerCaseAscii(IDN.toASCII(label));
    }
    StringBuilder mapped = new StringBuilder(label.length());
    int start = 0;
    for (int i = 0; i <= label.length(); i++) {
      if (i == label.length() || DEVIATIONS.indexOf(label.charAt(i)) >= 0) {
        String piece = label.substring(start, i);
        if (!piece.isEmpty()) {
          mapped.append(lowerCaseAscii(IDN.toUnicode(IDN.toASCII(piece))));
        }
        if (i < label.length()) {
          mapped.append(label.charAt(i));
        }
        start = i + 1;
      }
    }
    return "xn--" + Punycode.encode(Normalizer.normalize(mapped, Normalizer.Form.NFC));
  }

  /**
   * IDNA2003 leaves the case of an all-ASCII piece alone (it maps case only in labels with other characters),
   * where UTS #46 lower-cases it; anything else is already mapped.
   */
  private static String lowerCaseAscii(String text) {
    StringBuilder lower = new StringBuilder(text);
    for (int i = 0; i < lower.length(); i++) {
      char c = lower.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        lower.setCharAt(i, (char) (c + ('a' - 'A')));
      }
    }
    return lower.toString();
  }

  /** The fast path for the common case: already normalized names need no IDN conversion or copying. */
  private static boolean isPlainLowerCaseName(String host) {
    int length = host.length();
    if (length > MAX_NAME_LENGTH || host.charAt(length - 1) == '.' || host.charAt(0) == '.') {
      return false;
    }
    boolean sawLetter = false;
    int labelLength = 0;
    char previous = '.';
    for (int i = 0; i < length; i++) {
      char c = host.charAt(i);
      if (c == '.') {
        if (previous == '.' || previous == '-' || labelLength == 0) {
          return false;
        }
        labelLength = 0;
      } else if ((c >= 'a' && c <= 'z') || c == '_') {
        sawLetter = true;
        labelLength++;
      } else if (c >= '0' && c <= '9') {
        labelLength++;
      } else if (c == '-' && previous != '.') {
        labelLength++;
      } else {
        return false;
      }
      if (labelLength > MAX_LABEL_LENGTH) {
        return false;
      }
      previous = c;
    }
    // Names made only of digits and dots are IPv4 literals and need their own canonical check.
    return sawLetter && previous != '-' && !host.startsWith("xn--") && !host.contains(".xn--");
  }

  private static void checkDomainSyntax(String raw, String ascii) {
    if (ascii.isEmpty() || ascii.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "'" + raw + "' is not a host name: it must have 1 to " + MAX_NAME_LENGTH + " characters");
    }
    for (String label : ascii.split("\\.", -1)) {
      if (label.isEmpty()) {
        throw new IllegalArgumentException("'" + raw + "' has an empty label (two dots in a row, or a leading dot)");
      }
      if (label.length() > MAX_LABEL_LENGTH) {
        throw new IllegalArgumentException("'" + raw + "' has a label longer than " + MAX_LABEL_LENGTH + " characters");
      }
      if (label.startsWith("-") || label.endsWith("-")) {
        throw new IllegalArgumentException("'" + raw + "' has a label that starts or ends with '-'");
      }
      for (int i = 0; i < label.length(); i++) {
        char c = label.charAt(i);
        boolean allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!allowed) {
          throw new IllegalArgumentException(
              "'" + raw + "' contains '" + c + "': host names have letters, digits, '-' and '_' between dots");
        }
      }
    }
  }

  private static boolean looksLikeIpv4(String host) {
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c != '.' && (c < '0' || c > '9')) {
        return false;
      }
    }
    return true;
  }

  private static String normalizeIpv4(String raw, String host) {
    String[] octets = host.split("\\.", -1);
    if (octets.length != 4) {
      throw new IllegalArgumentException("'" + raw + "' is not an IPv4 address: expected four dot-separated numbers");
    }
    StringBuilder canonical = new StringBuilder(15);
    for (String octet : octets) {
      // Leading zeros are refused: some resolvers read them as octal, so the written address is ambiguous.
      if (octet.isEmpty() || octet.length() > 3 || (octet.length() > 1 && octet.charAt(0) == '0')
          || Integer.parseInt(octet) > 255) {
        throw new IllegalArgumentException(
            "'" + raw + "' is not an IPv4 address: each part must be 0 to 255 without leading zeros");
      }
      if (canonical.length() > 0) {
        canonical.append('.');
      }
      canonical.append(octet);
    }
    return canonical.toString();
  }

  private static String normalizeIpv6(String raw, String host) {
    int zone = host.indexOf('%');
    String address = zone >= 0 ? host.substring(0, zone) : host;
    if (address.indexOf(':') < 0) {
      throw new IllegalArgumentException("'" + raw + "' is not an IPv6 address");
    }
    for (int i = 0; i < address.length(); i++) {
      char c = Character.toLowerCase(address.charAt(i));
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.')) {
        throw new IllegalArgumentException("'" + raw + "' is not an IPv6 address");
      }
    }
    try {
      // Only hex digits, ':' and '.' reach here, so this parses a literal and never queries DNS.
      return InetAddress.getByName(address).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + raw + "' is not an IPv6 address");
    }
  }

  /** Whether {@code normalized} (a result of {@link #normalize}) is an IP literal rather than a name. */
  public static boolean isIpLiteral(String normalized) {
    return normalized.indexOf(':') >= 0 || looksLikeIpv4(normalized);
  }
}
