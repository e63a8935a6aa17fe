"""Models as data: the layer registry, specs, shape analysis, building, presets, code export, compile/fit settings."""
