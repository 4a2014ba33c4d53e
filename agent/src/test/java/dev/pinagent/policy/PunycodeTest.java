package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.IDN;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PunycodeTest {
  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    // RFC 3492 section 7.1 sample strings (A), (B), (L), (M), (Q), (S): case of basic code points is kept.
    "ليهمابتكلموشعربي؟             | egbpdaj6bu4bxfgehfvwxn",
    "他们为什么不说中文              | ihqwcrb4cv8a8dqg056pqjye",
    "3年B組金八先生                  | 3B-ww4c5e180e575a65lsy2b",
    "安室奈美恵-with-SUPER-MONKEYS   | -with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n",
    "パフィーdeルンバ                | de-jg4avhby1noc0d",
    "'-> $1.00 <-'                   | '-> $1.00 <--'",
    // The IDNA2008 forms of labels with a deviation character (UTS #46 section 2 and its ß example).
    "faß                             | fa-hia",
    "βόλος                           | nxasmm1c",
    "\u0DC1\u0DCA\u200D\u0DBB\u0DD3  | 10cl1a0b660p",
    "\u0646\u0627\u0645\u0647\u200C\u0627\u06CC | mgba3gch31f060k",
    "ßß                              | zcaa",
    // A code point outside the BMP counts as one, not as its two UTF-16 chars.
    "😀x                             | x-iv3s",
  })
  void encodesLikeRfc3492(String label, String encoded) {
    assertThat(Punycode.encode(label)).isEqualTo(encoded);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bücher", "müller-lüdenscheid", "例え", "правительство", "παράδειγμα", "उदाहरण", "ü"})
  void encodesLabelsWithoutDeviationsAsJavaNetIdnDoes(String label) {
    assertThat("xn--" + Punycode.encode(label)).isEqualTo(IDN.toASCII(label));
  }
}
