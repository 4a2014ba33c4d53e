package dev.pinagent.metrics;

import io.micrometer.common.util.internal.logging.InternalLogger;
import io.micrometer.common.util.internal.logging.InternalLoggerFactory;
import java.lang.reflect.Proxy;
import java.util.Arrays;

/**
 * Keeps the agent's (shaded) Micrometer away from the application's logging. Left alone, Micrometer looks for
 * SLF4J on the class path and, finding the application's, initializes it during {@code premain} — before the
 * application has configured it — or falls back to {@code java.util.logging}, whose {@code LogManager} some
 * servers must install themselves first. This factory logs Micrometer's warnings and errors to stderr with
 * the agent's prefix and drops the rest. Install it before any Micrometer class is used.
 */
public final class QuietMicrometerLogging extends InternalLoggerFactory {
  private QuietMicrometerLogging() {}

  public static void install() {
    InternalLoggerFactory.setDefaultFactory(new QuietMicrometerLogging());
  }

  @Override
  protected InternalLogger newInstance(String name) {
    return (InternalLogger) Proxy.newProxyInstance(InternalLogger.class.getClassLoader(),
        new Class<?>[] {InternalLogger.class}, (proxy, method, args) -> {
          String operation = method.getName();
          if (method.getReturnType() == boolean.class) {
            return operation.equals("isWarnEnabled") || operation.equals("isErrorEnabled")
                || (operation.equals("isEnabled") && isWarnOrError(args[0]));
          }
          if (method.getReturnType() == String.class) {
            return operation.equals("toString") ? "QuietMicrometerLogger[" + name + "]" : name;
          }
          if (operation.equals("hashCode")) {
            return System.identityHashCode(proxy);
          }
          if (operation.equals("equals")) {
            return proxy == args[0];
          }
          boolean warnOrError = operation.equals("warn") || operation.equals("error")
              || (operation.equals("log") && args != null && args.length > 0 && isWarnOrError(args[0]));
          if (warnOrError && args != null) {
            System.err.println("[pin-agent] metrics " + operation + " (" + name + "): " + Arrays.toString(args));
          }
          return null;
        });
  }

  private static boolean isWarnOrError(Object level) {
    String text = String.valueOf(level);
    return text.equals("WARN") || text.equals("ERROR");
  }
}
