/**
 * Byte Buddy instrumentation: the hooks that hand every X509 trust manager a TLS client chooses to {@link
 * dev.pinagent.bridge.TrustManagerWrapping}. Advice is inlined into {@code java.base}, so it names only JDK
 * types and reaches the bridge reflectively through the system class loader.
 */
package dev.pinagent.instrumentation;
