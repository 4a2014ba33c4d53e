package dev.pinagent.testing;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/**
 * A TLS handshake between two {@link SSLEngine}s in memory, on the calling thread (delegated tasks included):
 * what an engine-based client (Netty, the JDK's HTTP client) does, without a network.
 */
public final class EngineHandshake {
  private EngineHandshake() {}

  /**
   * Shakes hands until both engines are done or one fails.
   *
   * @throws SSLException what the failing engine threw (a refused certificate, for one)
   */
  public static void run(SSLEngine client, SSLEngine server) throws SSLException {
    int packets = 4 * Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
    ByteBuffer toServer = ByteBuffer.allocate(packets);
    ByteBuffer toClient = ByteBuffer.allocate(packets);
    ByteBuffer empty = ByteBuffer.allocate(0);
    ByteBuffer sink = ByteBuffer.allocate(4 * Math.max(client.getSession().getApplicationBufferSize(),
        server.getSession().getApplicationBufferSize()));
    client.beginHandshake();
    server.beginHandshake();
    for (int step = 0; step < 200 && !(done(client) && done(server)); step++) {
      client.wrap(empty, toServer);
      runTasks(client);
      toServer.flip();
      server.unwrap(toServer, sink);
      toServer.compact();
      runTasks(server);
      server.wrap(empty, toClient);
      runTasks(server);
      toClient.flip();
      client.unwrap(toClient, sink);
      toClient.compact();
      runTasks(client);
      sink.clear();
    }
    if (!(done(client) && done(server))) {
      throw new IllegalStateException("the engines did not finish their handshake in 200 steps");
    }
  }

  private static boolean done(SSLEngine engine) {
    HandshakeStatus status = engine.getHandshakeStatus();
    return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
  }

  private static void runTasks(SSLEngine engine) {
    for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
      task.run();
    }
  }
}
