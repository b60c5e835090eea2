"""What is said: the practice library, its model, loader and validator, and text renderers. Pure."""
