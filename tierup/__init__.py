"""tierup: a Pulumi platform that grows by releases, with its offline toolkit."""
