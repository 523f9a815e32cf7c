"""The people app's pages, one module per resource."""
