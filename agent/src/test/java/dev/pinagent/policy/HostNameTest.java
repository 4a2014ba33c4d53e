package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostNameTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "api.example.com          | api.example.com",
    "API.Example.COM          | api.example.com",
    "api.example.com.         | api.example.com",
    "LOCALHOST                | localhost",
    "localhost.               | localhost",
    "bücher.example           | xn--bcher-kva.example",
    "BÜCHER.example.          | xn--bcher-kva.example",
    "xn--bcher-kva.example    | xn--bcher-kva.example",
    // Punycode is unambiguous, also when it decodes to a character IDNA2003 would have mapped (ß, ς).
    "xn--fa-hia.example.com   | xn--fa-hia.example.com",
    "XN--FA-HIA.Example.COM   | xn--fa-hia.example.com",
    "xn--nxasmm1c.com         | xn--nxasmm1c.com",
    // Capital sigma lower-cases to σ in both IDNA2003 and IDNA2008: only the final ς is read differently.
    "ΒΌΛΟΣ.com                | xn--nxasmq6b.com",
    "_service.example.com     | _service.example.com",
    "127.0.0.1                | 127.0.0.1",
    "::1                      | 0:0:0:0:0:0:0:1",
    "[::1]                    | 0:0:0:0:0:0:0:1",
    "0:0:0:0:0:0:0:1          | 0:0:0:0:0:0:0:1",
    "2001:DB8::1              | 2001:db8:0:0:0:0:0:1",
    "fe80::1%eth0             | fe80:0:0:0:0:0:0:1",
    "::ffff:10.0.0.7          | 10.0.0.7",
    "１０.０.０.７            | 10.0.0.7",
  })
  void normalizesEverySpellingToOneForm(String raw, String normalized) {
    assertThat(HostName.normalize(raw)).isEqualTo(normalized);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "a..example.com      | empty label",
    ".example.com        | empty label",
    "example.com..       | empty label",
    "-api.example.com    | starts or ends with '-'",
    "api-.example.com    | starts or ends with '-'",
    "api example.com     | contains ' '",
    "api/example.com     | contains '/'",
    "010.0.0.1           | without leading zeros",
    "256.0.0.1           | 0 to 255",
    "1.2.3               | four dot-separated numbers",
    "zz::1               | not an IPv6 address",
    "²                   | not an IPv4 address",
    "%:                  | not an IPv6 address",
    "1.2.3%:             | not an IPv6 address",
    // Capital sharp s is not in IDNA2003's Unicode 3.2; UTS #46 has mapped it to "ss", later to ß.
    "faẞ.example.com     | write the name in its punycode form",
  })
  void refusesWhatIsNotAHostName(String raw, String problem) {
    assertThatThrownBy(() -> HostName.normalize(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(problem);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    // ß: IDNA2003 maps it to "ss", IDNA2008 (UTS #46 non-transitional) keeps it.
    "faß.example.com     | fass.example.com          | xn--fa-hia.example.com",
    "FAß.de              | fass.de                   | xn--fa-hia.de",
    "faß.de.             | fass.de                   | xn--fa-hia.de",
    "ＦＡß.example        | fass.example              | xn--fa-hia.example",
    "www.faß.example.com | www.fass.example.com      | www.xn--fa-hia.example.com",
    "bücherß.example     | xn--bcherss-n2a.example   | xn--bcher-pqa2r.example",
    // ς (final sigma): IDNA2003 maps it to σ.
    "βόλος.com           | xn--nxasmq6b.com          | xn--nxasmm1c.com",
    "ΒΌΛΟς.com           | xn--nxasmq6b.com          | xn--nxasmm1c.com",
  })
  void refusesNamesThatIdna2003AndIdna2008ReadAsDifferentHosts(String raw, String idna2003, String idna2008) {
    assertThatThrownBy(() -> HostName.normalize(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + raw + "' is read differently by IDNA2003 (" + idna2003 + ") and IDNA2008 (" + idna2008
            + "); write the name in its punycode form, e.g. '" + idna2008 + "'");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    // Written as escapes, the joiners being invisible. First the UTS #46 examples: a Sinhala ZWJ after a
    // virama, a Persian ZWNJ; IDNA2003 drops both.
    "\u0DC1\u0DCA\u200D\u0DBB\u0DD3.lk | U+200D ZERO WIDTH JOINER     | xn--10cl1a0b.lk    | xn--10cl1a0b660p.lk",
    "\u0646\u0627\u0645\u0647\u200C\u0627\u06CC.ir | U+200C ZERO WIDTH NON-JOINER | xn--mgba3gch31f.ir | xn--mgba3gch31f060k.ir",
    // A stray joiner pasted into an ASCII name: the reader must be told it is there, as it is invisible.
    "a\u200Db.example    | U+200D ZERO WIDTH JOINER     | ab.example         | xn--ab-m1t.example",
  })
  void namesTheInvisibleJoinerAndBothReadingsOfANameWithOne(String raw, String joiner, String idna2003,
      String idna2008) {
    assertThatThrownBy(() -> HostName.normalize(raw))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + raw + "' is read differently by IDNA2003 (" + idna2003 + ") and IDNA2008 (" + idna2008
            + "): it contains " + joiner + ", which is invisible; write the name in ASCII as your registrar shows "
            + "it: '" + idna2003 + "' without the joiner, or '" + idna2008 + "' with it");
  }

  @Test
  void asksForTheRegistrarsFormWhenItCannotComputeTheIdna2008Reading() {
    // 60 letters and ß fit a label as IDNA2003 reads them ("ss"), not once punycode-encoded (68 characters).
    String label = "a".repeat(60) + "ß";
    assertThatThrownBy(() -> HostName.normalize(label + ".example"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'" + label + ".example' is read differently by IDNA2003 (" + "a".repeat(60) + "ss.example) "
            + "and IDNA2008, which keeps U+00DF LATIN SMALL LETTER SHARP S; write the name in the punycode form "
            + "(xn--...) your registrar shows");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "faß.example.com | fass.example.com",
    "βόλος.com       | xn--nxasmq6b.com",
  })
  void readsAConnectionHostWithIdna2003LikeTheJdkWhoseSniNameItIs(String raw, String normalized) {
    // The JDK's SNIHostName (and its hostname check) convert with java.net.IDN, so this is the name that went
    // over the wire; a policy can only pin it by writing it in ASCII.
    assertThat(new javax.net.ssl.SNIHostName(raw).getAsciiName()).isEqualTo(normalized);
    assertThat(HostName.normalizeConnectionHost(raw)).isEqualTo(normalized);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"a..example.com", "''", "bad host", "1.2.3.4.5", "256.1.1.1", "1.16777216", "cafe%:"})
  void returnsNullForConnectionHostsItCannotRead(String raw) {
    assertThat(HostName.normalizeConnectionHost(raw)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "10.0.0.7        | 10.0.0.7",
    "010.0.0.7       | 10.0.0.7",
    "10.0.7          | 10.0.0.7",
    "10.7            | 10.0.0.7",
    "167772167       | 10.0.0.7",
    "10.0.0.7.       | 10.0.0.7",
    "API.Example.com | api.example.com",
    "[::1]           | 0:0:0:0:0:0:0:1",
  })
  void readsConnectionHostsTheWayTheJdkConnectedToThem(String raw, String normalized) {
    assertThat(HostName.normalizeConnectionHost(raw)).isEqualTo(normalized);
  }

  @ParameterizedTest
  @CsvSource({"a-b.example.com,true", "a.b.c.d.example.com,true", "a" + "bcdefghij" + ".com,true"})
  void keepsAlreadyNormalizedNamesAsTheyAre(String host, boolean same) {
    assertThat(HostName.normalize(host) == host).isEqualTo(same);
  }
}
