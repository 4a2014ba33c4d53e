package dev.pinagent.policy;

/**
 * A host name that IDNA2003 and IDNA2008 read as two different hosts, because it holds one of the characters
 * UTS #46 calls deviations (ß, ς, ZWNJ, ZWJ). The message gives both readings and what to write instead: the
 * ASCII form, which every implementation reads alike.
 */
public final class AmbiguousHostNameException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String written;
  private final String idna2003;
  private final String idna2008;
  private final String invisible;
  private final String deviation;

  /**
   * @param idna2008 the IDNA2008 reading in ASCII, or {@code null} when it could not be computed
   * @param invisible the name of a joiner the name holds ({@code U+200D ZERO WIDTH JOINER}), or {@code null}
   * @param deviation the name of the first deviation character, for when {@code idna2008} is {@code null}
   */
  AmbiguousHostNameException(String written, String idna2003, String idna2008, String invisible, String deviation) {
    super(message(written, idna2003, idna2008, invisible, deviation));
    this.written = written;
    this.idna2003 = idna2003;
    this.idna2008 = idna2008;
    this.invisible = invisible;
    this.deviation = deviation;
  }

  private static String message(String written, String idna2003, String idna2008, String invisible,
      String deviation) {
    String readings = "'" + written + "' is read differently by IDNA2003 (" + idna2003 + ") and IDNA2008";
    if (idna2008 == null) {
      return readings + ", which keeps " + deviation + "; write the name in the punycode form (xn--...) your "
          + "registrar shows";
    }
    if (invisible != null) {
      // A joiner is most often pasted in by accident, and then the IDNA2003 reading is the name meant.
      return readings + " (" + idna2008 + "): it contains " + invisible + ", which is invisible; write the name in "
          + "ASCII as your registrar shows it: '" + idna2003 + "' without the joiner, or '" + idna2008 + "' with it";
    }
    return readings + " (" + idna2008 + "); write the name in its punycode form, e.g. '" + idna2008 + "'";
  }

  /** The same problem for a wildcard pattern: {@code prefix} goes on the name as written and on both readings. */
  AmbiguousHostNameException withPrefix(String prefix) {
    return new AmbiguousHostNameException(prefix + written, prefix + idna2003,
        idna2008 == null ? null : prefix + idna2008, invisible, deviation);
  }
}
