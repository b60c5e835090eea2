"""Admin pages: therapists list, create, disable."""
