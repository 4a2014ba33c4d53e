package dev.pinagent.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hostile server on 127.0.0.1 that answers a TLS client one byte every half second and never finishes: a
 * handshake record announcing 16 KiB, then its body dripped. Every read the client makes returns before any
 * socket timeout, so only an overall deadline ends the handshake. Counts how many clients it holds at once.
 */
public final class DripServer implements AutoCloseable {
  private static final long DRIP_MILLIS = 500;

  private final ServerSocket socket;
  private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger mostHeldAtOnce = new AtomicInteger();

  private DripServer(ServerSocket socket) {
    this.socket = socket;
    Thread acceptor = new Thread(this::accept, "drip-server-" + socket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public static DripServer start() {
    try {
      return new DripServer(new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept() {
    while (!socket.isClosed()) {
      try {
        Socket client = socket.accept();
        clients.add(client);
        Thread drip = new Thread(() -> drip(client), "drip-" + client.getPort());
        drip.setDaemon(true);
        drip.start();
      } catch (IOException e) {
        // Closed.
      }
    }
  }

  /** Held from accept until the client closes its side, which a blocked read sees at once. */
  private void drip(Socket client) {
    mostHeldAtOnce.accumulateAndGet(held.incrementAndGet(), Math::max);
    Thread writer = new Thread(() -> write(client), "drip-writer-" + client.getPort());
    writer.setDaemon(true);
    writer.start();
    try (Socket closing = client) {
      InputStream in = client.getInputStream();
      byte[] buffer = new byte[4096];
      while (in.read(buffer) >= 0) {
        // The ClientHello, then nothing until the client gives up.
      }
    } catch (IOException e) {
      // Reset, or the server is closing.
    } finally {
      held.decrementAndGet();
      clients.remove(client);
    }
  }

  private static void write(Socket client) {
    try {
      OutputStream out = client.getOutputStream();
      // A TLS handshake record of 16384 bytes: the client waits for all of them.
      byte[] header = {0x16, 0x03, 0x03, 0x40, 0x00};
      for (int i = 0; !client.isClosed(); i++) {
        out.write(i < header.length ? header[i] : 0x02);
        out.flush();
        Thread.sleep(DRIP_MILLIS);
      }
    } catch (IOException | InterruptedException e) {
      // The client gave up, or the server is closing.
    }
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** The most clients held at the same time so far. */
  public int mostHeldAtOnce() {
    return mostHeldAtOnce.get();
  }

  @Override
  public void close() {
    try {
      socket.close();
      for (Socket client : clients) {
        client.close();
      }
    } catch (IOException e) {
      // Closing.
    }
  }
}
