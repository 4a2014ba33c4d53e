/**
 * The jar as a tool: {@code pins} (what is the pin of my host?) and {@code check} (is my policy right?), using
 * the same policy loader and pin matching as the agent.
 */
package dev.pinagent.cli;
