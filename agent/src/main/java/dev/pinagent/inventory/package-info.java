/**
 * What a JVM talks to over TLS: the servers, chains and policy outcomes the agent saw ({@code inventory.file}),
 * recorded off the handshake's thread, written as JSON and read back across restarts.
 */
package dev.pinagent.inventory;
