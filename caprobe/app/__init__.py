"""Applications: the command line, windows and the demo IOC. Composes widgets."""
