"""Request and response bodies, named ``XCreate / XRead / XPage``."""
