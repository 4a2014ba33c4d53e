/**
 * Decides whether a server's chain satisfies the policy: searches the chain for certification paths from the
 * leaf to an anchor of the trust manager that accepted it, validates them with the JDK's PKIX (so appended or
 * constrained-away certificates never count), hashes their keys and compares them with the pin-set that covers
 * the host.
 */
package dev.pinagent.verify;
