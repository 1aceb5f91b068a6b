"""Sub-command groups of the ``archbench`` CLI (one module per concern)."""
