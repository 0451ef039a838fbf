"""The scenarios that script the sim's agents: the TOML files (format in ``FORMAT.md``), what
they parse into (:mod:`~drover.sim.scenarios.script`) and the loader that reads them."""
