"""Pure data logic: parsing and validating price files, frequencies, synthetic history."""
