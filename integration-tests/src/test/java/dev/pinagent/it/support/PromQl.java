package dev.pinagent.it.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a PromQL expression (or a Grafana variable query) asks of the agent's metrics: the metric names, the label
 * matchers of each selector, and the labels it groups or matches on. Enough of PromQL for the monitoring kit's
 * queries, which name every metric literally; not a parser.
 */
public final class PromQl {
  private static final Pattern SELECTOR = Pattern.compile("\\b(tls_pin_[a-z_]+)\\b(\\s*\\{([^}]*)\\})?");
  private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\(([^)]*)\\)");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("label_values\\(\\s*(tls_pin_[a-z_]+)(?:\\{[^}]*\\})?\\s*,\\s*(\\w+)\\s*\\)");

  /** One label matcher of a selector: {@code label op "value"}. */
  public static final class LabelMatcher {
    public final String label;
    public final String op;
    public final String value;

    LabelMatcher(String label, String op, String value) {
      this.label = label;
      this.op = op;
      this.value = value;
    }

    @Override
    public String toString() {
      return label + op + "\"" + value + "\"";
    }
  }

  /** The selectors of {@code expression}: metric name, then its matchers (possibly none). */
  public static Map<String, List<List<LabelMatcher>>> selectors(String expression) {
    Map<String, List<List<LabelMatcher>>> selectors = new LinkedHashMap<>();
    Matcher selector = SELECTOR.matcher(expression);
    while (selector.find()) {
      List<LabelMatcher> matchers = new ArrayList<>();
      if (selector.group(3) != null) {
        Matcher matcher = MATCHER.matcher(selector.group(3));
        while (matcher.find()) {
          matchers.add(new LabelMatcher(matcher.group(1), matcher.group(2), matcher.group(3)));
        }
      }
      selectors.computeIfAbsent(selector.group(1), name -> new ArrayList<>()).add(matchers);
    }
    return selectors;
  }

  /** The labels named in {@code by}, {@code on}, {@code group_left} ... clauses and in {@code label_values}. */
  public static List<String> groupingLabels(String expression) {
    List<String> labels = new ArrayList<>();
    Matcher grouping = GROUPING.matcher(expression);
    while (grouping.find()) {
      for (String label : grouping.group(2).split(",")) {
        if (!label.isBlank()) {
          labels.add(label.trim());
        }
      }
    }
    Matcher values = LABEL_VALUES.matcher(expression);
    while (values.find()) {
      labels.add(values.group(2));
    }
    return labels;
  }

  private PromQl() {}
}
