package dev.pinagent.testing;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Property checks in plain JUnit: a property is checked against many generated inputs, each from its own
 * seeded {@link SplittableRandom}, and a failure names the case's seed, the exact input and how to rerun.
 *
 * <p>The base seed is fixed, so every build checks the same cases. Set the system property
 * {@value #SEED_PROPERTY} to check others, for example
 * {@code mvn -pl agent test -Dtest=PolicyLoaderPropertyTest -Dpinagent.property.seed=123}; a failure message
 * prints the exact command that reproduces it. Case {@code i} runs on the seed {@link #caseSeed caseSeed(base, i)},
 * which the message prints too: {@code generator.apply(new SplittableRandom(caseSeed))} replays that case alone.
 */
public final class Seeded {
  /** The system property that overrides the base seed: a decimal {@code long}. */
  public static final String SEED_PROPERTY = "pinagent.property.seed";

  /** The base seed of every build that does not set {@value #SEED_PROPERTY}. */
  public static final long DEFAULT_SEED = 20_261_201L;

  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  /** Characters chosen for their special meaning or odd IDN mapping: fullwidth digits and dots, BOM, ZWJ... */
  private static final String ODD_UNICODE = "\uff10\uff11\uff19\uff0e\u3002\uff61\u00b9\u00b2\u0131\u212a\u00df"
      + "\u00fc\u00ad\u200d\u00a0\ufeff\u2028\u0085\ufffd\ufffe";

  private Seeded() {}

  /** One property; anything it throws fails the case. */
  @FunctionalInterface
  public interface Property<T> {
    void check(T input) throws Exception;
  }

  /**
   * Checks {@code property} against {@code cases} inputs made by {@code generator}. Every case runs; if any
   * fails, the assertion names how many did and describes the one with the shortest input in full.
   */
  public static <T> void check(int cases, Function<SplittableRandom, T> generator,
      Function<? super T, String> describe, Property<? super T> property) {
    long base = baseSeed();
    int failures = 0;
    int shortestIndex = -1;
    String shortestInput = null;
    Throwable shortestFailure = null;
    for (int i = 0; i < cases; i++) {
      String input = "(the generator threw)";
      try {
        T value = generator.apply(new SplittableRandom(caseSeed(base, i)));
        input = describe.apply(value);
        property.check(value);
      } catch (Exception | AssertionError | StackOverflowError e) {
        failures++;
        if (shortestInput == null || input.length() < shortestInput.length()) {
          shortestIndex = i;
          shortestInput = input;
          shortestFailure = e;
        }
      }
    }
    if (failures > 0) {
      StackWalker.StackFrame test = StackWalker.getInstance()
          .walk(frames -> frames.filter(f -> !f.getClassName().equals(Seeded.class.getName())).findFirst())
          .orElseThrow();
      String testClass = test.getClassName().substring(test.getClassName().lastIndexOf('.') + 1);
      throw new AssertionError(failures + " of " + cases + " cases failed; the shortest failing input is case "
          + shortestIndex + ":\n"
          + "  case seed: " + caseSeed(base, shortestIndex) + " (case " + shortestIndex + " of base seed " + base
          + ")\n"
          + "  input:     " + indent(shortestInput) + "\n"
          + "  failure:   " + indent(String.valueOf(shortestFailure)) + "\n"
          + "  reproduce: mvn -pl agent test -Dtest=" + testClass + "#" + test.getMethodName() + " -D"
          + SEED_PROPERTY + "=" + base, shortestFailure);
    }
  }

  private static String indent(String lines) {
    return lines.replace("\n", "\n             ");
  }

  /** The base seed: {@value #DEFAULT_SEED} unless the system property {@value #SEED_PROPERTY} says otherwise. */
  public static long baseSeed() {
    String value = System.getProperty(SEED_PROPERTY);
    if (value == null) {
      return DEFAULT_SEED;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-D" + SEED_PROPERTY + " must be a decimal long, got '" + value + "'");
    }
  }

  /** The seed of case {@code index}: SplitMix64's mixing of the base seed's {@code index}-th step. */
  public static long caseSeed(long base, int index) {
    long z = base + GOLDEN_GAMMA * (index + 1L);
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** An int from {@code min} to {@code max}, both included. */
  public static int between(SplittableRandom random, int min, int max) {
    return random.nextInt(min, max + 1);
  }

  public static <T> T oneOf(SplittableRandom random, List<T> choices) {
    return choices.get(random.nextInt(choices.size()));
  }

  public static char oneOf(SplittableRandom random, String chars) {
    return chars.charAt(random.nextInt(chars.length()));
  }

  /**
   * Arbitrary text, 0 to 300 UTF-16 units, mostly short. Each string leans on one kind of character
   * ({@code favoured}, ASCII, control characters, any UTF-16 unit including lone surrogates, supplementary
   * code points, or Unicode with odd IDN mappings) and mixes in the others.
   */
  public static String text(SplittableRandom random, String favoured) {
    int length = random.nextInt(oneOf(random, List.of(5, 40, 301)));
    int leaning = random.nextInt(7);
    StringBuilder text = new StringBuilder(length + 1);
    while (text.length() < length) {
      switch (random.nextInt(4) == 0 ? random.nextInt(7) : leaning) {
        case 0:
          text.append(oneOf(random, favoured));
          break;
        case 1:
          text.append(oneOf(random, "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789.-_"));
          break;
        case 2:
          text.append((char) between(random, 0x20, 0x7e));
          break;
        case 3:
          text.append((char) (random.nextBoolean() ? between(random, 0, 0x1f) : between(random, 0x7f, 0x9f)));
          break;
        case 4:
          text.append((char) random.nextInt(0x10000));
          break;
        case 5:
          text.appendCodePoint(between(random, 0x10000, Character.MAX_CODE_POINT));
          break;
        default:
          text.append(oneOf(random, ODD_UNICODE));
      }
    }
    return text.toString();
  }

  /**
   * {@code text} as a Java string literal, exact down to lone surrogates; split after each line break, so a
   * multi-line input prints one line per line and can be pasted into a test as it is.
   */
  public static String literal(String text) {
    StringBuilder literal = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"':
          literal.append("\\\"");
          break;
        case '\\':
          literal.append("\\\\");
          break;
        case '\n':
          literal.append(i == text.length() - 1 ? "\\n" : "\\n\"\n+ \"");
          break;
        case '\r':
          literal.append("\\r");
          break;
        case '\t':
          literal.append("\\t");
          break;
        default:
          if (c >= 0x20 && c < 0x7f) {
            literal.append(c);
          } else {
            literal.append(String.format("\\u%04x", (int) c));
          }
      }
    }
    return literal.append('"').toString();
  }
}
