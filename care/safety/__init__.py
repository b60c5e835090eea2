"""Safety: alerts to the therapist and the crisis resources clients see."""
