"""Synthetic invocation logs and a CUR 2.0 export billing them."""
