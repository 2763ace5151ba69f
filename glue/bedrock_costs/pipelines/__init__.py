"""The jobs as short outlines: stage, verify, publish."""
