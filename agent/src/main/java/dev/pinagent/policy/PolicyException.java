package dev.pinagent.policy;

/**
 * A policy that cannot be used, with everything an operator needs to fix it in one line:
 * {@code pins.yaml:14: /pin-sets/0/pins/1: expected 'sha256/...', got 'md5/abc'}.
 */
public final class PolicyException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String yamlPath;
  private final String problem;

  /**
   * @param line 1-based, or 0 when the problem is with the file as a whole
   * @param yamlPath a JSON-pointer-like path such as {@code /pin-sets/0/pins/1}, or empty
   */
  public PolicyException(String file, int line, String yamlPath, String problem) {
    super(format(file, line, yamlPath, problem));
    this.file = file;
    this.line = line;
    this.yamlPath = yamlPath;
    this.problem = problem;
  }

  private static String format(String file, int line, String yamlPath, String problem) {
    StringBuilder message = new StringBuilder(file);
    if (line > 0) {
      message.append(':').append(line);
    }
    message.append(": ");
    if (!yamlPath.isEmpty()) {
      message.append(yamlPath).append(": ");
    }
    return message.append(problem).toString();
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }

  public String yamlPath() {
    return yamlPath;
  }

  public String problem() {
    return problem;
  }
}
