package dev.pinagent.it.clients;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Full TLS handshakes on command, timed: {@code ViolationProbe <host> <port>} prints {@code READY}, then for each
 * line {@code handshakes N} on its standard input makes N handshakes one after the other (each session invalidated,
 * so none is resumed) and prints {@code DONE <round> ok=.. failed=.. median_us=.. max_us=..}; it exits when its
 * input closes. A test can so make one violation, wait for what follows (a report in flight), then make more.
 */
public final class ViolationProbe {
  private ViolationProbe() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    SSLSocketFactory factory = SSLContext.getDefault().getSocketFactory();
    System.out.println("READY");
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String command;
    int round = 0;
    while ((command = in.readLine()) != null) {
      int count = Integer.parseInt(command.substring("handshakes ".length()).trim());
      List<Long> micros = new ArrayList<>();
      int ok = 0;
      String firstFailure = null;
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        try (SSLSocket socket = (SSLSocket) factory.createSocket(host, port)) {
          SSLParameters parameters = socket.getSSLParameters();
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
          socket.setSSLParameters(parameters);
          socket.startHandshake();
          socket.getSession().invalidate();
          ok++;
        } catch (Exception e) {
          firstFailure = firstFailure == null ? e.toString() : firstFailure;
        }
        micros.add((System.nanoTime() - start) / 1000);
      }
      Collections.sort(micros);
      System.out.println("DONE " + ++round + " ok=" + ok + " failed=" + (count - ok) + " median_us="
          + micros.get(micros.size() / 2) + " max_us=" + micros.get(micros.size() - 1)
          + (firstFailure == null ? "" : " first=" + firstFailure));
      System.out.flush();
    }
  }
}
