"""The write side: command models, pure decide functions and the thin handlers that run them."""
