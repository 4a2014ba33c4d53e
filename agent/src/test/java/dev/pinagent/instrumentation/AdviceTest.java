package dev.pinagent.instrumentation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pinagent.bridge.PinEnforcement;
import dev.pinagent.bridge.PinningTrustManager;
import dev.pinagent.bridge.TrustManagerWrapping;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.matcher.ElementMatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The advice applied to stand-ins shaped like the JDK classes, before it is trusted on the real ones
 * (the integration tests do that through the built jar).
 */
class AdviceTest {
  private final List<String> wrapped = new ArrayList<>();

  @BeforeEach
  void install() {
    TrustManagerWrapping.install(new PinEnforcement() {
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

  /** Stands in for {@code sun.security.ssl.SSLContextImpl}. */
  public static class ContextStandIn {
    private X509TrustManager trustManager;

    protected void engineInit(KeyManager[] keyManagers, TrustManager[] trustManagers, SecureRandom random) {
      trustManager = (X509TrustManager) trustManagers[0];
    }

    public X509TrustManager chosen() {
      return trustManager;
    }
  }

  /** Stands in for {@code javax.net.ssl.TrustManagerFactory}. */
  public static class FactoryStandIn {
    private final TrustManager[] managers;

    public FactoryStandIn(TrustManager[] managers) {
      this.managers = managers;
    }

    public final TrustManager[] getTrustManagers() {
      return managers;
    }
  }

  private static TypeInstrumentation standIn(Class<?> type, TypeInstrumentation real) {
    return new TypeInstrumentation() {
      @Override
      public String typeName() {
        return type.getName();
      }

      @Override
      public ElementMatcher<MethodDescription> methods(TypeDescription description) {
        return real.methods(description);
      }

      @Override
      public Class<?> advice() {
        return real.advice();
      }
    };
  }

  private static Class<?> instrumented(Class<?> type, TypeInstrumentation real) throws Exception {
    byte[] original = ClassFileLocator.ForClassLoader.read(type);
    byte[] transformed = HookInstaller.AdviceTransformer.apply(standIn(type, real), type.getClassLoader(), original);
    return new ClassLoader(AdviceTest.class.getClassLoader()) {
      Class<?> define() {
        return defineClass(type.getName(), transformed, 0, transformed.length);
      }
    }.define();
  }

  private static X509TrustManager jdkTrustManager() throws Exception {
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init((java.security.KeyStore) null);
    return (X509TrustManager) factory.getTrustManagers()[0];
  }

  @Test
  void engineInitAdviceWrapsTheChosenTrustManager() throws Exception {
    Class<?> type = instrumented(ContextStandIn.class, new SslContextImplInstrumentation());
    Object context = type.getConstructor().newInstance();
    X509TrustManager original = jdkTrustManager();

    java.lang.reflect.Method engineInit =
        type.getDeclaredMethod("engineInit", KeyManager[].class, TrustManager[].class, SecureRandom.class);
    engineInit.setAccessible(true);
    engineInit.invoke(context, null, new TrustManager[] {original}, null);

    Object chosen = type.getMethod("chosen").invoke(context);
    assertThat(chosen).isInstanceOf(PinningTrustManager.class);
    assertThat(((PinningTrustManager) chosen).delegate()).isSameAs(original);
    assertThat(wrapped).containsExactly("ssl_context");
  }

  @Test
  void getTrustManagersAdviceWrapsEachX509TrustManagerOfTheReturnedArray() throws Exception {
    Class<?> type = instrumented(FactoryStandIn.class, new TrustManagerFactoryInstrumentation());
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
  void adviceNamesTheBridgeClassThatExists() {
    assertThat(TypeInstrumentation.BRIDGE_CLASS).isEqualTo(TrustManagerWrapping.class.getName());
  }

  @Test
  void targetsTheJdkTypesThatExistOnThisJvm() throws Exception {
    for (String name : HookInstaller.targetTypes()) {
      assertThat(Class.forName(name, false, null)).isNotNull();
    }
    Class<?> contextImpl = Class.forName(SslContextImplInstrumentation.TARGET, false, null);
    assertThat(contextImpl.getDeclaredField("trustManager").getType()).isEqualTo(X509TrustManager.class);
  }
}
