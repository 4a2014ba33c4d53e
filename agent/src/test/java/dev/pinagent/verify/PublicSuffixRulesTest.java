package dev.pinagent.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The public suffix rules as the JDK applies them, on a list written here in the JDK's own format (a zip with
 * one entry per top-level domain; each line a type byte, 0 for ICANN and 1 for private, then a rule), so that each
 * kind of rule is tested whatever today's list holds, including a wildcard in a label other than the first, which
 * today's list has none of. {@link PublicSuffixesTest} checks the same lookup against the JDK's real list.
 */
class PublicSuffixRulesTest {
  private static final char ICANN = 0;
  private static final char PRIVATE = 1;

  @TempDir
  static Path directory;

  private static Path list() throws IOException {
    Path file = directory.resolve("public_suffix_list.dat");
    if (Files.exists(file)) {
      return file;
    }
    try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
      zip.putNextEntry(new ZipEntry("other"));
      zip.write((ICANN + "other\n").getBytes(StandardCharsets.UTF_8));
      zip.putNextEntry(new ZipEntry("test"));
      String rules = ICANN + "test\n" + ICANN + "co.test\n" + ICANN + "*.wild.test\n" + ICANN + "!www.wild.test\n"
          + PRIVATE + "blog.test\n" + ICANN + "\n" + ICANN + "a.*.mid.test\n" + ICANN + "deep.co.test";
      zip.write(rules.getBytes(StandardCharsets.UTF_8));
    }
    return file;
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(nullValues = "none", value = {
      "z.test, test",                 // the top-level rule
      "z.co.test, co.test",           // the rule with the most labels wins
      "y.z.co.test, co.test",
      "z.deep.co.test, deep.co.test", // a rule on the last line, without its line break
      "test, none",                   // a suffix has no registered domain
      "co.test, none",
      "z.foo.wild.test, foo.wild.test", // *.wild.test covers one more label
      "foo.wild.test, none",
      "z.wild.test, none",
      "wild.test, test",
      "z.www.wild.test, wild.test",   // !www.wild.test: the exception wins, its parent is the suffix
      "www.wild.test, wild.test",
      "z.blog.test, none",            // the longest rule is private
      "z.a.b.mid.test, a.b.mid.test", // a wildcard in a label other than the first
      "z.A.b.mid.test, A.b.mid.test",
      "a.b.mid.test, none",
      "z.c.b.mid.test, test",
      "mid.test, test"})
  void findsTheIcannSuffixTheJdkWouldFind(String domain, String suffix) throws IOException {
    assertThat(PublicSuffixes.icannSuffixOf(domain, PublicSuffixes.load(list(), "test"))).isEqualTo(suffix);
  }

  @Test
  void knowsNoSuffixWithoutRules(@TempDir Path empty) throws IOException {
    Path garbage = Files.write(empty.resolve("garbage.dat"), new byte[] {1, 2, 3});
    assertThat(PublicSuffixes.load(list(), "nosuchtld")).isNull();
    assertThat(PublicSuffixes.load(empty.resolve("missing.dat"), "test")).isNull();
    assertThat(PublicSuffixes.load(empty, "test")).as("a directory").isNull();
    assertThat(PublicSuffixes.load(garbage, "test")).isNull();
    assertThat(PublicSuffixes.icannSuffixOf("z.test", null)).isNull();
    assertThat(PublicSuffixes.icannSuffixOf("z.")).as("no top-level label").isNull();
  }

  @Test
  void readsTheEntryOfTheTopLevelDomainAskedForOnly() throws IOException {
    assertThat(PublicSuffixes.icannSuffixOf("z.other", PublicSuffixes.load(list(), "other"))).isEqualTo("other");
    assertThat(PublicSuffixes.load(list(), "other")).hasSize(1);
    assertThat(PublicSuffixes.load(list(), "test")).as("the empty line is no rule").hasSize(7);
  }
}
