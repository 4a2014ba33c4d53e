/**
 * The jar as a tool: {@code pins} (what is the pin of my host?), {@code check} (is my policy right?) and
 * {@code propose} (a first policy from agents' inventories), using the same policy loader and pin matching as the
 * agent.
 */
package dev.pinagent.cli;
