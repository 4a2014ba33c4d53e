package dev.pinagent.verify;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The JDK's public suffix lookup ({@code sun.security.util.RegisteredDomain}, not exported), ported so that a
 * wildcard certificate is judged as the JDK judges it: {@code *.co.uk} from a public CA names nothing. It reads
 * the JDK's own copy of the list, {@code lib/security/public_suffix_list.dat} (a zip with one entry per
 * top-level domain; each line a type byte, 0 for ICANN and 1 for private, then a rule), and follows the JDK's
 * matching: the rule with the most labels wins, an exception rule ({@code !}) wins over it, a wildcard rule
 * ({@code *.ck}) covers one more label. Without the file (a trimmed runtime) nothing is a known suffix, as in
 * the JDK.
 */
public final class PublicSuffixes {
  /** Rules of the top-level domains looked up so far; bounded by the list's own size (about 1,500). */
  private static final ConcurrentHashMap<String, Optional<List<Rule>>> RULES = new ConcurrentHashMap<>();
  private static final int MAX_CACHED = 2048;

  private PublicSuffixes() {}

  private static final class Rule {
    final String domain;
    final boolean icann;
    final boolean exception;
    final boolean wildcard;
    final int labels;

    Rule(String text, boolean icann) {
      this.icann = icann;
      this.exception = text.startsWith("!");
      String body = exception ? text.substring(1) : text;
      this.wildcard = !exception && body.startsWith("*.") && body.lastIndexOf('*') == 0;
      this.domain = wildcard ? body.substring(2) : body;
      this.labels = labelCount(body);
    }
  }

  /**
   * The ICANN public suffix under which {@code domain} is registered, or {@code null} when the list has none
   * for it, the longest matching rule is a private one, or {@code domain} is itself a suffix.
   * {@code RegisteredDomain.from(domain).filter(ICANN).map(publicSuffix)}, as the JDK's hostname check asks.
   */
  static String icannSuffixOf(String domain) {
    int dot = domain.lastIndexOf('.');
    String topLevel = dot < 0 ? domain : domain.substring(dot + 1);
    if (topLevel.isEmpty()) {
      return null;
    }
    return icannSuffixOf(domain, rulesOf(topLevel));
  }

  /** {@link #icannSuffixOf(String)} under the rules of {@code domain}'s top-level domain, {@code null}: none. */
  static String icannSuffixOf(String domain, List<Rule> rules) {
    if (rules == null) {
      return null;
    }
    Rule best = null;
    int bestSuffix = -1;
    for (Rule rule : rules) {
      int suffix = suffixIndex(domain, rule);
      if (suffix < 0) {
        continue;
      }
      if (rule.exception) {
        best = rule;
        bestSuffix = suffix;
        break;
      }
      if (best == null || rule.labels > best.labels) {
        best = rule;
        bestSuffix = suffix;
      }
    }
    // A domain that is itself the public suffix has no registered domain, and the JDK then skips the check.
    if (best == null || bestSuffix <= 0 || !best.icann) {
      return null;
    }
    return domain.substring(bestSuffix);
  }

  /**
   * Whether {@code domain} is itself an ICANN public suffix ({@code com}, {@code co.uk}): a wildcard under it would
   * span unrelated owners. A top-level domain the list does not know counts as one.
   */
  public static boolean isPublicSuffix(String domain) {
    return domain.indexOf('.') < 0 || domain.equalsIgnoreCase(icannSuffixOf("z." + domain));
  }

  /** Where the public suffix starts in {@code domain} if {@code rule} matches it, else -1 (the JDK's rules). */
  private static int suffixIndex(String domain, Rule rule) {
    if (rule.exception) {
      int index = labels(domain, rule.labels);
      return index >= 0 && rule.domain.equals(domain.substring(index)) ? labels(domain, rule.labels - 1) : -1;
    }
    if (rule.wildcard) {
      int index = labels(domain, rule.labels - 1);
      return index > 0 && rule.domain.equals(domain.substring(index)) ? labels(domain, rule.labels) : -1;
    }
    if (rule.domain.indexOf('*') >= 0) {
      return otherSuffixIndex(domain, rule);
    }
    int index = labels(domain, rule.labels);
    return index >= 0 && rule.domain.equals(domain.substring(index)) ? index : -1;
  }

  /** A wildcard in a label other than the first (none exist in today's list; the JDK handles them anyway). */
  private static int otherSuffixIndex(String domain, Rule rule) {
    String[] ruleLabels = rule.domain.split("\\.");
    String[] target = domain.split("\\.");
    int diff = target.length - ruleLabels.length;
    if (diff < 0) {
      return -1;
    }
    for (int i = 0; i < ruleLabels.length; i++) {
      if (ruleLabels[i].charAt(0) != '*' && !ruleLabels[i].equalsIgnoreCase(target[i + diff])) {
        return -1;
      }
    }
    // The JDK has no registered domain when the domain is exactly as long as the rule.
    return diff == 0 ? 0 : Math.max(labels(domain, ruleLabels.length), 0);
  }

  /** The start of the last {@code n} labels of {@code s}, 0 when it has exactly n, -1 when fewer. */
  private static int labels(String s, int n) {
    if (n < 1) {
      return -1;
    }
    int index = s.length();
    for (int i = 0; i < n; i++) {
      int next = s.lastIndexOf('.', index);
      if (next == -1) {
        return i == n - 1 ? 0 : -1;
      }
      index = next - 1;
    }
    return index + 2;
  }

  private static int labelCount(String rule) {
    if (rule.isEmpty()) {
      return 0;
    }
    int count = 1;
    for (int i = 0; i < rule.length(); i++) {
      if (rule.charAt(i) == '.') {
        count++;
      }
    }
    return count;
  }

  private static List<Rule> rulesOf(String topLevel) {
    Optional<List<Rule>> known = RULES.get(topLevel);
    if (known == null) {
      known = Optional.ofNullable(load(Paths.get(System.getProperty("java.home"), "lib", "security",
          "public_suffix_list.dat"), topLevel));
      if (RULES.size() >= MAX_CACHED) {
        RULES.clear();
      }
      RULES.put(topLevel, known);
    }
    return known.orElse(null);
  }

  static List<Rule> load(Path file, String topLevel) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try (InputStream in = Files.newInputStream(file); ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        if (entry.getName().equals(topLevel)) {
          List<Rule> rules = new ArrayList<>();
          BufferedReader reader = new BufferedReader(new InputStreamReader(zip, StandardCharsets.UTF_8));
          for (int type = reader.read(); type != -1; type = reader.read()) {
            String line = reader.readLine();
            if (line == null) {
              break;
            }
            if (!line.isEmpty()) {
              rules.add(new Rule(line, type == 0));
            }
          }
          return rules;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Unreadable: as in the JDK, no suffix is known.
    }
    return null;
  }
}
