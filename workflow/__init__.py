"""The domain: dates, the dossier, the rules, the state machine, audit, plan and the use cases."""
