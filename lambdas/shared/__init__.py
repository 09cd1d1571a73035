"""Code shared by every Stepwise task handler (shipped beside each handler package)."""
