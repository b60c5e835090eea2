"""When and through which channel: schedules, planner, dispatcher, channels and the runner."""
