"""The monthly estimate: prices per region and the estimator over a stack's resources (pure)."""
