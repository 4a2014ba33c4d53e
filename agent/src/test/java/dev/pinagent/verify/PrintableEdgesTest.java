package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.policy.Pin;
import dev.pinagent.testing.TestPki;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

/**
 * The edges of what is escaped in a log line (the first and last character of each range), and the bound of the
 * key-hash cache: at most its capacity, the same pin however often asked.
 */
class PrintableEdgesTest {
  @Test
  void escapesExactlyTheCharactersAtTheEdgesOfEachRange() {
    assertThat(Printable.of("a\u001f")).isEqualTo("a\\u001f");
    assertThat(Printable.of("a\u0020")).isEqualTo("a ");
    assertThat(Printable.of("a\u007e\u007f")).isEqualTo("a~\\u007f");
    assertThat(Printable.of("a\u009f\u00a0")).isEqualTo("a\\u009f\u00a0");
    assertThat(Printable.of("\u202a\u202e\u2029\u2066\u2069")).isEqualTo("\\u202a\\u202e\\u2029\\u2066\\u2069");
    assertThat(Printable.of("\u2065\u206a\u2029x")).isEqualTo("\u2065\u206a\\u2029x");
    assertThat(Printable.of("\ufeff\u1234")).as("every hex digit of a code point").isEqualTo("\ufeff\u1234");
    assertThat(Printable.of("x\u200f\u061c")).isEqualTo("x\\u200f\\u061c");
  }

  @Test
  void writesTheFourHexDigitsOfAnEscapedCharacterInOrder() {
    assertThat(Printable.of("\u2028")).isEqualTo("\\u2028");
    assertThat(Printable.of("ok\u0085")).isEqualTo("ok\\u0085");
  }

  @Test
  void namesTheIssuerOfACertificate() {
    TestPki.Issued ca = TestPki.ca("CN=Issuing CA\u0007").build();
    X509Certificate leaf = TestPki.leaf("api.example.com").issuedBy(ca).build().certificate;
    assertThat(Printable.issuer(leaf)).isEqualTo("CN=Issuing CA\\u0007");
  }

  @Test
  void remembersAtMostItsCapacityOfKeyHashes() {
    SpkiPins pins = new SpkiPins(2);
    X509Certificate first = TestPki.leaf("a").build().certificate;
    X509Certificate second = TestPki.leaf("b").build().certificate;
    X509Certificate third = TestPki.leaf("c").build().certificate;
    Pin firstPin = pins.of(first);
    pins.of(second);
    assertThat(pins.size()).isEqualTo(2);
    assertThat(pins.of(first)).isSameAs(firstPin);

    pins.of(third);

    assertThat(pins.size()).as("the third emptied the full cache").isEqualTo(1);
    assertThat(pins.of(first)).isEqualTo(firstPin).isEqualTo(Pin.parse(TestPki.pin(first)));
  }
}
