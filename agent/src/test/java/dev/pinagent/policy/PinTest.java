package dev.pinagent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PinTest {
  private static final String VALID = "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=";

  @Test
  void roundTripsItsText() {
    assertThat(Pin.parse(VALID).toString()).isEqualTo(VALID);
    assertThat(Pin.parse(VALID)).isEqualTo(Pin.parse(VALID)).hasSameHashCodeAs(Pin.parse(VALID));
  }

  @Test
  void hashesASubjectPublicKeyInfoWithSha256() {
    // SHA-256 of the empty input, a known vector.
    assertThat(Pin.ofSubjectPublicKeyInfo(new byte[0]).toString())
        .isEqualTo("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "sha1/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHI=        | sha1 pins are refused as weak",
    "SHA1/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHI=        | sha1 pins are refused as weak",
    "sha384/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E= | got 'sha384/",
    "SHA256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E= | got 'SHA256/",
    "r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=    | got 'r/mIkG",
    "sha256/                                        | decodes to 0 bytes, not 32",
    "sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5EAAAA= | decodes to 35 bytes, not 32",
    "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA | decodes to 36 bytes, not 32",
    "sha256/r_mIkG3eEpVdm-u_ko_cwxzOMo1bk4TyHIlByibiA5E= | not valid base64",
  })
  void refusesAnythingButSha256Of32Bytes(String text, String problem) {
    assertThatThrownBy(() -> Pin.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("expected 'sha256/<base64 of 32 bytes, 44 chars>'")
        .hasMessageContaining(problem);
  }

  @Test
  void acceptsBase64WithoutPaddingAndPrintsItPadded() {
    assertThat(Pin.parse(VALID.substring(0, VALID.length() - 1))).isEqualTo(Pin.parse(VALID));
  }

  @Test
  void refusesAnEmptyPin() {
    assertThatThrownBy(() -> Pin.parse("")).hasMessageContaining("got an empty value");
  }
}
