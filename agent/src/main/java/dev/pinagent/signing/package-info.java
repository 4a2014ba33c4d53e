/**
 * Signed policies: Ed25519 keys (PEM, as OpenSSL writes them), the detached {@code .sig} format, and the check
 * that a policy's bytes were signed by a listed key. BouncyCastle's lightweight API only: no JCA provider is
 * registered or looked up, so the check is the same whatever providers or FIPS set-up the application has.
 */
package dev.pinagent.signing;
