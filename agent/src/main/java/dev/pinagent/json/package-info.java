/**
 * JSON text: written by hand for the tools' output, the inventory, the agent's JSON log and its violation reports;
 * read back with SnakeYAML's safe loader.
 */
package dev.pinagent.json;
