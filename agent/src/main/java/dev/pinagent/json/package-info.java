/** JSON text: written by hand for the tools' output and the inventory, read back with SnakeYAML's safe loader. */
package dev.pinagent.json;
