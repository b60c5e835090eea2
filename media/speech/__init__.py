"""Speech: voices and settings, the pyttsx3 engine, its spawned worker process, and the pool."""
