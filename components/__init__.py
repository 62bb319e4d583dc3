"""The platform's ComponentResources, one per file, and their tiny pure helpers."""
