/**
 * Decides whether a server's chain satisfies the policy: builds the certification path from the leaf by
 * signatures (so appended certificates never count), hashes its keys and compares them with the pin-set
 * that covers the host.
 */
package dev.pinagent.verify;
