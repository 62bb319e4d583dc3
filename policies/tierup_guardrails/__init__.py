"""tierup's guardrails as a pulumi-policy pack: one module per area, built per release."""
