package dev.pinagent.it.clients;

import com.sun.tools.attach.VirtualMachine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A running service that gets the agent late: {@code AttachingProbe <agent jar> <agent args> <url before>
 * <url after>} fetches the first URL (creating the JVM's default {@code SSLContext}), attaches the agent to
 * itself, then fetches the second URL with a new client on that same, already existing, default context.
 * Needs {@code -Djdk.attach.allowAttachSelf=true}.
 */
public final class AttachingProbe {
  private AttachingProbe() {}

  public static void main(String[] args) throws Exception {
    fetch(args[2]);
    try {
      VirtualMachine vm = VirtualMachine.attach(String.valueOf(ProcessHandle.current().pid()));
      try {
        vm.loadAgent(args[0], args[1]);
        System.out.println("ATTACHED");
      } finally {
        vm.detach();
      }
    } catch (Exception e) {
      System.out.println("ATTACH-FAILED " + e);
    }
    fetch(args[3]);
  }

  private static void fetch(String url) {
    try {
      HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
          .version(HttpClient.Version.HTTP_1_1).build()
          .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
      System.out.println("RESULT " + url + " OK " + response.statusCode() + " " + response.body().trim());
    } catch (Exception e) {
      System.out.println("RESULT " + url + " FAIL " + e + (e.getCause() == null ? "" : " <- " + e.getCause()));
    }
    System.out.flush();
  }
}
