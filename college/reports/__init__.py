"""The reports made after the declaration: their content (tables), and its layouts (terminal, HTML, PDF, files)."""
