package dev.pinagent.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.testing.TestPki;
import dev.pinagent.testing.TestTlsServer;
import java.util.Collections;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

class SessionCachesTest {
  private final TestPki.Issued root = TestPki.ca("CN=Root").build();
  private final TestPki.Issued leaf = TestPki.leaf("localhost").dns("localhost").issuedBy(root).build();

  private SSLContext clientContext() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(TestPki.trustStore(root.certificate));
    SSLContext context = SSLContext.getInstance("TLSv1.2");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  private static void handshake(SSLContext context, int port) throws Exception {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("localhost", port)) {
      socket.startHandshake();
    }
  }

  @Test
  void invalidatesEverySessionOfACacheItHasSeenSoNoneIsResumedAfterAReload() throws Exception {
    try (TestTlsServer server = TestTlsServer.start(leaf.keyPair.getPrivate(), leaf.certificate)) {
      SSLContext context = clientContext();
      handshake(context, server.port());
      SSLSessionContext cache = context.getClientSessionContext();
      assertThat(Collections.list(cache.getIds())).as("the client cached its session").hasSize(1);
      SessionCaches.remember(cache);

      int invalidated = SessionCaches.invalidateAll();

      assertThat(invalidated).isGreaterThanOrEqualTo(1);
      assertThat(Collections.list(cache.getIds())).isEmpty();
    }
  }

  @Test
  void leavesAloneCachesItHasNotSeen() throws Exception {
    try (TestTlsServer server = TestTlsServer.start(leaf.keyPair.getPrivate(), leaf.certificate)) {
      SSLContext context = clientContext();
      handshake(context, server.port());

      SessionCaches.invalidateAll();

      assertThat(Collections.list(context.getClientSessionContext().getIds())).hasSize(1);
    }
  }

  @Test
  void neverKeepsACacheAliveThatTheApplicationDropped() throws Exception {
    int before = SessionCaches.held();
    SessionCaches.remember(clientContext().getClientSessionContext());
    SessionCaches.remember(clientContext().getClientSessionContext());
    assertThat(SessionCaches.held()).isEqualTo(before + 2);

    long deadline = System.nanoTime() + 10_000_000_000L;
    while (SessionCaches.held() > before && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertThat(SessionCaches.held()).isLessThanOrEqualTo(before);
  }

  @Test
  void ignoresWhatIsNotASessionCache() {
    int before = SessionCaches.held();
    SessionCaches.remember("not a cache");
    SessionCaches.remember(null);
    assertThat(SessionCaches.held()).isEqualTo(before);
  }
}
