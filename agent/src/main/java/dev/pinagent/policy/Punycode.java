package dev.pinagent.policy;

/**
 * Punycode encoding of one label (RFC 3492 section 6.3), for the labels {@link java.net.IDN} cannot convert
 * faithfully: those keeping a character IDNA2003 maps away (see {@link HostName}). Encoding only, without the
 * {@code xn--} prefix; the case of basic code points is kept, as the RFC's samples show.
 */
final class Punycode {
  // RFC 3492 section 5: the parameter values for IDNA.
  private static final int BASE = 36;
  private static final int TMIN = 1;
  private static final int TMAX = 26;
  private static final int SKEW = 38;
  private static final int DAMP = 700;
  private static final int INITIAL_BIAS = 72;
  private static final int INITIAL_N = 0x80;

  private Punycode() {}

  /**
   * Encodes {@code label}, counting code points (not UTF-16 chars), as the RFC does.
   *
   * @throws ArithmeticException when the label is too long to encode (RFC 3492 section 6.4, overflow)
   */
  static String encode(String label) {
    int[] input = label.codePoints().toArray();
    StringBuilder output = new StringBuilder(label.length() + 8);
    for (int c : input) {
      if (c < INITIAL_N) {
        output.append((char) c);
      }
    }
    int basic = output.length();
    int handled = basic;
    if (basic > 0) {
      output.append('-');
    }
    int n = INITIAL_N;
    int delta = 0;
    int bias = INITIAL_BIAS;
    while (handled < input.length) {
      int next = Integer.MAX_VALUE;
      for (int c : input) {
        if (c >= n && c < next) {
          next = c;
        }
      }
      delta = Math.addExact(delta, Math.multiplyExact(next - n, handled + 1));
      n = next;
      for (int c : input) {
        if (c < n) {
          delta = Math.incrementExact(delta);
        } else if (c == n) {
          int q = delta;
          for (int k = BASE; ; k += BASE) {
            int t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
            if (q < t) {
              break;
            }
            output.append(digit(t + (q - t) % (BASE - t)));
            q = (q - t) / (BASE - t);
          }
          output.append(digit(q));
          bias = adapt(delta, handled + 1, handled == basic);
          delta = 0;
          handled++;
        }
      }
      delta++;
      n++;
    }
    return output.toString();
  }

  /** RFC 3492 section 6.1. */
  private static int adapt(int delta, int points, boolean first) {
    delta = first ? delta / DAMP : delta / 2;
    delta += delta / points;
    int k = 0;
    while (delta > ((BASE - TMIN) * TMAX) / 2) {
      delta /= BASE - TMIN;
      k += BASE;
    }
    return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
  }

  private static char digit(int value) {
    return (char) (value < 26 ? 'a' + value : '0' + value - 26);
  }
}
