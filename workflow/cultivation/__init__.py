"""Cultivation quality (issue 12): assessment schemes applied to activists, ranking against the
development quota, forecasts of admission against the expected leaving date."""
