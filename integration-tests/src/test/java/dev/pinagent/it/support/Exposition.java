package dev.pinagent.it.support;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The samples of a Prometheus text exposition, parsed: name, labels and value of each. */
public final class Exposition {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /** One sample. */
  public static final class Sample {
    public final String name;
    public final Map<String, String> labels;
    public final double value;

    Sample(String name, Map<String, String> labels, double value) {
      this.name = name;
      this.labels = labels;
      this.value = value;
    }

    /** {@code name{label="value",...}} with the labels in the exposition's order. */
    public String series(Map<String, String> extraLabels) {
      StringBuilder series = new StringBuilder(name).append('{');
      Map<String, String> all = new LinkedHashMap<>(extraLabels);
      all.putAll(labels);
      String separator = "";
      for (Map.Entry<String, String> label : all.entrySet()) {
        series.append(separator).append(label.getKey()).append("=\"").append(label.getValue()).append('"');
        separator = ", ";
      }
      return series.append('}').toString();
    }
  }

  public final List<Sample> samples = new ArrayList<>();

  public Exposition(String text) {
    for (String line : text.split("\n")) {
      Matcher sample = SAMPLE.matcher(line.trim());
      if (line.startsWith("#") || !sample.matches()) {
        continue;
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (sample.group(2) != null) {
        Matcher label = LABEL.matcher(sample.group(2));
        while (label.find()) {
          labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
      }
      samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3))));
    }
  }

  public List<Sample> named(String name) {
    List<Sample> named = new ArrayList<>();
    for (Sample sample : samples) {
      if (sample.name.equals(name)) {
        named.add(sample);
      }
    }
    return named;
  }

  /** The names of every sample. */
  public Set<String> names() {
    Set<String> names = new TreeSet<>();
    for (Sample sample : samples) {
      names.add(sample.name);
    }
    return names;
  }
}
