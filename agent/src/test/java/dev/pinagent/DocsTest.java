package dev.pinagent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.config.AgentOptions;
import dev.pinagent.metrics.PinCounters;
import dev.pinagent.metrics.PinMetrics;
import dev.pinagent.policy.PinSet;
import dev.pinagent.policy.Policy;
import dev.pinagent.policy.PolicyException;
import dev.pinagent.policy.yaml.PolicyLoader;
import dev.pinagent.verify.CheckResult;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README and {@code docs/*.md} against the repository and the code: links lead somewhere, and the option and
 * metric names a reader copies from the docs are the ones the agent really accepts and exposes. Each failure names
 * the file, the bad link or name, and what exists instead.
 */
class DocsTest {
  private static final Pattern INLINE_LINK =
      Pattern.compile("!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
  private static final Pattern REFERENCE_LINK = Pattern.compile("(?m)^ {0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s.*)?$");
  private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
  private static final Pattern PROMETHEUS_NAME = Pattern.compile("\\btls_pin_[a-z_]+");
  private static final Pattern MICROMETER_NAME = Pattern.compile("\\btls\\.pin\\.[a-z.]+");
  private static final Pattern AGENT_ARGUMENT = Pattern.compile("-javaagent:[^=\\s`\"]+=([^\\s`\"]+)");
  private static final Pattern SYSTEM_PROPERTY = Pattern.compile("(?:(?<=-D)|(?<![\\w.]))pinagent\\.([a-z][a-z.]*[a-z])");
  private static final Pattern ENVIRONMENT_VARIABLE = Pattern.compile("(?<!\\w)PINAGENT_([A-Z][A-Z_]*[A-Z])");
  private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");
  private static final Pattern YAML_BLOCK = Pattern.compile("(?ms)^```yaml\\s*$(.*?)^```\\s*$");

  private static Path root;
  private static List<Path> documents;

  @BeforeAll
  static void findTheDocuments() throws IOException {
    root = repositoryRoot();
    documents = new ArrayList<>();
    documents.add(root.resolve("README.md"));
    Path docs = root.resolve("docs");
    assertThat(docs).as("the docs/ folder the README links to").isDirectory();
    try (Stream<Path> pages = Files.list(docs)) {
      documents.addAll(pages.filter(p -> p.toString().endsWith(".md")).sorted().collect(Collectors.toList()));
    }
    assertThat(documents).as("README.md and the pages of docs/").hasSizeGreaterThan(1);
  }

  @Test
  void everyRelativeLinkResolves() {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (Path document : documents) {
      String prose = withoutCode(read(document));
      List<String> targets = new ArrayList<>();
      collect(INLINE_LINK, prose, targets);
      collect(REFERENCE_LINK, prose, targets);
      for (String target : targets) {
        if (target.matches("(?i)(https?|mailto):.*")) {
          continue;
        }
        checked++;
        String problem = brokenLink(document, target);
        if (problem != null) {
          problems.add(relative(document) + ": (" + target + ") " + problem);
        }
      }
    }
    assertThat(checked).as("relative links found in " + documents.size() + " documents").isPositive();
    assertThat(problems).withFailMessage("%d broken link(s):%n  %s", problems.size(), String.join("\n  ", problems))
        .isEmpty();
  }

  @Test
  void documentsExactlyTheOptionsTheAgentAccepts() {
    Path configuration = root.resolve("docs/configuration.md");
    List<String> documented = optionTableKeys(read(configuration));

    assertThat(documented)
        .withFailMessage("%s: the options table lists %s; AgentOptions.keys() defines %s",
            relative(configuration), documented, AgentOptions.keys())
        .containsExactlyInAnyOrderElementsOf(AgentOptions.keys());
  }

  @Test
  void mentionsOnlyOptionsTheAgentAccepts() {
    List<String> keys = AgentOptions.keys();
    Map<String, String> environmentNames = new HashMap<>();
    for (String key : keys) {
      environmentNames.put(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), key);
    }
    List<String> problems = new ArrayList<>();
    for (Path document : documents) {
      String text = read(document);
      for (String key : optionTableKeys(text)) {
        if (!keys.contains(key)) {
          problems.add(relative(document) + ": options table row `" + key + "`");
        }
      }
      Matcher argument = AGENT_ARGUMENT.matcher(text);
      while (argument.find()) {
        for (String pair : argument.group(1).split(",")) {
          String key = pair.replace("[", "").replace("]", "");
          int equals = key.indexOf('=');
          if (equals > 0 && !keys.contains(key.substring(0, equals))) {
            problems.add(relative(document) + ": agent argument '" + key.substring(0, equals) + "' in "
                + argument.group());
          }
        }
      }
      Matcher property = SYSTEM_PROPERTY.matcher(text);
      while (property.find()) {
        if (!keys.contains(property.group(1))) {
          problems.add(relative(document) + ": system property " + property.group());
        }
      }
      Matcher variable = ENVIRONMENT_VARIABLE.matcher(text);
      while (variable.find()) {
        if (!environmentNames.containsKey(variable.group(1))) {
          problems.add(relative(document) + ": environment variable " + variable.group());
        }
      }
    }
    assertThat(problems)
        .withFailMessage("%d unknown option(s) in the docs:%n  %s%nthe agent accepts %s (AgentOptions.keys())",
            problems.size(), String.join("\n  ", problems), keys)
        .isEmpty();
  }

  @Test
  void documentsOnlyMetricsTheAgentExposes() {
    Exposed exposed = Exposed.scrape();
    Set<String> known = new TreeSet<>(exposed.micrometerToPrometheus.keySet());
    known.addAll(exposed.micrometerToPrometheus.values());
    List<String> problems = new ArrayList<>();
    for (Path document : documents) {
      String text = read(document);
      for (Pattern pattern : List.of(PROMETHEUS_NAME, MICROMETER_NAME)) {
        Matcher name = pattern.matcher(text);
        while (name.find()) {
          String mentioned = name.group().replaceAll("\\.+$", "");
          if (!known.contains(mentioned)) {
            problems.add(relative(document) + ": " + mentioned);
          }
        }
      }
    }
    assertThat(problems)
        .withFailMessage("%d metric name(s) in the docs that the agent does not expose:%n  %s%nit exposes %s",
            problems.size(), String.join("\n  ", problems), exposed.micrometerToPrometheus)
        .isEmpty();
  }

  @Test
  void documentsEveryMeterWithItsPrometheusNameAndTags() {
    Exposed exposed = Exposed.scrape();
    Path metrics = root.resolve("docs/metrics.md");
    Map<String, List<String>> rows = metricTableRows(read(metrics));
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, String> meter : exposed.micrometerToPrometheus.entrySet()) {
      List<String> row = rows.get(meter.getKey());
      if (row == null) {
        problems.add("no row for `" + meter.getKey() + "` (Prometheus `" + meter.getValue() + "`)");
        continue;
      }
      String prometheus = row.size() > 1 ? unquote(row.get(1)) : "";
      if (!prometheus.equals(meter.getValue())) {
        problems.add("`" + meter.getKey() + "`: Prometheus name `" + prometheus + "`, the scrape says `"
            + meter.getValue() + "`");
      }
      Set<String> tags = row.size() > 2 ? tagNames(row.get(2)) : Set.of();
      Set<String> actual = exposed.tagKeys.get(meter.getKey());
      if (!tags.equals(actual)) {
        problems.add("`" + meter.getKey() + "`: tags " + tags + ", the meter has " + actual);
      }
    }
    for (String documented : rows.keySet()) {
      if (!exposed.micrometerToPrometheus.containsKey(documented)) {
        problems.add("row for `" + documented + "`, which is no meter of the agent");
      }
    }
    assertThat(problems)
        .withFailMessage("%s, metrics table:%n  %s%nthe agent's meters: %s, tags %s", relative(metrics),
            String.join("\n  ", problems), exposed.micrometerToPrometheus, exposed.tagKeys)
        .isEmpty();
  }

  @Test
  void everyPolicyInTheDocsLoads() {
    List<String> problems = new ArrayList<>();
    int loaded = 0;
    for (Path document : documents) {
      Matcher block = YAML_BLOCK.matcher(read(document));
      while (block.find()) {
        loaded++;
        try {
          PolicyLoader.parse(relative(document) + " (yaml block " + loaded + ")", block.group(1));
        } catch (PolicyException e) {
          problems.add(e.getMessage());
        }
      }
    }
    assertThat(loaded).as("yaml policies in the docs").isPositive();
    assertThat(problems).withFailMessage("policies in the docs the agent would refuse:%n  %s",
        String.join("\n  ", problems)).isEmpty();
  }

  @Test
  void slugsFollowGitHub() {
    assertThat(slug("`pins`: what is the pin of my host?")).isEqualTo("pins-what-is-the-pin-of-my-host");
    assertThat(slug("Guarantees, and the tests that hold them")).isEqualTo("guarantees-and-the-tests-that-hold-them");
    assertThat(slug("Weaving, with the ASM inside Byte Buddy")).isEqualTo("weaving-with-the-asm-inside-byte-buddy");
    assertThat(slug("A — B_c")).isEqualTo("a--b_c");
    assertThat(headingSlugs("# Top\n```\n# not a heading\n```\n## Top\n")).containsExactly("top", "top-1");
  }

  /** The meters the agent really registers, bound to a Prometheus registry with every kind of series recorded. */
  private static final class Exposed {
    final Map<String, String> micrometerToPrometheus = new TreeMap<>();
    final Map<String, Set<String>> tagKeys = new TreeMap<>();

    static Exposed scrape() {
      Policy policy;
      try {
        policy = PolicyLoader.parse("docs-test.yaml", "version: 1\npin-sets:\n  - name: api\n"
            + "    hosts: [api.example.com]\n"
            + "    pins: [sha256/r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=,"
            + " sha256/YLh1dUR9y6Kja30RrAn7JKnbQG/uEtLMkBgFF2Fuihg=]\n"
            + "    expires: 2099-01-01\n");
      } catch (PolicyException e) {
        throw new AssertionError(e);
      }
      PinSet set = policy.pinSets().get(0);
      PinCounters counters = new PinCounters(policy, 10);
      counters.policyLoaded("0123456789ab", "p.yaml", 0);
      counters.recordCheck(set, CheckResult.MATCH);
      counters.recordCheck(set, CheckResult.MISMATCH);
      counters.recordViolation(set, "api.example.com", true);
      counters.recordWrapped("ssl_context");
      counters.recordAgentError("metrics_endpoint");
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      PinMetrics metrics = new PinMetrics(counters, System::currentTimeMillis);
      metrics.bindTo(registry);
      metrics.refresh();

      Set<String> sampleNames = new TreeSet<>();
      for (String line : registry.scrape().split("\n")) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          sampleNames.add(line.split("[{ ]", 2)[0]);
        }
      }
      Exposed exposed = new Exposed();
      for (Meter meter : registry.getMeters()) {
        String name = meter.getId().getName();
        exposed.tagKeys.computeIfAbsent(name, n -> new TreeSet<>())
            .addAll(meter.getId().getTags().stream().map(Tag::getKey).collect(Collectors.toList()));
      }
      for (String name : exposed.tagKeys.keySet()) {
        exposed.micrometerToPrometheus.put(name, prometheusName(name, sampleNames, exposed.tagKeys.keySet()));
      }
      return exposed;
    }

    /**
     * The sample name the scrape shows for a meter: its name with underscores, plus whatever suffix the registry
     * adds ({@code _total}, a unit). A sample that a longer meter name also prefixes belongs to that meter.
     */
    private static String prometheusName(String meter, Set<String> samples, Set<String> meters) {
      String base = meter.replace('.', '_');
      List<String> owned = new ArrayList<>();
      for (String sample : samples) {
        if (!(sample.equals(base) || sample.startsWith(base + "_"))) {
          continue;
        }
        boolean longerOwner = meters.stream().map(m -> m.replace('.', '_'))
            .anyMatch(other -> other.length() > base.length() && (sample.equals(other) || sample.startsWith(other + "_")));
        if (!longerOwner) {
          owned.add(sample);
        }
      }
      assertThat(owned).as("samples of meter %s in the scrape %s", meter, samples).hasSize(1);
      return owned.get(0);
    }
  }

  /** The first column of the rows of every table whose header starts with "option", where it is `a.name`. */
  private static List<String> optionTableKeys(String markdown) {
    List<String> keys = new ArrayList<>();
    for (List<List<String>> table : tables(markdown)) {
      if (table.get(0).get(0).equalsIgnoreCase("option")) {
        for (List<String> row : table.subList(1, table.size())) {
          if (row.get(0).matches("`[^`]+`")) {
            keys.add(unquote(row.get(0)));
          }
        }
      }
    }
    return keys;
  }

  /** The rows of the table whose header starts with "Micrometer name", by that name. */
  private static Map<String, List<String>> metricTableRows(String markdown) {
    Map<String, List<String>> rows = new LinkedHashMap<>();
    for (List<List<String>> table : tables(markdown)) {
      if (table.get(0).get(0).equalsIgnoreCase("Micrometer name")) {
        for (List<String> row : table.subList(1, table.size())) {
          rows.put(unquote(row.get(0)), row);
        }
      }
    }
    return rows;
  }

  /** The tag names of a tags cell: its backticked words, leaving out the example values in parentheses. */
  private static Set<String> tagNames(String cell) {
    String withoutValues = cell;
    String previous;
    do {
      previous = withoutValues;
      withoutValues = withoutValues.replaceAll("\\([^()]*\\)", "");
    } while (!withoutValues.equals(previous));
    Set<String> names = new TreeSet<>();
    Matcher name = BACKTICKED.matcher(withoutValues);
    while (name.find()) {
      names.add(name.group(1));
    }
    return names;
  }

  /** Markdown tables outside code blocks: header first, the separator row dropped. */
  private static List<List<List<String>>> tables(String markdown) {
    List<List<List<String>>> tables = new ArrayList<>();
    List<List<String>> current = null;
    for (String line : withoutCode(markdown, false).split("\n")) {
      String trimmed = line.trim();
      if (!trimmed.startsWith("|")) {
        current = null;
        continue;
      }
      List<String> cells = new ArrayList<>();
      for (String cell : trimmed.replaceAll("^\\||\\|$", "").split("(?<!\\\\)\\|", -1)) {
        cells.add(cell.trim());
      }
      if (current == null) {
        current = new ArrayList<>();
        tables.add(current);
        current.add(cells);
      } else if (!cells.stream().allMatch(cell -> cell.matches(":?-+:?"))) {
        current.add(cells);
      }
    }
    return tables;
  }

  /** Why a link from {@code document} to {@code target} is broken, or {@code null} when it is not. */
  private static String brokenLink(Path document, String target) {
    int hash = target.indexOf('#');
    String path = hash < 0 ? target : target.substring(0, hash);
    String anchor = hash < 0 ? null : target.substring(hash + 1);
    Path resolved = path.isEmpty() ? document : document.getParent().resolve(path).normalize();
    if (!resolved.startsWith(root)) {
      return "points outside the repository";
    }
    if (!Files.exists(resolved)) {
      Path parent = resolved.getParent();
      return "no such file: " + relative(resolved) + "; " + relative(parent) + " holds " + listing(parent);
    }
    if (anchor == null) {
      return null;
    }
    if (!resolved.toString().endsWith(".md")) {
      return "an anchor into " + relative(resolved) + ", which is not markdown";
    }
    List<String> slugs = headingSlugs(read(resolved));
    if (!slugs.contains(anchor)) {
      return "no heading with slug '" + anchor + "' in " + relative(resolved) + "; its headings: " + slugs;
    }
    return null;
  }

  /** GitHub's anchors of a document's headings, with -1, -2 ... for repeated ones. */
  static List<String> headingSlugs(String markdown) {
    List<String> slugs = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (String line : withoutCode(markdown, false).split("\n")) {
      Matcher heading = HEADING.matcher(line);
      if (heading.matches()) {
        String slug = slug(heading.group(2));
        int count = seen.merge(slug, 1, Integer::sum);
        slugs.add(count == 1 ? slug : slug + "-" + (count - 1));
      }
    }
    return slugs;
  }

  /** GitHub's heading slug: lower case, only letters, digits, spaces, hyphens and underscores kept, spaces to hyphens. */
  static String slug(String heading) {
    StringBuilder slug = new StringBuilder();
    heading.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
      if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
        slug.appendCodePoint(c);
      } else if (c == ' ') {
        slug.append('-');
      }
    });
    return slug.toString();
  }

  private static String withoutCode(String markdown) {
    return withoutCode(markdown, true);
  }

  /** Blanks fenced code blocks (keeping the line count), and inline code spans too when asked. */
  private static String withoutCode(String markdown, boolean inline) {
    StringBuilder out = new StringBuilder();
    boolean fenced = false;
    for (String line : markdown.split("\n", -1)) {
      if (line.trim().startsWith("```") || line.trim().startsWith("~~~")) {
        fenced = !fenced;
        out.append('\n');
      } else if (fenced) {
        out.append('\n');
      } else {
        out.append(inline ? line.replaceAll("(`+)(?:(?!\\1).)+?\\1", "") : line).append('\n');
      }
    }
    return out.toString();
  }

  private static void collect(Pattern pattern, String text, List<String> into) {
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      into.add(matcher.group(1));
    }
  }

  private static String unquote(String cell) {
    return cell.replaceAll("^`|`$", "");
  }

  private static String listing(Path directory) {
    if (directory == null || !Files.isDirectory(directory)) {
      return "nothing (no such directory)";
    }
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted()
          .collect(Collectors.toList()).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String relative(Path path) {
    String relative = root.relativize(path).toString().replace('\\', '/');
    return relative.isEmpty() ? "." : relative;
  }

  private static String read(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).replace("\r\n", "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the nearest directory, from the working directory up, holding README.md and agent/. */
  private static Path repositoryRoot() {
    Path start = Paths.get("").toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("agent"))) {
        return dir;
      }
    }
    throw new AssertionError("no directory holding README.md and agent/ at or above " + start);
  }
}
