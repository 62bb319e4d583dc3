"""The monthly cost estimate: price catalogues, usage assumptions, and the estimator."""
