"""Readers, one module per outside source: each turns a source's own file into plain tables."""
