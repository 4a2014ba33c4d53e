package dev.pinagent.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.it.clients.AttachingProbe;
import dev.pinagent.it.support.ForkedJvm;
import dev.pinagent.it.support.LabTest;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Loading the agent into a running JVM (Agent-Class): the default SSLContext already exists and was built
 * before any hook, so the agent must wrap it directly; a bad policy must fail the attach, not the service.
 */
class DynamicAttachIT extends LabTest {
  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void pinsTheDefaultContextThatExistedBeforeTheAttach(Path javaHome) {
    String evil = lab.evil.url("localhost");
    ForkedJvm.Result result = lab.client(javaHome)
        .jvmOption("-Djdk.attach.allowAttachSelf=true")
        .main(AttachingProbe.class, ForkedJvm.agentJar().toString(),
            "policy=" + lab.localhostPinnedToGoodIssuer("enforce"), evil, evil)
        .run();

    assertThat(result.stdout).as(result.toString()).containsSubsequence(
        "RESULT " + evil + " OK 200 hello from evil", "ATTACHED",
        "RESULT " + evil + " FAIL", "Certificate pinning failure for host localhost");
    assertThat(result.stderr).contains("[pin-agent] pinning 1 pin-set(s)");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void leavesTheRunningServiceAloneWhenThePolicyIsBad(Path javaHome) {
    String good = lab.good.url("localhost");
    ForkedJvm.Result result = lab.client(javaHome)
        .jvmOption("-Djdk.attach.allowAttachSelf=true")
        .main(AttachingProbe.class, ForkedJvm.agentJar().toString(), "policy=/nonexistent.yaml", good, good)
        .run();

    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.stdout).containsSubsequence("OK 200", "ATTACH-FAILED", "OK 200");
    assertThat(result.stderr).contains("[pin-agent] ERROR: not attached: invalid pin policy: /nonexistent.yaml: no such file");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("jvms")
  void refusesASecondAttachAndKeepsTheFirstPolicyInForce(Path javaHome) {
    String evil = lab.evil.url("localhost");
    Path first = lab.localhostPinnedToGoodIssuer("enforce");
    Path second = lab.policy("version: 1\npin-sets: []\n");
    ForkedJvm.Result result = lab.client(javaHome)
        .agent("policy=" + first)
        .jvmOption("-Djdk.attach.allowAttachSelf=true")
        .main(AttachingProbe.class, ForkedJvm.agentJar().toString(), "policy=" + second, evil, evil)
        .run();

    assertThat(result.exitCode).as(result.toString()).isZero();
    assertThat(result.stdout).as(result.toString()).containsSubsequence(
        "RESULT " + evil + " FAIL", "Certificate pinning failure for host localhost", "ATTACH-FAILED",
        "RESULT " + evil + " FAIL", "Certificate pinning failure for host localhost");
    assertThat(result.stderr).contains("[pin-agent] ERROR: not attached: PinAgent is already attached with policy "
        + first + "; a second attach with policy " + second + " is refused, and " + first + " stays in force: "
        + "a running JVM keeps the policy it was given first; restart it to change the policy");
  }
}
