"""Offline synthesis: run the Pulumi program under the mock engine and record what it registers."""
