"""Comparing two versions of a stack: what an upgrade adds, deletes, changes and endangers."""
