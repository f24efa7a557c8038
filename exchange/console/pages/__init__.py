"""The console's pages, one module per part: each a few functions that call the CLI's query and command
functions and hand their results to a template."""
