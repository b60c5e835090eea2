"""How it sounds: speech synthesis, assembly, encoding, captions and the content-addressed store."""
