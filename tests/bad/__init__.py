"""Bad inputs for the reliability tests, generated at test time (see make_bad)."""
