package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.demo.Demo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's main command runs this demo; it must keep working, and keep showing what it promises. */
class DemoIT {
  @Test
  void showsTheManInTheMiddleAcceptedWithoutTheAgentAndBlockedWithIt() throws Exception {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    boolean succeeded = Demo.run(new PrintStream(captured, true, StandardCharsets.UTF_8));
    String output = captured.toString(StandardCharsets.UTF_8);

    assertThat(succeeded).as(output).isTrue();
    assertThat(output)
        .contains("TRUSTED by the trust store")
        .contains("# the leaf's issuer: CN=Good Issuing CA,O=Partner")
        .contains("accepted: 200 hello from evil")
        .contains("REFUSED (javax.net.ssl.SSLHandshakeException)")
        .contains("Certificate pinning failure for host localhost (pin-set 'partner')")
        .contains("tls_pin_violations_total{action=\"blocked\",host=\"localhost\",pin_set=\"partner\"} 1.0")
        .contains("Result: MITM accepted without the agent, blocked with it");
  }
}
