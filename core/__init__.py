"""The kernel every layer may import: settings and the error hierarchy. It imports nothing of Dash."""
