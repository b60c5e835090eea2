"""The admin's pages: therapists (list, create, disable). The deployment's crisis resources are
in shared/crisis.py, beside the therapist's own."""
