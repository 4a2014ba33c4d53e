package dev.pinagent.reload;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The one thread of the reload, {@code pin-agent-policy-reload}: a daemon, so it never delays the JVM's exit,
 * that sleeps an interval and then looks at the policy source. Nothing of a reload runs on a handshake's thread:
 * handshakes only ever read the reference to the policy in force.
 */
public final class PolicyWatcher {
  public static final String THREAD_NAME = "pin-agent-policy-reload";

  private PolicyWatcher() {}

  /** One look at the policy source. */
  public interface Look {
    void look() throws InterruptedException;
  }

  /** How long a new version must stay unchanged to be loaded: half the interval, at most half a second. */
  public static long settleMillis(Duration interval) {
    return Math.min(interval.toMillis() / 2, 500);
  }

  /**
   * Starts the thread.
   *
   * @param eachInterval what to do at each interval (look at the source); anything it throws is handed to
   *     {@code onFailure} and the thread goes on
   */
  public static Thread start(Duration interval, Look eachInterval, Consumer<Throwable> onFailure) {
    long millis = interval.toMillis();
    Thread thread = new Thread(() -> {
      while (true) {
        try {
          Thread.sleep(millis);
        } catch (InterruptedException e) {
          return;
        }
        try {
          eachInterval.look();
        } catch (InterruptedException e) {
          return;
        } catch (Throwable e) {
          onFailure.accept(e);
        }
      }
    }, THREAD_NAME);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
