package dev.pinagent.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A command's arguments: {@code --name value} options, {@code --flag}s and positional operands. */
final class Arguments {
  private final Map<String, String> options = new LinkedHashMap<>();
  /** Every value of each valued option, in order: an option may be repeatable ({@code --target a --target b}). */
  private final Map<String, List<String>> allValues = new LinkedHashMap<>();
  private final List<String> operands = new ArrayList<>();

  /**
   * @param valued options that take a value
   * @param flags options that do not
   */
  static Arguments parse(String[] args, int from, Set<String> valued, Set<String> flags) throws UsageException {
    Arguments parsed = new Arguments();
    for (int i = from; i < args.length; i++) {
      String arg = args[i];
      if (arg.startsWith("--")) {
        String name = arg.substring(2);
        String value = null;
        int equals = name.indexOf('=');
        if (equals >= 0) {
          value = name.substring(equals + 1);
          name = name.substring(0, equals);
        }
        if (flags.contains(name) && value == null) {
          parsed.options.put(name, "true");
        } else if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new UsageException("--" + name + " needs a value");
            }
            value = args[++i];
          }
          parsed.options.put(name, value);
          parsed.allValues.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
        } else {
          throw new UsageException("unknown option --" + name);
        }
      } else {
        parsed.operands.add(arg);
      }
    }
    return parsed;
  }

  String option(String name) {
    return options.get(name);
  }

  String option(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  /** Every value given for a repeatable option, in order; empty when it was not given. */
  List<String> options(String name) {
    return allValues.getOrDefault(name, List.of());
  }

  boolean flag(String name) {
    return options.containsKey(name);
  }

  List<String> operands() {
    return operands;
  }
}
