package dev.pinagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.bridge.TrustManagerWrapping;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What a second load of the agent does; the forked-JVM tests (StartupIT, DynamicAttachIT) cover the rest. */
class AgentStartupTest {
  private static final PinEnforcement FIRST = new PinEnforcement() {
    @Override
    public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
        X509TrustManager trustManager) {}

    @Override
    public void wrapped(String source) {}

    @Override
    public void failed(String stage, Throwable error) {}
  };

  @AfterEach
  void detach() {
    TrustManagerWrapping.install(null);
  }

  @Test
  void refusesASecondDynamicAttachBeforeReadingItsPolicyAndKeepsTheFirst() {
    TrustManagerWrapping.attach("/etc/fleet.yaml", FIRST);

    // The instrumentation is never reached, nor the second policy file, which does not exist.
    assertThatThrownBy(() -> AgentStartup.start("policy=/nonexistent/service.yaml", null, false))
        .isInstanceOf(AgentStartup.AlreadyAttachedException.class)
        .hasMessage("PinAgent is already attached with policy /etc/fleet.yaml; a second attach with policy "
            + "/nonexistent/service.yaml is refused, and /etc/fleet.yaml stays in force: a running JVM keeps the "
            + "policy it was given first; restart it to change the policy");
    assertThat(TrustManagerWrapping.attachedPolicy()).isEqualTo("/etc/fleet.yaml");
  }

  @Test
  void refusesASecondJavaagentSayingToAttachOnce() {
    TrustManagerWrapping.attach("/etc/fleet.yaml", FIRST);

    assertThatThrownBy(() -> AgentStartup.start("policy=/etc/service.yaml", null, true))
        .isInstanceOf(AgentStartup.AlreadyAttachedException.class)
        .hasMessageStartingWith("PinAgent is already attached with policy /etc/fleet.yaml; a second -javaagent "
            + "with policy /etc/service.yaml is refused: attach it once (");
  }

  @Test
  void saysItIsNotTheAgentJarWhenItsLibrariesAreMissingRatherThanBlamingThePolicy() {
    assertThatThrownBy(() -> AgentStartup.requireLibraries(() -> {
      throw new NoClassDefFoundError("org/yaml/snakeyaml/LoaderOptions");
    }))
        .isInstanceOf(AgentStartup.ConfigurationException.class)
        .hasMessage("this is not the PinAgent agent jar (its libraries are missing); use pin-agent.jar "
            + "(org/yaml/snakeyaml/LoaderOptions cannot be loaded)")
        .hasMessageNotContaining("policy");
  }

  @Test
  void goesOnToThePolicyWhenItsLibrariesArePresent() throws Exception {
    assertThatThrownBy(() -> AgentStartup.start("policy=/nonexistent/pins.yaml", null, true))
        .isInstanceOf(AgentStartup.ConfigurationException.class)
        .hasMessageStartingWith("invalid pin policy: /nonexistent/pins.yaml: no such file");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', value = {
    "JAVA_TOOL_OPTIONS | -Xmx1g -javaagent:/opt/pin-agent.jar=policy=/etc/fleet.yaml | (JAVA_TOOL_OPTIONS or the command line, not both)",
    "JDK_JAVA_OPTIONS  | -javaagent:/opt/pin-agent.jar                              | (JDK_JAVA_OPTIONS or the command line, not both)",
    "JAVA_TOOL_OPTIONS | -Xmx1g                                                     | (one -javaagent option, not two)",
    "PATH              | /usr/bin                                                   | (one -javaagent option, not two)",
  })
  void pointsAtTheEnvironmentVariableThatHoldsAJavaagent(String variable, String value, String where) {
    assertThat(AgentStartup.whereTheOptionsAre(Map.of(variable, value))).isEqualTo(where);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(delimiter = '|', value = {
      "the jar's tools by absolute path          | /opt/pin-agent.jar check /etc/pins.yaml        | true",
      "the jar's tools by relative path          | pin-agent.jar pins api.example.com              | true",
      "the jar's tools with a dot segment        | ./../opt/pin-agent.jar check p.yaml             | true",
      "the jar's tools without arguments         | /opt/pin-agent.jar                              | true",
      "the tools' main class on a class path     | dev.pinagent.cli.PinAgentCli check p.yaml       | true",
      "a service's main class                    | com.example.Service --port 8080                 | false",
      "a service's jar                           | /srv/service.jar                                | false",
      "a service's jar named after the agent     | /srv/pin-agent.jar.d/service.jar                | false",
      "a main class that only starts like the tools | dev.pinagent.cli.PinAgentCliWrapper          | false",
  })
  void recognizesTheJvmOfItsOwnToolsSoTheAgentStaysOutOfIt(String row, String command, boolean ownTools) {
    Path agentJar = Paths.get("/opt/pin-agent.jar");
    assertThat(AgentStartup.runsOwnTools(command, agentJar, Paths.get("/opt")))
        .as(row).isEqualTo(ownTools);
  }

  @Test
  void startsWhereTheJavaCommandIsUnknown() {
    assertThat(AgentStartup.runsOwnTools(null, Paths.get("/opt/pin-agent.jar"),
        Paths.get("/"))).isFalse();
    assertThat(AgentStartup.runsOwnTools("/opt/pin-agent.jar check", null, Paths.get("/")))
        .as("agent classes not from a jar").isFalse();
  }
}
