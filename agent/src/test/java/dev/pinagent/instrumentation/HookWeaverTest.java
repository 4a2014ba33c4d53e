package dev.pinagent.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.bridge.PinningTrustManager;
import dev.pinagent.bridge.TrustManagerWrapping;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hooks woven into stand-ins shaped like the JDK classes, loaded in a class loader that verifies them,
 * before they are trusted on the real ones (the integration tests do that through the built jar, with the
 * JDK's verifier switched on for its own classes).
 */
class HookWeaverTest {
  private final List<String> wrapped = new ArrayList<>();

  @BeforeEach
  void install() {
    TrustManagerWrapping.install(new PinEnforcement() {
      @Override
      public boolean mayReuseConnection(X509Certificate[] chain, String host) {
        return true;
      }

      @Override
      public Object policyStamp() {
        return this;
      }

      @Override
      public boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
        return false;
      }

      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) {}

      @Override
      public void wrapped(String source) {
        wrapped.add(source);
      }

      @Override
      public void failed(String stage, Throwable error) {
        throw new AssertionError(stage, error);
      }
    });
  }

  @AfterEach
  void uninstall() {
    TrustManagerWrapping.install(null);
  }

  /**
   * Stands in for {@code sun.security.ssl.SSLContextImpl}: a private choice with more than one return and a
   * handler, and the accessor every handshake calls.
   */
  public static class ContextStandIn {
    private X509TrustManager trustManager;
    private long choices;

    protected void engineInit(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
      trustManager = chooseTrustManager(trustManagers);
    }

    private X509TrustManager chooseTrustManager(TrustManager[] trustManagers) {
      long started = choices++;
      try {
        if (trustManagers == null) {
          return null;
        }
      } catch (RuntimeException e) {
        choices = started;
      }
      for (TrustManager candidate : trustManagers) {
        if (candidate instanceof X509TrustManager) {
          return (X509TrustManager) candidate;
        }
      }
      return null;
    }

    X509TrustManager getX509TrustManager() {
      return trustManager;
    }

    /** What an old context, initialized before the agent, holds: set behind the hooks' back. */
    public void holdUnwrapped(X509TrustManager manager) {
      trustManager = manager;
    }

    public X509TrustManager chosen() {
      return trustManager;
    }
  }

  /** Stands in for {@code okhttp3.CertificatePinner}: the application's own pins, none here. */
  public static class PinnerStandIn {
    private int checked;

    public void check(String hostname, List<java.security.cert.Certificate> peerCertificates) {
      checked++;
    }

    public int checked() {
      return checked;
    }
  }

  /** Stands in for SunJSSE's client handshake start and its session cache lookup. */
  public static class ResumptionStandIn {
    private Object seen;

    public byte[] produce(Object handshakeContext) {
      seen = handshakeContext;
      return null;
    }

    Object get(String host, int port) {
      return host.isEmpty() ? null : new Object();
    }

    public Object seen() {
      return seen;
    }
  }

  /** Stands in for {@code javax.net.ssl.TrustManagerFactory}, returning from inside a loop and a try. */
  public static class FactoryStandIn {
    private final TrustManager[] managers;

    public FactoryStandIn(TrustManager[] managers) {
      this.managers = managers;
    }

    public final TrustManager[] getTrustManagers() {
      double attempts = 0;
      while (attempts < 3) {
        try {
          if (managers != null) {
            return managers;
          }
        } catch (IllegalStateException e) {
          attempts += 0.5;
        }
        attempts++;
      }
      return new TrustManager[0];
    }
  }

  /**
   * Stands in for {@code javax.net.ssl.SSLContext}. Its first instruction is a loop's jump target, so the
   * method brings its own stack map frame at offset 0, where the woven code also needs one.
   */
  public static class InitStandIn {
    private TrustManager[] received;
    private int rounds;

    public final void init(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
      do {
        received = trustManagers;
        rounds++;
      } while (rounds < 2);
    }

    public TrustManager[] received() {
      return received;
    }
  }

  /** The same shape, without a frame of its own at offset 0. */
  public static class PlainInitStandIn {
    private TrustManager[] received;

    public final void init(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
      received = trustManagers;
    }

    public TrustManager[] received() {
      return received;
    }
  }

  private static byte[] classFile(Class<?> type) throws IOException {
    String resource = "/" + type.getName().replace('.', '/') + ".class";
    try (InputStream in = type.getResourceAsStream(resource)) {
      return in.readAllBytes();
    }
  }

  private static Class<?> woven(Class<?> type, MethodHook real) throws Exception {
    return define(type, HookWeaver.weave(real.on(type.getName()), classFile(type)));
  }

  private static Class<?> define(Class<?> type, byte[] transformed) throws Exception {
    Class<?> defined = new ClassLoader(HookWeaverTest.class.getClassLoader()) {
      Class<?> define() {
        return defineClass(type.getName(), transformed, 0, transformed.length);
      }
    }.define();
    // Initializing links the class, which runs the verifier over the hand-written frames.
    return Class.forName(defined.getName(), true, defined.getClassLoader());
  }

  private static X509TrustManager jdkTrustManager() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init((java.security.KeyStore) null);
    return (X509TrustManager) factory.getTrustManagers()[0];
  }

  private static Object engineInit(Class<?> type, TrustManager[] trustManagers) throws Exception {
    Object context = type.getConstructor().newInstance();
    Method engineInit =
        type.getDeclaredMethod("engineInit", KeyManager[].class, TrustManager[].class, SecureRandom.class);
    engineInit.setAccessible(true);
    engineInit.invoke(context, null, trustManagers, null);
    return type.getMethod("chosen").invoke(context);
  }

  @Test
  void choiceHookWrapsTheChosenTrustManagerOnEveryReturnSoTheFieldNeverHoldsTheOriginal() throws Exception {
    Class<?> type = woven(ContextStandIn.class, SslContextImplInstrumentation.CHOICE);
    X509TrustManager original = jdkTrustManager();

    Object chosen = engineInit(type, new TrustManager[] {original});

    assertThat(chosen).isInstanceOf(PinningTrustManager.class);
    assertThat(((PinningTrustManager) chosen).delegate()).isSameAs(original);
    assertThat(engineInit(type, null)).as("the early return leaves nothing chosen").isNull();
    assertThat(wrapped).containsExactly("ssl_context");
  }

  @Test
  void inUseHookWrapsTheManagerOfAContextInitializedBeforeTheHooks() throws Exception {
    Class<?> type = woven(ContextStandIn.class, SslContextImplInstrumentation.USE);
    X509TrustManager original = jdkTrustManager();
    Object context = type.getConstructor().newInstance();
    type.getMethod("holdUnwrapped", X509TrustManager.class).invoke(context, original);
    Method inUse = type.getDeclaredMethod("getX509TrustManager");
    inUse.setAccessible(true);

    Object first = inUse.invoke(context);
    Object second = inUse.invoke(context);

    assertThat(first).isInstanceOf(PinningTrustManager.class);
    assertThat(((PinningTrustManager) first).delegate()).isSameAs(original);
    assertThat(second).as("one wrapper per manager").isSameAs(first);
    assertThat(wrapped).containsExactly("ssl_context_in_use");
  }

  @Test
  void resumptionHooksHandOverTheHandshakeAndRefuseASessionTheAgentNeverChecked() throws Exception {
    MethodHook clientHello = MethodHook.onEntryReplaceArgument(ResumptionStandIn.class.getName(), "produce",
        "(Ljava/lang/Object;)[B", 0, SessionResumptionInstrumentation.CLIENT_HELLO.bridgeMethod, "[test] ");
    MethodHook lookup = MethodHook.onExitReplaceReturnValue(ResumptionStandIn.class.getName(), "get",
        "(Ljava/lang/String;I)Ljava/lang/Object;", SessionResumptionInstrumentation.SESSION_LOOKUP.bridgeMethod,
        "[test] ");
    byte[] once = HookWeaver.weave(clientHello, classFile(ResumptionStandIn.class));
    Class<?> type = define(ResumptionStandIn.class, HookWeaver.weave(lookup, once));
    Object standIn = type.getConstructor().newInstance();
    Object handshake = new Object();

    type.getMethod("produce", Object.class).invoke(standIn, handshake);
    Method get = type.getDeclaredMethod("get", String.class, int.class);
    get.setAccessible(true);

    assertThat(type.getMethod("seen").invoke(standIn)).as("the argument passes through").isSameAs(handshake);
    assertThat(get.invoke(standIn, "peer", 443)).as("not an SSL session the agent checked").isNull();
    assertThat(get.invoke(standIn, "", 443)).isNull();
  }

  @Test
  void reuseHookRefusesWithTheLibrarysOwnExceptionAndOtherwiseLetsTheCheckRun() throws Exception {
    TrustManagerWrapping.install(new PinEnforcement() {
      @Override
      public Object policyStamp() {
        return this;
      }

      @Override
      public boolean mayResumeAcrossNames(String checkedServerName, String requestedServerName, String peerHost) {
        return false;
      }

      @Override
      public boolean mayReuseConnection(X509Certificate[] chain, String host) {
        return !host.equals("pinned.example");
      }

      @Override
      public void check(X509Certificate[] chain, String serverName, String peerHost, int port,
          X509TrustManager trustManager) {}

      @Override
      public void wrapped(String source) {}

      @Override
      public void failed(String stage, Throwable error) {
        throw new AssertionError(stage, error);
      }
    });
    Class<?> type = woven(PinnerStandIn.class, OkHttpInstrumentation.COALESCING);
    Object pinner = type.getConstructor().newInstance();
    Method check = type.getMethod("check", String.class, List.class);

    check.invoke(pinner, "other.example", List.of());
    assertThatThrownBy(() -> check.invoke(pinner, "pinned.example", List.of()))
        .isInstanceOf(java.lang.reflect.InvocationTargetException.class)
        .cause()
        .isInstanceOf(javax.net.ssl.SSLPeerUnverifiedException.class)
        .hasMessageContaining("not reused for pinned.example");
    assertThat(type.getMethod("checked").invoke(pinner)).as("the refused call never reaches the pinner").isEqualTo(1);
  }

  @Test
  void getTrustManagersHookWrapsEachX509TrustManagerOfTheReturnedArray() throws Exception {
    Class<?> type = woven(FactoryStandIn.class, TrustManagerFactoryInstrumentation.HOOK);
    X509TrustManager original = jdkTrustManager();
    TrustManager[] internal = {original};
    Object factory = type.getConstructor(TrustManager[].class).newInstance((Object) internal);

    TrustManager[] returned = (TrustManager[]) type.getMethod("getTrustManagers").invoke(factory);

    assertThat(returned).hasSize(1);
    assertThat(returned[0]).isInstanceOf(PinningTrustManager.class);
    assertThat(internal[0]).as("the factory's own array is untouched").isSameAs(original);
    assertThat(wrapped).containsExactly("trust_manager_factory");
  }

  @Test
  void initHookWrapsTheTrustManagersPassedToAContextOfAnotherProvider() throws Exception {
    for (Class<?> standIn : List.of(InitStandIn.class, PlainInitStandIn.class)) {
      Class<?> type = woven(standIn, SslContextInitInstrumentation.HOOK);
      X509TrustManager original = jdkTrustManager();
      Object context = type.getConstructor().newInstance();

      type.getMethod("init", KeyManager[].class, TrustManager[].class, SecureRandom.class)
          .invoke(context, null, new TrustManager[] {original}, null);

      TrustManager[] received = (TrustManager[]) type.getMethod("received").invoke(context);
      assertThat(received).as(standIn.getSimpleName()).hasSize(1);
      assertThat(received[0]).as(standIn.getSimpleName()).isInstanceOf(PinningTrustManager.class);
    }
    assertThat(wrapped).containsExactly("ssl_context_init", "ssl_context_init");
  }

  @Test
  void aHookThatCannotReachTheBridgeReportsOneLineAndLeavesTheMethodWorking() throws Exception {
    MethodHook unreachable = MethodHook.onExitReplaceReturnValue(FactoryStandIn.class.getName(),
        "getTrustManagers", "()[Ljavax/net/ssl/TrustManager;", "noSuchBridgeMethod", "[test] NOT pinned: ");
    Class<?> type = woven(FactoryStandIn.class, unreachable);
    X509TrustManager original = jdkTrustManager();
    Object factory = type.getConstructor(TrustManager[].class).newInstance((Object) new TrustManager[] {original});

    ByteArrayOutputStream errors = new ByteArrayOutputStream();
    PrintStream standardError = System.err;
    TrustManager[] returned;
    System.setErr(new PrintStream(errors, true, StandardCharsets.UTF_8));
    try {
      returned = (TrustManager[]) type.getMethod("getTrustManagers").invoke(factory);
    } finally {
      System.setErr(standardError);
    }

    assertThat(returned).containsExactly(original);
    assertThat(errors.toString(StandardCharsets.UTF_8))
        .startsWith("[test] NOT pinned: java.lang.NoSuchMethodException: ")
        .contains("noSuchBridgeMethod")
        .hasLineCount(1);
  }

  @Test
  void aMethodTheJdkNoLongerHasFailsTheHookInsteadOfLeavingTlsSilentlyUnpinned() {
    MethodHook renamed = MethodHook.onExitReplaceReturnValue(FactoryStandIn.class.getName(), "getManagers",
        "()[Ljavax/net/ssl/TrustManager;", "wrapFactoryResult", "unused");

    assertThatThrownBy(() -> HookWeaver.weave(renamed, classFile(FactoryStandIn.class)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("getManagers()[Ljavax/net/ssl/TrustManager;")
        .hasMessageContaining("no such method");
  }

  @Test
  void eachHookWeavesTheRealJdkClassOfThisJvm() throws Exception {
    for (MethodHook hook : HookInstaller.HOOKS) {
      if (!hook.typeName.startsWith("java") && !hook.typeName.startsWith("sun.")) {
        continue;
      }
      byte[] original;
      try (InputStream in = Object.class.getResourceAsStream("/" + hook.internalTypeName() + ".class")) {
        original = in.readAllBytes();
      }
      assertThat(HookWeaver.weave(hook, original)).as(hook.methodSignature()).isNotEqualTo(original);
    }
  }

  @Test
  void everyHookOfATypeIsWovenIntoTheSameClass() throws Exception {
    byte[] classFile;
    try (InputStream in = Object.class.getResourceAsStream(
        "/" + SslContextImplInstrumentation.CHOICE.internalTypeName() + ".class")) {
      classFile = in.readAllBytes();
    }
    HookInstaller.HookTransformer transformer = new HookInstaller.HookTransformer(HookInstaller.HOOKS, null);

    byte[] woven = transformer.transform(null, null, SslContextImplInstrumentation.CHOICE.internalTypeName(), null,
        null, classFile);

    String constants = new String(woven, StandardCharsets.ISO_8859_1);
    assertThat(constants).contains("wrapChosen").contains("wrapInUse");
  }

  @Test
  void targetsTheJdkTypesThatExistOnThisJvm() throws Exception {
    for (String name : HookInstaller.targetTypes()) {
      if (!name.startsWith("java") && !name.startsWith("sun.")) {
        continue;
      }
      assertThat(Class.forName(name, false, null)).isNotNull();
    }
    Class<?> contextImpl = Class.forName(SslContextImplInstrumentation.TARGET, false, null);
    assertThat(contextImpl.getDeclaredField("trustManager").getType()).isEqualTo(X509TrustManager.class);
  }

  @Test
  void hooksCallBridgeMethodsThatExist() throws NoSuchMethodException {
    assertThat(MethodHook.BRIDGE_CLASS).isEqualTo(TrustManagerWrapping.class.getName());
    for (MethodHook hook : HookInstaller.HOOKS) {
      assertThat(TrustManagerWrapping.class.getMethod(hook.bridgeMethod, Object.class, Object.class).getReturnType())
          .isEqualTo(Object.class);
    }
  }
}
